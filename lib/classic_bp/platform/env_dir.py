"""The app's config vars, as the platform hands them over in ENV_DIR.

ENV_DIR holds one file per variable (file name = name, content = value).
They win over the process environment, except for variables that would change
how the builder itself runs (PATH, the dynamic loader, Python, the buildpack's
own cache locations): those are ignored with a warning naming them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

# How every boolean setting (BP_* variables, the old RustConfig) is spelled.
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")
BLOCKED_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "SHELL",
        "IFS",
        "ENV",
        "BASH_ENV",
        "PS4",
        "TMPDIR",
        "STACK",
        "BUILD_DIR",
        "CACHE_DIR",
        "ENV_DIR",
        "RUSTUP_HOME",
        "CARGO_HOME",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_INSTALL_ROOT",
        "RUSTUP_TOOLCHAIN",
        "GIT_DIR",
        "GIT_WORK_TREE",
    }
)
# Read by the buildpack as configuration; shown in errors, so not masked.
BUILDPACK_SETTINGS = frozenset({"RUSTUP_DIST_SERVER", "RUSTUP_UPDATE_ROOT", "PIP_INDEX_URL"})
BLOCKED_PREFIXES = ("LD_", "DYLD_", "PYTHON", "BASH_FUNC_")
VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Values this short are too common to mask without garbling the log.
MIN_SECRET_LENGTH = 6
# Buildpack settings that hold a private key: every line of it is masked.
KEY_SETTINGS = frozenset({"BP_GIT_SSH_KEY"})


def is_buildpack_setting(name: str) -> bool:
    return name.startswith("BP_") or name in BUILDPACK_SETTINGS


def url_secrets(value: str) -> list[str]:
    """The user and password parts of every URL in ``value`` (space-separated):
    a token is often given as the user part, so both are masked."""
    found = []
    for word in value.split():
        try:
            parts = urlsplit(word.removeprefix("sparse+"))
            user, password = parts.username, parts.password
        except ValueError:
            continue
        for part in (user, password):
            if part and len(part) >= MIN_SECRET_LENGTH:
                found += [part, unquote(part)]
    return found


def key_lines(value: str) -> list[str]:
    """Lines of a private key worth masking (its armour lines are not secret)."""
    return [
        line.strip()
        for line in value.replace("\\n", "\n").splitlines()
        if len(line.strip()) >= MIN_SECRET_LENGTH and not line.strip().startswith("-----")
    ]


def is_blocked(name: str) -> bool:
    return name in BLOCKED_NAMES or name.startswith(BLOCKED_PREFIXES)


@dataclass(frozen=True)
class AppEnv:
    """Config vars the build may use, and the names it refused."""

    variables: Mapping[str, str]
    ignored: tuple[str, ...]

    def secret_values(self) -> list[str]:
        """Values to mask in the log.

        Every value but the buildpack's own settings, which users need to see
        echoed in errors; of those, only the user and password of a URL (a
        token may be either) and the lines of a private key are masked.
        """
        secrets = []
        for name, value in self.variables.items():
            if name in KEY_SETTINGS:
                secrets.extend(key_lines(value))
            elif is_buildpack_setting(name):
                secrets.extend(url_secrets(value))
            elif len(value) >= MIN_SECRET_LENGTH:
                secrets.append(value)
        return secrets


def read_env_dir(env_dir: Path) -> AppEnv:
    variables: dict[str, str] = {}
    ignored: list[str] = []
    for entry in sorted(env_dir.iterdir()) if env_dir.is_dir() else []:
        if not entry.is_file() or not VALID_NAME.match(entry.name):
            continue
        if is_blocked(entry.name):
            ignored.append(entry.name)
            continue
        value = entry.read_bytes().decode("utf-8", "surrogateescape")
        # Like the shell's $(cat FILE): one trailing newline is not part of the value.
        variables[entry.name] = value.removesuffix("\n")
    return AppEnv(variables, tuple(ignored))


@dataclass(frozen=True)
class Settings:
    """Looks a setting up in the app's config vars first, then the process env."""

    app: AppEnv
    process: Mapping[str, str]
    # Lowest priority: settings derived from a legacy RustConfig file.
    derived: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str | None = None) -> str | None:
        for layer in (self.app.variables, self.process, self.derived):
            value = layer.get(name)
            if value is not None and value.strip():
                return value
        return default

    def build_environment(self) -> dict[str, str]:
        """The environment cargo and build scripts see: platform env plus app vars."""
        return {**self.process, **self.app.variables}
