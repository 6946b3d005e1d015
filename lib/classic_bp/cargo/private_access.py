"""Credentials for private dependencies, handed to cargo and git for one build only.

Why this shape:
- Secrets go into files only where a tool reads nothing else (git's store
  credential helper, ssh's key and known_hosts), written mode 0600 in a
  private temporary folder (mode 0700) outside BUILD_DIR and CACHE_DIR, and
  removed when the build ends: on success, on failure, and on SIGTERM or
  Ctrl-C, which become KeyboardInterrupt so that every ``finally`` runs.
- git's own settings travel in ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/
  ``GIT_CONFIG_VALUE_n``, never in a git config file that a cache could keep.
- cargo fetches git dependencies with the git CLI
  (``CARGO_NET_GIT_FETCH_WITH_CLI``), so that the helper and ``GIT_SSH_COMMAND``
  apply, and git never prompts (``GIT_TERMINAL_PROMPT=0``).
- Private registries use cargo's own variables (``CARGO_REGISTRIES_<NAME>_TOKEN``,
  ``CARGO_REGISTRY_TOKEN``), which reach cargo like every config var; the
  build only makes sure a credential provider is configured.
- After the build, cargo's home in the cache is scrubbed: no credentials
  file, and no URL with a user or password in its git databases.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .. import lazy_re, toml_compat
from ..config.credentials import VARIABLES, PrivateAccess
from ..platform import output
from .fixed_path import app_config_file

PRIVATE_DIR_PREFIX = "classic-bp-private-"
CREDENTIAL_PROVIDERS_VARIABLE = "CARGO_REGISTRY_GLOBAL_CREDENTIAL_PROVIDERS"
# `cargo login` would write these; a token must never stay in the cache.
CARGO_CREDENTIAL_FILES = ("credentials.toml", "credentials")
URL_USERINFO = lazy_re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"]+@")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def private_dir() -> Iterator[Path]:
    """A folder for secret files, gone when the build ends however it ends."""
    directory = Path(tempfile.mkdtemp(prefix=PRIVATE_DIR_PREFIX))
    # The commands' own SIGTERM handler (platform/guard.py: it also stops
    # cargo and its rustc processes) unwinds the same way: keep it when set.
    main_thread = threading.current_thread() is threading.main_thread()
    own = main_thread and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)
    previous = signal.signal(signal.SIGTERM, _interrupt) if own else None
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        if own:
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)


def _write_secret(path: Path, text: str) -> Path:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    return path


def _ssh_command(access: PrivateAccess, directory: Path) -> str:
    words = ["ssh", "-o", "BatchMode=yes"]
    if access.ssh_key:
        key = _write_secret(directory / "ssh-key", access.ssh_key)
        words += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
    if access.skip_host_key_check:
        words += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    else:
        if access.known_hosts:
            known = _write_secret(directory / "known_hosts", access.known_hosts)
            words += ["-o", f"UserKnownHostsFile={known}"]
        words += ["-o", "StrictHostKeyChecking=yes"]
    return " ".join(shlex.quote(word) for word in words)


def _git_config(access: PrivateAccess, directory: Path) -> list[tuple[str, str]]:
    if not access.git_credentials:
        return []
    lines = "".join(credential.line + "\n" for credential in access.git_credentials)
    store = _write_secret(directory / "git-credentials", lines)
    # The empty value drops helpers configured elsewhere (a builder's own store).
    entries = [("credential.helper", ""), ("credential.helper", f"store --file={store}")]
    if any(credential.has_path for credential in access.git_credentials):
        entries.append(("credential.useHttpPath", "true"))
    return entries


def _app_chose_providers(app_dir: Path | None) -> bool:
    """Whether the app's .cargo/config.toml sets ``registry.global-credential-providers``."""
    found = app_config_file(app_dir) if app_dir is not None else None
    if found is None:
        return False
    try:
        registry = toml_compat.loads(found.read_text(encoding="utf-8")).get("registry")
    except (OSError, UnicodeDecodeError, toml_compat.TOMLDecodeError):
        return False
    return isinstance(registry, dict) and "global-credential-providers" in registry


def cargo_variables(
    access: PrivateAccess,
    directory: Path,
    environment: Mapping[str, str],
    app_dir: Path | None = None,
) -> dict[str, str]:
    """The environment for cargo: ``environment`` plus what private dependencies
    need, without the buildpack's credential settings (build scripts never see them)."""
    result = {name: value for name, value in environment.items() if name not in VARIABLES}
    # Cargo refuses an authenticated registry without a provider; the user's choice
    # (a config var, or the app's cargo config) wins.
    if not _app_chose_providers(app_dir):
        result.setdefault(CREDENTIAL_PROVIDERS_VARIABLE, "cargo:token")
    if not access.uses_git and not access.skip_host_key_check:
        return result
    result.setdefault("CARGO_NET_GIT_FETCH_WITH_CLI", "true")
    result["GIT_TERMINAL_PROMPT"] = "0"
    if access.ssh_key or access.known_hosts or access.skip_host_key_check:
        result["GIT_SSH_COMMAND"] = _ssh_command(access, directory)
    entries = _git_config(access, directory)
    try:
        count = int(environment.get("GIT_CONFIG_COUNT") or 0)
    except ValueError:
        count = 0
    for index, (key, value) in enumerate(entries, start=count):
        result[f"GIT_CONFIG_KEY_{index}"] = key
        result[f"GIT_CONFIG_VALUE_{index}"] = value
    if entries:
        result["GIT_CONFIG_COUNT"] = str(count + len(entries))
    hosts = ", ".join(credential.shown for credential in access.git_credentials)
    if hosts:
        output.detail(f"Git credentials (BP_GIT_CREDENTIALS) for: {hosts}")
    if access.ssh_key:
        checked = "not checked" if access.skip_host_key_check else "checked"
        output.detail(f"Git over SSH with the key in BP_GIT_SSH_KEY (host keys {checked})")
    return result


def scrub_cargo_home(cargo_home: Path) -> None:
    """No credential stays in the cache: cargo's credentials files go, and URLs
    in cargo's git databases lose their user and password."""
    for name in CARGO_CREDENTIAL_FILES:
        (cargo_home / name).unlink(missing_ok=True)
    git_root = cargo_home / "git" / "db"
    repositories = list(git_root.iterdir()) if git_root.is_dir() else []
    files = [cargo_home / "config.toml"]  # BP_CARGO_REGISTRY_MIRROR's URL
    files += [folder / name for folder in repositories for name in ("config", "FETCH_HEAD")]
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        cleaned = URL_USERINFO.sub(r"\g<scheme>", text)
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")


@contextmanager
def private_build(cargo_home: Path) -> Iterator[Path]:
    """The private folder for one build, and cargo's home scrubbed when it ends."""
    with private_dir() as directory:
        try:
            yield directory
        finally:
            scrub_cargo_home(cargo_home)
