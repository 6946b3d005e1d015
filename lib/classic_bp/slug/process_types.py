"""Which binary serves the web, and the process types the platform starts.

The web process is the binary named ``web``; else the root package's
``default-run``; else its binary named after the package; else the only
binary. Every other binary gets a process type named after it. A Rocket app
is told the platform's port and to listen on every interface, as Rocket
reads its own ROCKET_* variables instead of $PORT.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # release runs with the standard library only: no TOML reader needed
    from ..cargo.project import CargoProject

APP_BIN_DIR = "/app/bin"
METADATA_PATH = Path(".rust-buildpack") / "release.json"
INVALID_PROCESS_CHARS = re.compile(r"[^A-Za-z0-9_-]")
ROCKET_ENVIRONMENT = {"ROCKET_PORT": "$PORT", "ROCKET_ADDRESS": "0.0.0.0"}


def choose_web(project: CargoProject, installed: Sequence[str]) -> str | None:
    if "web" in installed:
        return "web"
    root_package = next((p for p in project.packages if p.directory == project.root), None)
    if root_package is not None:
        for candidate in (root_package.default_run, root_package.name):
            if candidate in installed:
                return candidate
    return installed[0] if len(installed) == 1 else None


def web_environment(project: CargoProject, web: str | None) -> dict[str, str]:
    package = project.package_of(web) if web else None
    if package is not None and "rocket" in package.dependencies:
        return dict(ROCKET_ENVIRONMENT)
    return {}


def process_types(
    web: str | None, installed: Sequence[str], web_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    types: dict[str, str] = {}
    if web is not None:
        prefix = "".join(f"{name}={value} " for name, value in (web_env or {}).items())
        types["web"] = f"{prefix}{APP_BIN_DIR}/{web}"
    for name in installed:
        if name != web:
            types[INVALID_PROCESS_CHARS.sub("-", name)] = f"{APP_BIN_DIR}/{name}"
    return types


def write_metadata(
    build_dir: Path, web: str | None, installed: Sequence[str], web_env: Mapping[str, str]
) -> None:
    """Kept in the slug so bin/release needs neither the sources nor cargo."""
    path = build_dir / METADATA_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"web": web, "binaries": list(installed), "web_env": dict(web_env)}
    path.write_text(json.dumps(document, indent=2) + "\n")


def read_metadata(build_dir: Path) -> dict[str, str]:
    """Process types for a compiled app; from bin/ when the metadata is missing."""
    try:
        data = json.loads((build_dir / METADATA_PATH).read_text(encoding="utf-8"))
        return process_types(data.get("web"), data.get("binaries", []), data.get("web_env"))
    except (OSError, ValueError, AttributeError):
        bin_dir = build_dir / "bin"
        installed = sorted(p.name for p in bin_dir.iterdir()) if bin_dir.is_dir() else []
        web = "web" if "web" in installed else (installed[0] if len(installed) == 1 else None)
        return process_types(web, installed)
