"""The app's config vars, as the platform hands them over in ENV_DIR.

ENV_DIR holds one file per variable (file name = name, content = value).
They win over the process environment, except for variables that would change
how the builder itself runs (PATH, the dynamic loader, Python, the buildpack's
own cache locations): those are ignored with a warning naming them.

An entry no process environment could hold (not a file, not a variable name,
a NUL byte, not UTF-8, over 128 KiB, or past 1 MiB in all) is skipped for the
build with a warning naming it and why: one rule for every odd shape, so
that none ends in an E2BIG, a traceback or a hang. The platform still hands
it to the app at run time. Which values are secret, and so masked in the
log, is decided here too (AppEnv.secret_values; docs/reliability.md, Secrets). An
ENV_DIR that is there but is no readable directory fails the build, naming
it: the build would otherwise go on without the app's settings.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote

from .. import errors, lazy_re
from ..records import field, record
from .redact import PUBLIC_USERS, URL_USERINFO

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
BLOCKED_PREFIXES = ("LD_", "DYLD_", "PYTHON", "BASH_FUNC_")
VALID_NAME = lazy_re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# The variable the user lists more secret variables in (names, comma or space separated).
MASKED_VARIABLES = "BP_MASKED_VARIABLES"
# Read by the buildpack as configuration and shown in its errors, so a URL
# there keeps its host readable: only its userinfo is masked.
BUILDPACK_SETTINGS = frozenset({"RUSTUP_DIST_SERVER", "RUSTUP_UPDATE_ROOT", "PIP_INDEX_URL"})
# Words in a variable's name that say its value is secret (whole `_`-separated
# words, or inside one: GITHUB_TOKEN, APIKEY, DB_PASSWORD, SENTRY_DSN).
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "APIKEY", "AUTH")
SECRET_PARTS = frozenset({"KEY", "KEYS", "PASS", "PWD", "DSN", "SALT", "PEPPER", "COOKIE", "PEM"})
# Values this short (or a boolean) are too common to mask without garbling the log.
MIN_SECRET_LENGTH = 4
# Buildpack settings that hold a private key: every line of it is masked.
KEY_SETTINGS = frozenset({"BP_GIT_SSH_KEY"})
# Linux refuses an environment string over 128 KiB (MAX_ARG_STRLEN, counting
# `NAME=`, the value and its NUL) and a whole environment over a quarter of
# the stack limit; past these, starting any process fails with E2BIG.
MAX_VARIABLE_BYTES = 128 * 1024
MAX_TOTAL_BYTES = 1024 * 1024


def is_buildpack_setting(name: str) -> bool:
    return name.startswith("BP_") or name in BUILDPACK_SETTINGS


def is_blocked(name: str) -> bool:
    return name in BLOCKED_NAMES or name.startswith(BLOCKED_PREFIXES)


def has_secret_name(name: str) -> bool:
    upper = name.upper()
    parts = upper.split("_")
    return any(word in upper for word in SECRET_WORDS) or any(p in SECRET_PARTS for p in parts)


def url_secrets(value: str) -> list[str]:
    """The user and password of every URL in ``value`` (DATABASE_URL, a git
    remote with a token), decoded too, for tools that print them so: a token
    is often given as the user part, so both are secret (but ``git@``)."""
    found = []
    for match in URL_USERINFO.finditer(value):
        for part in (match["user"], match["password"]):
            if part and part not in PUBLIC_USERS and len(part) >= MIN_SECRET_LENGTH:
                found += [part, unquote(part)]
    return found


def key_lines(value: str) -> list[str]:
    """Lines of a private key worth masking (its armour lines are not secret)."""
    return [
        line.strip()
        for line in value.replace("\\n", "\n").splitlines()
        if len(line.strip()) >= MIN_SECRET_LENGTH and not line.strip().startswith("-----")
    ]


@record
class AppEnv:
    """Config vars the build may use, the names it refused, and those it skipped
    (name, why) because no process environment could hold them."""

    variables: Mapping[str, str]
    ignored: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def secret_values(self) -> list[str]:
        """Values to mask in the log (docs/reliability.md, Secrets): those of variables whose
        name says they are secret, URLs carrying a user or password, and the
        variables listed in BP_MASKED_VARIABLES; never a short or boolean value."""
        listed = set(re.split(r"[\s,]+", self.variables.get(MASKED_VARIABLES, "")))
        secrets = []
        for name, value in self.variables.items():
            in_url = url_secrets(value)
            secrets.extend(in_url)
            secrets.extend(key_lines(value) if name in KEY_SETTINGS else [])
            whole_url = in_url and not is_buildpack_setting(name)
            if name in listed or has_secret_name(name) or whole_url:
                secrets.append(value)
        return [value for value in secrets if _maskable(value)]


def _maskable(value: str) -> bool:
    word = value.strip()
    return len(word) >= MIN_SECRET_LENGTH and word.lower() not in (*TRUE_VALUES, *FALSE_VALUES)


def _printable(name: str) -> str:
    """A file name safe to show in the log, whatever bytes it has."""
    return ascii(name)[1:-1] if not name.isprintable() or not name.isascii() else name


def _read_value(entry: Path) -> tuple[str | None, str | None]:
    """The value of one env dir entry, or why it is skipped.

    Opened without blocking (a fifo never hangs the build) and checked as a
    regular file once open (a link to a file is fine: ENV_DIR is the
    platform's); at most one byte past the limit is read.
    """
    try:
        descriptor = os.open(entry, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as problem:
        return None, f"it cannot be read ({problem.strerror})"
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return None, "it is not a regular file"
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(MAX_VARIABLE_BYTES + 1)
        except OSError as problem:
            return None, f"it cannot be read ({problem.strerror})"
    # Like the shell's $(cat FILE): one trailing newline is not part of the value.
    data = data[:-1] if data.endswith(b"\n") else data
    if len(entry.name) + 2 + len(data) > MAX_VARIABLE_BYTES:
        return None, "its value is over 128 KiB, more than a process environment can hold"
    if b"\0" in data:
        return None, "its value has a NUL byte, which no process environment can hold"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "its value is not UTF-8 text"


def _within_total(variables: dict[str, str], skipped: list[tuple[str, str]]) -> None:
    """Drop the largest values until the whole set fits in an environment."""
    total = sum(len(name) + len(value.encode()) + 2 for name, value in variables.items())
    for name in sorted(variables, key=lambda n: len(variables[n].encode()), reverse=True):
        if total <= MAX_TOTAL_BYTES:
            return
        total -= len(name) + len(variables.pop(name).encode()) + 2
        skipped.append((name, "the config vars together are over 1 MiB; this is the largest"))


def _entries(env_dir: Path) -> list[Path]:
    """ENV_DIR's entries; none when there is no ENV_DIR (no config vars, or a
    platform that passes none). One that is there but cannot be listed fails
    the build: taken for empty, it would drop every config var without a word."""
    try:
        return sorted(env_dir.iterdir())
    except FileNotFoundError:
        if env_dir.is_symlink():
            raise errors.unusable_env_dir(env_dir, "it is a link to nothing") from None
        return []
    except NotADirectoryError:
        raise errors.unusable_env_dir(env_dir, "it is not a directory") from None
    except OSError as problem:
        reason = f"it cannot be read ({problem.strerror or problem})"
        raise errors.unusable_env_dir(env_dir, reason) from None


def read_env_dir(env_dir: Path) -> AppEnv:
    """Every variable of ENV_DIR the build can use (docs/reliability.md: Config vars
    of unusual size or shape)."""
    variables: dict[str, str] = {}
    ignored: list[str] = []
    skipped: list[tuple[str, str]] = []
    for entry in _entries(env_dir):
        if entry.name.startswith("."):
            continue  # the platform's own files (a mounted volume's ..data)
        if not VALID_NAME.match(entry.name):
            skipped.append((_printable(entry.name), "it is not a valid variable name"))
            continue
        if is_blocked(entry.name):
            ignored.append(entry.name)
            continue
        value, problem = _read_value(entry)
        if value is None:
            skipped.append((entry.name, str(problem)))
        else:
            variables[entry.name] = value
    _within_total(variables, skipped)
    return AppEnv(variables, tuple(ignored), tuple(skipped))


@record
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
