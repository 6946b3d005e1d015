"""Credentials for private dependencies, read and checked with the rest of the config.

- ``BP_GIT_CREDENTIALS``: space-separated ``https://user:token@host[/path]``
  entries, one per git host (or repository path), for git dependencies over
  HTTP(S). Given to git through its ``store`` credential helper, never
  written into a URL cargo or the log sees.
- ``BP_GIT_SSH_KEY`` (a private key) and ``BP_GIT_SSH_KNOWN_HOSTS`` (lines of
  a known_hosts file) for ``ssh://`` git dependencies. Host keys are checked
  unless ``BP_GIT_SSH_SKIP_HOST_KEY_CHECK=true`` says otherwise.

Here, not where the files are written (cargo/private_access.py), so that a
malformed entry fails the build in its first second, and so that every
secret is known to the log's redactor before any tool runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import errors
from ..platform.env_dir import TRUE_VALUES, Settings, key_lines, url_secrets
from ..records import record

CREDENTIALS_VARIABLE = "BP_GIT_CREDENTIALS"
SSH_KEY_VARIABLE = "BP_GIT_SSH_KEY"
KNOWN_HOSTS_VARIABLE = "BP_GIT_SSH_KNOWN_HOSTS"
SKIP_HOST_KEY_CHECK_VARIABLE = "BP_GIT_SSH_SKIP_HOST_KEY_CHECK"
# Read by the buildpack only: cargo and build scripts never see them.
VARIABLES = (
    CREDENTIALS_VARIABLE,
    SSH_KEY_VARIABLE,
    KNOWN_HOSTS_VARIABLE,
    SKIP_HOST_KEY_CHECK_VARIABLE,
)


@record
class GitCredential:
    """One entry of BP_GIT_CREDENTIALS: the line git's store helper reads, and
    the same URL without its secret, for the log."""

    line: str
    shown: str
    has_path: bool


@record
class PrivateAccess:
    git_credentials: tuple[GitCredential, ...] = ()
    ssh_key: str | None = None
    known_hosts: str | None = None
    skip_host_key_check: bool = False

    @property
    def uses_git(self) -> bool:
        return bool(self.git_credentials or self.ssh_key or self.known_hosts)


def _credential(entry: str) -> GitCredential:
    try:
        parts = urlsplit(entry)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.invalid_git_credential(_without_userinfo(entry))
    if not parts.username:
        raise errors.invalid_git_credential(_without_userinfo(entry))
    host = parts.hostname + (f":{port}" if port else "")
    user = parts.username
    # A token alone (https://TOKEN@host) is sent as the user with an empty password.
    password = parts.password or ""
    path = parts.path.rstrip("/")
    line = f"{parts.scheme}://{user}:{password}@{host}{path}"
    return GitCredential(line, f"{parts.scheme}://{host}{path}", bool(path))


def _without_userinfo(entry: str) -> str:
    scheme, separator, rest = entry.partition("://")
    return f"{scheme}{separator}{rest.rpartition('@')[2]}" if separator else "(not a URL)"


def normalized_key(value: str) -> str:
    """The key as ssh reads it: real newlines (a pasted key may have ``\\n``
    escapes instead) and a final newline, without which OpenSSH refuses it."""
    if "\n" not in value.strip() and "\\n" in value:
        value = value.replace("\\n", "\n")
    return value.strip() + "\n"


def read_private_access(settings: Settings) -> PrivateAccess:
    credentials = tuple(
        _credential(entry) for entry in (settings.get(CREDENTIALS_VARIABLE) or "").split()
    )
    key = settings.get(SSH_KEY_VARIABLE)
    if key is not None and "PRIVATE KEY-----" not in key:
        raise errors.invalid_ssh_key(SSH_KEY_VARIABLE)
    known_hosts = settings.get(KNOWN_HOSTS_VARIABLE)
    skip = (settings.get(SKIP_HOST_KEY_CHECK_VARIABLE) or "").strip().lower() in TRUE_VALUES
    return PrivateAccess(
        git_credentials=credentials,
        ssh_key=normalized_key(key) if key else None,
        known_hosts=known_hosts.strip() + "\n" if known_hosts else None,
        skip_host_key_check=skip,
    )


def secrets_of(settings: Settings) -> list[str]:
    """What the log must never show, whichever layer (env dir, process) gave it."""
    found = url_secrets(settings.get(CREDENTIALS_VARIABLE) or "")
    found += key_lines(settings.get(SSH_KEY_VARIABLE) or "")
    return found
