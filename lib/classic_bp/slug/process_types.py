"""Which binary serves the web, and the process types the platform starts.

The web process is the binary named ``web``; else the root package's
``default-run``; else the only binary; else the one binary whose package
depends on an HTTP server crate, directly or through a library of the
workspace (as other Rust deploy tools pick it); else the root package's
binary named after the package. Every other binary gets a process type
named after it. A Rocket app
is told the platform's port and to listen on every interface, as Rocket
reads its own ROCKET_* variables instead of $PORT.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import lazy_re
from ..records import record

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:  # release runs with the standard library only: no TOML reader needed
    from ..config.project import CargoProject

APP_BIN_DIR = "/app/bin"
METADATA_PATH = Path(".rust-buildpack") / "release.json"
INVALID_PROCESS_CHARS = lazy_re.compile(r"[^A-Za-z0-9_-]")
ROCKET_ENVIRONMENT = {"ROCKET_PORT": "$PORT", "ROCKET_ADDRESS": "0.0.0.0"}


# Crates whose presence makes a binary a web server (axum, actix-web, ...).
HTTP_SERVER_CRATES = frozenset(
    {"axum", "actix-web", "rocket", "warp", "poem", "hyper", "salvo", "tide"}
)


@record
class WebChoice:
    """The web binary (None when there is none), why, and the candidates if unsure."""

    binary: str | None
    reason: str
    candidates: tuple[str, ...] = ()


def _serves_http(project: CargoProject) -> set[str]:
    """Packages depending on an HTTP server crate, directly or via workspace libraries."""
    by_name = {package.name: package for package in project.packages}
    serving: set[str] = set()
    changed = True
    while changed:
        changed = False
        for package in project.packages:
            if package.name in serving:
                continue
            if package.dependencies & (HTTP_SERVER_CRATES | serving):
                serving.add(package.name)
                changed = True
    return {name for name in serving if name in by_name}


def choose_web(project: CargoProject, installed: Sequence[str]) -> WebChoice:
    if "web" in installed:
        return WebChoice("web", "it is named `web`")
    root_package = next((p for p in project.packages if p.directory == project.root), None)
    if root_package is not None and root_package.default_run in installed:
        return WebChoice(root_package.default_run, "it is the root package's `default-run`")
    if len(installed) == 1:
        return WebChoice(installed[0], "it is the only binary")
    serving = _serves_http(project)
    servers = tuple(
        name
        for name in installed
        if (package := project.package_of(name)) is not None and package.name in serving
    )
    if len(servers) == 1:
        crates = sorted(project.package_of(servers[0]).dependencies & HTTP_SERVER_CRATES)
        through = ", ".join(crates) if crates else "a workspace library that serves HTTP"
        return WebChoice(servers[0], f"it is the only binary that depends on {through}")
    if root_package is not None and root_package.name in installed:
        return WebChoice(root_package.name, "it is named after the root package")
    return WebChoice(None, "no binary is the web server", servers or tuple(installed))


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
