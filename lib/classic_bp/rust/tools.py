"""Step: cargo-installed build tools (BP_CARGO_INSTALL_TOOLS), kept in the cache.

Tools such as diesel_cli or cargo-nextest are installed before the app is
compiled, are on PATH during the build (and bin/test), and never reach the
slug: they live in CACHE_DIR.

Cache invalidation: keyed on the tool list (names and versions), the extra
arguments and the exact rustc. A change reinstalls all of them; otherwise
they are reused without touching the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..cache import CacheLayout
from ..config.tools import ToolsPlan
from ..layer import Layer
from ..platform import output
from .environment import INSTALL_TRACKING_FILES, RustInstall

LAYER = Layer(
    name="tools",
    what="tools",
    labels={"tools": "tool list", "arguments": "tool arguments", "rustc": "Rust compiler"},
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
) -> None:
    wanted = {"tools": list(plan.specs), "arguments": list(plan.arguments), "rustc": rustc_version}
    reused = f"Reusing the cached tools: {', '.join(plan.specs)}"
    if LAYER.open(layout, wanted, tools_bin(layout).is_dir(), reused_text=reused).reusable:
        return
    for spec in plan.specs:
        command = [str(cargo), "install", spec, "--root", str(layout.tools_root), *plan.arguments]
        output.detail(f"Running: cargo install {spec} {' '.join(plan.arguments)}".rstrip())
        returncode = output.stream_command(command, env=environment)
        if returncode != 0:
            raise errors.tool_install_failed(spec, returncode)
    for name in INSTALL_TRACKING_FILES:
        (layout.tools_root / name).unlink(missing_ok=True)
    LAYER.save(layout, wanted)


def tools_step(
    layout: CacheLayout, plan: ToolsPlan, rust: RustInstall, environment: Mapping[str, str]
) -> None:
    if plan.specs:
        with output.timed_step(f"Installing tools ({', '.join(plan.specs)})"):
            install_tools(layout, plan, rust.cargo, environment, rust.rustc_version)
