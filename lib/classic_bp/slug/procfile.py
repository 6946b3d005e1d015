"""Checks on the app's own Procfile, which wins over the default process types.

A Procfile written for local development often runs ``cargo run`` or a
binary under ``target/``: neither exists in the slug (no toolchain, no
target dir), so the app would crash at boot. The build warns with the
command that works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PROCFILE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_-]+):\s*(?P<command>.+)$")
CARGO_COMMAND = re.compile(r"(^|[\s;&|/])cargo(\s|$)")
TARGET_BINARY = re.compile(r"(?:^|[\s/])target/(?:[\w.-]+/)*(?:release|debug)/(?P<binary>[\w.-]+)")
CARGO_RUN_BIN = re.compile(r"--bin[=\s]+(?P<binary>[\w.-]+)")


@dataclass(frozen=True)
class ProcfileProblem:
    process_type: str
    command: str
    suggestion: str


def read_process_types(build_dir: Path) -> dict[str, str]:
    path = build_dir / "Procfile"
    if not path.is_file():
        return {}
    types = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = PROCFILE_LINE.match(line.strip())
        if match:
            types[match["name"]] = match["command"].strip()
    return types


def _binary_for(command: str, web_binary: str | None, binaries: tuple[str, ...]) -> str:
    for pattern in (TARGET_BINARY, CARGO_RUN_BIN):
        match = pattern.search(command)
        if match:
            return match["binary"]
    return web_binary or (binaries[0] if binaries else "<binary>")


def problems(
    build_dir: Path, web_binary: str | None, binaries: tuple[str, ...]
) -> list[ProcfileProblem]:
    found = []
    for name, command in read_process_types(build_dir).items():
        if CARGO_COMMAND.search(command) or TARGET_BINARY.search(command):
            binary = _binary_for(command, web_binary if name == "web" else None, binaries)
            found.append(ProcfileProblem(name, command, f"{name}: /app/bin/{binary}"))
    return found
