"""Which Rust toolchain the app asks for, and who asked.

Sources in priority order (rustup's own order for files): ``rust-toolchain``,
``rust-toolchain.toml`` in the app, then ``BP_RUST_TOOLCHAIN``, then the
default ``stable``. Every candidate is reported so users can see why a
toolchain was chosen.
"""

from __future__ import annotations

from pathlib import Path

from .. import app_files, errors, lazy_re, toml_compat
from ..records import record

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_TOOLCHAIN = "stable"
TOOLCHAIN_VARIABLE = "BP_RUST_TOOLCHAIN"
TOOLCHAIN_FILES = ("rust-toolchain", "rust-toolchain.toml")

_DATE = r"\d{4}-\d{2}-\d{2}"
_CHANNEL = rf"(?:stable|beta|nightly|\d+\.\d+(?:\.\d+)?(?:-beta(?:\.\d+)?)?)(?:-{_DATE})?"
_TRIPLE = r"(?:-[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?)?"
TOOLCHAIN_NAME = lazy_re.compile(rf"{_CHANNEL}{_TRIPLE}\Z")
EXACT_VERSION = lazy_re.compile(rf"(?:\d+\.\d+\.\d+|(?:stable|beta|nightly)-{_DATE}){_TRIPLE}\Z")


@record
class ToolchainRequest:
    channel: str
    source: str
    components: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()

    @property
    def is_exact(self) -> bool:
        """An exact version never changes on the server, so a cached copy is final."""
        return bool(EXACT_VERSION.match(self.channel))


@record
class Candidate:
    source: str
    value: str | None


def _string_list(table: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.invalid_toolchain_file(path, f"`{key}` must be a list of strings")
    return tuple(value)


def _parse_toml_file(path: Path, text: str) -> ToolchainRequest:
    try:
        document = toml_compat.loads(text)
    except toml_compat.TOMLDecodeError as problem:
        raise errors.invalid_toolchain_file(path, str(problem)) from None
    table = document.get("toolchain")
    if not isinstance(table, dict):
        raise errors.invalid_toolchain_file(path, "it has no [toolchain] table")
    if "path" in table:
        raise errors.invalid_toolchain_file(
            path, "`path` toolchains live outside the app and cannot be used on a platform"
        )
    channel = table.get("channel")
    if not isinstance(channel, str) or not TOOLCHAIN_NAME.match(channel):
        raise errors.invalid_toolchain_file(path, f"`channel` {channel!r} is not a toolchain name")
    return ToolchainRequest(
        channel=channel,
        source=f"{path.name} (channel = {channel!r})",
        components=_string_list(table, "components", path),
        targets=_string_list(table, "targets", path),
    )


def _read_file(path: Path) -> ToolchainRequest:
    text = app_files.read_text(path.parent, path)
    stripped = text.strip()
    if path.name == "rust-toolchain" and "\n" not in stripped and "=" not in stripped:
        # The legacy one-line form: just the channel name.
        if not TOOLCHAIN_NAME.match(stripped):
            raise errors.invalid_toolchain_file(path, f"{stripped!r} is not a toolchain name")
        return ToolchainRequest(channel=stripped, source=f"{path.name} ({stripped})")
    return _parse_toml_file(path, text)


def candidates(app_dir: Path, variable_value: str | None) -> list[Candidate]:
    """Every place a toolchain may come from, in priority order, with what it says."""
    found = []
    for name in TOOLCHAIN_FILES:
        path = app_dir / name
        found.append(Candidate(name, "present" if path.is_file() else None))
    found.append(Candidate(TOOLCHAIN_VARIABLE, variable_value))
    found.append(Candidate("default", DEFAULT_TOOLCHAIN))
    return found


def resolve(app_dir: Path, variable_value: str | None) -> ToolchainRequest:
    for name in TOOLCHAIN_FILES:
        path = app_dir / name
        if path.is_file():
            return _read_file(path)
    if variable_value:
        if not TOOLCHAIN_NAME.match(variable_value):
            raise errors.invalid_toolchain_setting(TOOLCHAIN_VARIABLE, variable_value)
        return ToolchainRequest(variable_value, f"{TOOLCHAIN_VARIABLE}={variable_value}")
    return ToolchainRequest(DEFAULT_TOOLCHAIN, "the default")
