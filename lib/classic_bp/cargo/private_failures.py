"""Why cargo could not fetch a private dependency, read from its output.

cargo exits 101 whatever went wrong; the reason is in the lines it (and git,
and ssh) printed just before. A user needs the dependency, the host and the
config var to fix, not a wall of git output, so the lines of a failed cargo
command are kept (bounded) and matched against what git, ssh and cargo say
for a rejected token, a rejected key, an unknown host key or a missing
repository (failures.py keeps the lines and asks each diagnosis in turn).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import errors, lazy_re
from ..config.credentials import (
    CREDENTIALS_VARIABLE,
    KNOWN_HOSTS_VARIABLE,
    SKIP_HOST_KEY_CHECK_VARIABLE,
    SSH_KEY_VARIABLE,
)
from ..fetch.urls import display_url
from ..platform.redact import redact
from ..records import record

DEPENDENCY = lazy_re.compile(
    r"(?:failed to load source for dependency|failed to get) `(?P<name>[^`]+)`"
)
GIT_URL = lazy_re.compile(r"Unable to update (?P<url>[A-Za-z+]+://\S+)")
QUOTED_URL = lazy_re.compile(r"'(?P<url>(?:https?|ssh)://[^']+)'")
SSH_HOST = lazy_re.compile(
    r"host key (?:is known )?for (?P<host>\S+)|^ssh: connect to host (?P<ssh>\S+)"
)
REGISTRY = lazy_re.compile(r"(?:token rejected for|no token found for) `(?P<name>[^`]+)`")


@record
class PrivateFailure:
    """What went wrong fetching a private dependency, as cargo's and git's output told."""

    what: str  # one sentence: what the server or ssh said
    variables: tuple[str, ...]  # the config vars to check


HTTPS = (CREDENTIALS_VARIABLE,)
SSH_KEY = (SSH_KEY_VARIABLE,)
PATTERNS: tuple[tuple[lazy_re.LazyPattern, PrivateFailure], ...] = (
    (
        lazy_re.compile(r"Host key verification failed|No \S+ host key is known for"),
        PrivateFailure(
            "the server's SSH host key is not among the known hosts.",
            (KNOWN_HOSTS_VARIABLE, f"(only to skip the check) {SKIP_HOST_KEY_CHECK_VARIABLE}"),
        ),
    ),
    (
        lazy_re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED"),
        PrivateFailure(
            "the server's SSH host key differs from the known one.", (KNOWN_HOSTS_VARIABLE,)
        ),
    ),
    (
        lazy_re.compile(r"Permission denied \(publickey|Load key .*: (?:invalid format|error)"),
        PrivateFailure("the server refused the SSH key.", SSH_KEY),
    ),
    (
        lazy_re.compile(r"Authentication failed for|could not read (?:Username|Password) for"),
        PrivateFailure("the server refused the credentials (or got none).", HTTPS),
    ),
    (
        lazy_re.compile(
            r"repository '[^']*' not found|Repository not found"
            r"|does not appear to be a git repository"
        ),
        PrivateFailure(
            "the repository does not exist, or these credentials cannot see it.",
            ("the URL in Cargo.toml", *HTTPS, *SSH_KEY),
        ),
    ),
    (
        lazy_re.compile(r"token rejected for|got 40[13]\b"),
        PrivateFailure(
            "the registry refused the token.",
            ("CARGO_REGISTRIES_<NAME>_TOKEN", "CARGO_REGISTRY_TOKEN"),
        ),
    ),
    (
        lazy_re.compile(r"no token found for|requires a credential-provider"),
        PrivateFailure(
            "the registry requires a token and none was given.",
            ("CARGO_REGISTRIES_<NAME>_TOKEN", "CARGO_REGISTRY_TOKEN"),
        ),
    ),
)


def _place(lines: list[str]) -> str | None:
    """Where the fetch went: the repository's URL (without credentials), else the host
    ssh named."""
    for pattern in (GIT_URL, QUOTED_URL):
        for line in lines:
            match = pattern.search(line)
            if match:
                url = match["url"].rstrip(":'\"")
                host = urlsplit(url).netloc.rpartition("@")[2]
                return f"{display_url(url)} (host {host})" if host else display_url(url)
    for line in lines:
        match = SSH_HOST.search(line)
        if match:
            return f"host {(match['host'] or match['ssh']).rstrip('.:')}"
    return None


def diagnose(lines: list[str], command: str, returncode: int) -> errors.BuildError | None:
    """The specific error for a failed fetch of a private dependency, if one is recognised."""
    failure = next(
        (found for pattern, found in PATTERNS if any(pattern.search(line) for line in lines)),
        None,
    )
    if failure is None:
        return None
    dependency = next((m["name"] for line in lines if (m := DEPENDENCY.search(line))), None)
    place = _place(lines)
    registry = next((m["name"] for line in lines if (m := REGISTRY.search(line))), None)
    if registry is not None:
        place = f"the registry `{registry}`"
        variable = f"CARGO_REGISTRIES_{registry.upper().replace('-', '_')}_TOKEN"
        failure = PrivateFailure(failure.what, (variable, *failure.variables[1:]))
    return errors.private_dependency_failed(
        command,
        returncode,
        dependency,
        redact(place) if place else None,
        failure.what,
        failure.variables,
    )
