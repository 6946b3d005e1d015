"""BP_RUST_VERSION, the version of Rust installed without rustup, checked offline.

Here, not in rust/standalone.py which resolves and installs it, so that a
typo fails the build while the configuration is read, before any download.
"""

from __future__ import annotations

from .. import errors, lazy_re

VERSION_VARIABLE = "BP_RUST_VERSION"
_NUMBER = r"(?:0|[1-9][0-9]*)"
EXACT_VERSION = lazy_re.compile(rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}")
MINOR_WILDCARD = lazy_re.compile(rf"({_NUMBER}\.{_NUMBER})\.\*")
MAJOR_WILDCARD = lazy_re.compile(rf"({_NUMBER})\.\*")
LATEST = ("", "stable")


def check_spec(spec: str | None) -> str:
    """The spec, stripped, when it has one of the accepted forms; no network.

    For config loading, so that a typo fails the build before any download.
    """
    value = (spec or "").strip()
    forms = (EXACT_VERSION, MINOR_WILDCARD, MAJOR_WILDCARD)
    if value in LATEST or any(form.fullmatch(value) for form in forms):
        return value
    raise errors.invalid_rust_version(VERSION_VARIABLE, value)
