"""Apps coming from the old Heroku Rust buildpack keep working: ``RustConfig``.

That buildpack *sourced* RustConfig as a bash script; here it is only read,
as ``KEY=VALUE`` lines (an optional ``export``, shell quoting, ``#``
comments), and never executed. Each known key is mapped onto the
equivalent BP_* setting, and the log names that setting so users can move
to it. Real BP_* config vars always win over what RustConfig says.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from .. import app_files, errors, lazy_re
from ..platform.env_dir import TRUE_VALUES
from ..records import record

FILE_NAME = "RustConfig"
ASSIGNMENT = lazy_re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
# The old buildpack always built in release mode; cargo install does too.
DROPPED_BUILD_FLAGS = ("--release",)
PACKAGE_FLAGS = ("-p", "--package")


@record
class Migration:
    """Settings derived from RustConfig, and what to tell the user about each."""

    settings: dict[str, str]
    skip_build: bool
    messages: tuple[str, ...]
    ignored: tuple[str, ...]
    # BUILD_PATH when the app's root has no Cargo.toml: the project lives there.
    project_dir: str | None = None


def read_assignments(path: Path) -> dict[str, str]:
    """The assignments; a line bash could not source either (an unbalanced quote)
    is the user's to fix, said with its line number."""
    values: dict[str, str] = {}
    for number, line in enumerate(app_files.read_text(path.parent, path).splitlines(), 1):
        match = ASSIGNMENT.match(line)
        if match is None:
            continue
        try:
            words = shlex.split(match["value"], comments=True)
        except ValueError as problem:
            raise errors.invalid_rustconfig(number, str(problem)) from None
        values[match["key"]] = " ".join(words)
    return values


def _build_flags(flags: str) -> tuple[list[str], list[str]]:
    """cargo build flags as cargo install arguments, and the packages named by -p."""
    arguments: list[str] = []
    packages: list[str] = []
    # As bash expanded the unquoted $RUST_CARGO_BUILD_FLAGS: split on blanks, no quotes.
    words = iter(flags.split())
    for word in words:
        if word in DROPPED_BUILD_FLAGS:
            continue
        if word in PACKAGE_FLAGS:
            packages.append(next(words, ""))
        elif word.startswith(("--package=", "-p=")):
            packages.append(word.split("=", 1)[1])
        else:
            arguments.append(word)
    return arguments, [name for name in packages if name]


def migrate(app_dir: Path) -> Migration | None:
    path = app_dir / FILE_NAME
    if not path.is_file():
        return None
    values = read_assignments(path)
    settings: dict[str, str] = {}
    messages: list[str] = []

    def maps(key: str, setting: str, value: str) -> None:
        settings[setting] = value
        messages.append(f"{key}={values[key]} -> {setting}={value}")

    if values.get("VERSION"):
        maps("VERSION", "BP_RUST_TOOLCHAIN", values["VERSION"])
    install_arguments = ["--locked"]
    project_dir = None
    build_path = values.get("BUILD_PATH", "").strip("/")
    if build_path and _inside(app_dir, build_path) and not (app_dir / "Cargo.toml").is_file():
        project_dir = build_path
        messages.append(f"BUILD_PATH={build_path} -> the Cargo project in {build_path}/")
    elif build_path:
        install_arguments.append(f"--path={build_path}")
    if "RUST_CARGO_BUILD_FLAGS" in values:
        extra, packages = _build_flags(values["RUST_CARGO_BUILD_FLAGS"])
        install_arguments += [word for word in extra if word not in install_arguments]
        if packages:
            maps("RUST_CARGO_BUILD_FLAGS", "BP_CARGO_WORKSPACE_MEMBERS", ",".join(packages))
    if len(install_arguments) > 1:
        settings["BP_CARGO_INSTALL_ARGS"] = shlex.join(install_arguments)
        sources = [key for key in ("BUILD_PATH", "RUST_CARGO_BUILD_FLAGS") if key in values]
        messages.append(
            f"{' and '.join(sources)} -> BP_CARGO_INSTALL_ARGS={settings['BP_CARGO_INSTALL_ARGS']}"
        )
    if values.get("RUST_INSTALL_DIESEL", "").lower() in TRUE_VALUES:
        # The old buildpack shipped diesel with the app, for the release phase.
        maps("RUST_INSTALL_DIESEL", "BP_CARGO_RUNTIME_TOOLS", "diesel_cli")
        if values.get("DIESEL_FLAGS"):
            maps("DIESEL_FLAGS", "BP_CARGO_INSTALL_TOOLS_ARGS", values["DIESEL_FLAGS"])
    skip_build = values.get("RUST_SKIP_BUILD", "").lower() in TRUE_VALUES
    if skip_build:
        messages.append(
            "RUST_SKIP_BUILD=1 -> the app is not compiled (Rust and the tools are installed)"
        )
    known = {
        "VERSION",
        "BUILD_PATH",
        "RUST_CARGO_BUILD_FLAGS",
        "RUST_INSTALL_DIESEL",
        "DIESEL_FLAGS",
        "RUST_SKIP_BUILD",
    }
    ignored = tuple(sorted(key for key in values if key not in known))
    return Migration(settings, skip_build, tuple(messages), ignored, project_dir)


def _inside(app_dir: Path, relative: str) -> bool:
    """A BUILD_PATH naming a folder of the app that holds a Cargo.toml."""
    path = Path(relative)
    if path.is_absolute() or ".." in path.parts:
        return False
    return (app_dir / path / "Cargo.toml").is_file()
