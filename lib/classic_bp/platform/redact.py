"""Secrets never reach the log: the masking every log line passes through.

The app's secret config vars (platform/env_dir.py decides which are secret)
are added as the build reads them; URL userinfo is masked whoever printed
it. The rule is docs/reliability.md's (Secrets). Standard library only: the log is
written before the buildpack's packages are importable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from urllib.parse import quote

from .. import lazy_re
from ..records import field, mutable_record

REDACTED = "[redacted]"

# A URL's userinfo, whoever printed it (cargo and git echo the URLs of
# Cargo.toml, which may carry one): ``scheme://user:password@`` or ``scheme://token@``.
URL_USERINFO = lazy_re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/?#@:'\"<>`]*)"
    r"(?::(?P<password>[^\s/?#@'\"<>`]+))?@"
)
# A user part alone is a token (``https://ghp_x@github.com``) unless it is one
# of the conventional account names of ssh and git hosting.
PUBLIC_USERS = frozenset({"", "git", "hg", "ssh", "anonymous"})
# Lines of a multi-line secret shorter than this are structure (`-----`), not secret.
_MIN_LINE_LENGTH = 8


def _mask_userinfo(match: re.Match[str]) -> str:
    scheme, user = match["scheme"], match["user"]
    if match["password"] is not None:
        return f"{scheme}{user}:{REDACTED}@"
    return match[0] if user in PUBLIC_USERS else f"{scheme}{REDACTED}@"


def _forms(value: str) -> set[str]:
    """A secret as tools print it: as is, percent-encoded, JSON- or repr-escaped,
    and each long enough line of a multi-line value (a PEM key)."""
    lines = [line.strip() for line in value.splitlines()]
    forms = {value.strip(), *(line for line in lines if len(line) >= _MIN_LINE_LENGTH)}
    for form in list(forms):
        forms.update((quote(form, safe=""), quote(form), json.dumps(form)[1:-1]))
        forms.add(repr(form)[1:-1])
    return {form for form in forms if form}


@mutable_record
class Redactor:
    """Masks secrets in log text (the rule: platform/env_dir.py, docs/reliability.md, Secrets).

    The secret values in every form (``_forms``), longest first so that
    overlaps mask fully; and every URL's password, or its user part when it
    stands alone as a token.
    """

    secrets: list[str] = field(default_factory=list)

    def add(self, values: Sequence[str]) -> None:
        forms = {form for value in values for form in _forms(value)}
        self.secrets = sorted({*self.secrets, *forms}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if "@" in text:
            text = URL_USERINFO.sub(_mask_userinfo, text)
        return text


redact = Redactor()
