"""Step: cargo-installed tools (BP_CARGO_INSTALL_TOOLS), kept in the cache.

Tools such as diesel_cli or cargo-nextest are installed before the app is
compiled and are on PATH during the build (and bin/test). They live in
CACHE_DIR and never reach the slug, except the runtime tools
(BP_CARGO_RUNTIME_TOOLS: diesel_cli, sqlx-cli, sea-orm-cli, refinery_cli for
a release-phase migration), whose binaries are also copied into the slug's
``bin/`` next to the app's. They are built on the builder, which runs the
stack's image, so they link against the stack's libraries. Which binaries
a tool has comes from cargo's own install record (``.crates2.json``).

Cache invalidation: keyed on the tool list (names and versions), the extra
arguments and the exact rustc. A change reinstalls all of them; otherwise
they are reused without touching the registry.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..cache import CacheLayout
from ..config.tools import ToolsPlan
from ..layer import Layer
from ..platform import output, run
from ..rust.environment import INSTALL_RECORD, INSTALL_TRACKING_FILES, RustInstall
from .failures import OutputWatch
from .fixed_path import app_config_file

# Failures of a tool's install that say more than "the tool did not install".
TOOL_FAILURES_EXPLAINED = (
    errors.Reason.PRIVATE_DEPENDENCY_FAILED,
    errors.Reason.SYSTEM_LIBRARY_MISSING,  # diesel_cli without libpq, say
    errors.Reason.DISK_FULL,
)

LAYER = Layer(
    name="tools",
    what="tools",
    labels={
        "tools": "tool list",
        "arguments": "tool arguments",
        "rustc": "Rust compiler",
        "stack": "stack",
    },
    paths=lambda layout: [layout.tools_root],
    discard_text="Reinstalling the tools: {reasons}",
)


def tools_bin(layout: CacheLayout) -> Path:
    return layout.tools_root / "bin"


def install_tools(
    layout: CacheLayout,
    plan: ToolsPlan,
    cargo: Path,
    environment: Mapping[str, str],
    rustc_version: str,
    app_config: Path | None = None,
    stack: str | None = None,
) -> None:
    """``app_config``: the app's .cargo/config.toml, so that its registries,
    source replacement and [net] settings apply to the tools too."""
    arguments = list(plan.install_arguments)
    # The stack: the tools' binaries link against its libraries (caches.py says why).
    wanted = {
        "tools": list(plan.specs),
        "arguments": arguments,
        "rustc": rustc_version,
        "stack": stack or "unknown",
    }
    reused = f"Reusing the cached tools: {', '.join(plan.specs)}"
    present = tools_bin(layout).is_dir()
    verify = lambda: _missing_binaries(layout)  # noqa: E731 - read only when the key matches
    if LAYER.open(layout, wanted, present, verify=verify, reused_text=reused).reusable:
        return
    for spec in plan.specs:
        configs = ["--config", str(app_config)] if app_config else []
        command = [str(cargo), "install", *configs, spec, "--root", str(layout.tools_root)]
        output.detail(f"Running: cargo install {spec} {' '.join(arguments)}")
        watch = OutputWatch(stack=environment.get("STACK"))
        returncode = run.stream_command([*command, *arguments], env=environment, consume=watch)
        if returncode != 0:
            failure = watch.failure(f"cargo install {spec}", returncode)
            if failure.reason in TOOL_FAILURES_EXPLAINED:
                raise failure
            raise errors.tool_install_failed(spec, returncode)
    for name in INSTALL_TRACKING_FILES:
        if name != INSTALL_RECORD:  # kept: it names each tool's binaries
            (layout.tools_root / name).unlink(missing_ok=True)
    LAYER.save(layout, wanted)


def _binaries_by_crate(layout: CacheLayout) -> dict[str, list[str]]:
    """cargo's record: ``{"installs": {"diesel_cli 2.2.4 (registry+...)": {"bins": [...]}}}``."""
    try:
        installs = json.loads((layout.tools_root / INSTALL_RECORD).read_text()).get("installs")
    except (OSError, ValueError, AttributeError):
        return {}
    found: dict[str, list[str]] = {}
    for package, entry in (installs or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("bins"), list):
            found[package.split(" ", 1)[0]] = [str(name) for name in entry["bins"]]
    return found


def _missing_binaries(layout: CacheLayout) -> str | None:
    """Why cached tools cannot be reused: no install record, or a binary it names is gone."""
    by_crate = _binaries_by_crate(layout)
    if not by_crate:
        return f"cargo's install record ({INSTALL_RECORD}) is missing or unreadable"
    for names in by_crate.values():
        for name in names:
            binary = tools_bin(layout) / name
            if not binary.is_file() or binary.stat().st_size == 0:
                return f"{name} is missing or empty"
    return None


def ship_runtime_tools(layout: CacheLayout, plan: ToolsPlan, build_dir: Path) -> list[str]:
    """Copy the runtime tools' binaries into the slug's bin/; return their names."""
    by_crate = _binaries_by_crate(layout)
    shipped = []
    for crate in plan.shipped:
        binaries = by_crate.get(crate)
        if not binaries:
            raise errors.runtime_tool_missing(crate, layout.tools_root / INSTALL_RECORD)
        for name in binaries:
            destination = build_dir / "bin" / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(tools_bin(layout) / name, destination)
            shipped.append(name)
    return shipped


def tools_step(
    layout: CacheLayout,
    plan: ToolsPlan,
    rust: RustInstall,
    environment: Mapping[str, str],
    app_dir: Path,
    stack: str | None = None,
) -> None:
    if plan.specs:
        with output.timed_step(f"Installing tools ({', '.join(plan.specs)})", "tools"):
            config = app_config_file(app_dir)
            if config is not None:
                output.detail(f"With the app's {config.relative_to(app_dir)}")
            install_tools(
                layout,
                plan,
                rust.cargo,
                rust.cargo_env(environment),
                rust.rustc_version,
                config,
                stack,
            )
