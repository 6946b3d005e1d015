"""Checks on the app's own Procfile, which wins over the default process types.

A Procfile written for local development often runs ``cargo run`` or a
binary under ``target/``: neither exists in the slug (no toolchain, no
target dir), so the app would crash at boot. The build warns with the
command that works.
"""

from __future__ import annotations

from pathlib import Path

from .. import app_files, lazy_re
from ..records import record

PROCFILE_LINE = lazy_re.compile(r"^(?P<name>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")
CARGO_COMMAND = lazy_re.compile(r"(^|[\s;&|/])cargo(\s|$)")
TARGET_BINARY = lazy_re.compile(
    r"(?:^|[\s/])target/(?:[\w.-]+/)*(?:release|debug)/(?P<binary>[\w.-]+)"
)
CARGO_RUN_BIN = lazy_re.compile(r"--bin[=\s]+(?P<binary>[\w.-]+)")


@record
class ProcfileProblem:
    process_type: str
    command: str
    suggestion: str


def read_process_types(build_dir: Path) -> dict[str, str]:
    path = build_dir / "Procfile"
    if not path.is_file():
        return {}
    types = {}
    # As the platforms read it: a BOM or CRLF endings do not hide a line.
    for line in app_files.read_text(build_dir, path).splitlines():
        match = PROCFILE_LINE.match(line.strip())
        if match:
            types[match["name"]] = match["command"].strip()
    return types


def _suggestion(command: str, web_binary: str | None, binaries: tuple[str, ...]) -> str:
    """The command with its binary at /app/bin, its own arguments kept."""
    target = TARGET_BINARY.search(command)
    if target is not None:
        start = target.start("binary") - len("target/")
        start = command.rfind(" ", 0, start) + 1  # the whole path: ./target/..., app/target/...
        return f"{command[:start]}/app/bin/{command[target.end() :].join([target['binary'], ''])}"
    named = CARGO_RUN_BIN.search(command)
    binary = named["binary"] if named else web_binary or (binaries[0] if binaries else "<binary>")
    arguments = command.split(" -- ", 1)[1] if " -- " in command else ""
    return f"/app/bin/{binary} {arguments}".rstrip()


def problems(
    build_dir: Path,
    web_binary: str | None,
    binaries: tuple[str, ...],
    target_links: bool = False,
) -> list[ProcfileProblem]:
    """Commands that cannot run in the slug. With ``target_links`` (emk_layout.py),
    binaries under target/ are there, so only cargo commands are problems."""
    found = []
    for name, command in read_process_types(build_dir).items():
        runs_cargo = bool(CARGO_COMMAND.search(command))
        if runs_cargo or (TARGET_BINARY.search(command) and not target_links):
            web = web_binary if name == "web" else None
            suggestion = f"{name}: {_suggestion(command, web, binaries)}"
            found.append(ProcfileProblem(name, command, suggestion))
    return found
