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
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import cache, errors, output
from .cache import CacheLayout
from .install_args import refuse_owned_flags, split_arguments

TOOLS_VARIABLE = "BP_CARGO_INSTALL_TOOLS"
TOOLS_ARGS_VARIABLE = "BP_CARGO_INSTALL_TOOLS_ARGS"
RUNTIME_TOOLS_VARIABLE = "BP_CARGO_RUNTIME_TOOLS"
INSTALL_RECORD = ".crates2.json"
TOOL_SPEC = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)(?:@(?P<version>[0-9A-Za-z.+^~=<>*-]+))?\Z"
)
KEY_LABELS = {"tools": "tool list", "arguments": "tool arguments", "rustc": "Rust compiler"}


@dataclass(frozen=True)
class ToolsPlan:
    specs: tuple[str, ...]
    arguments: tuple[str, ...]
    # Crate names of the tools whose binaries also go into the slug.
    shipped: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(spec.split("@", 1)[0] for spec in self.specs)


def _specs(variable: str, value: str | None) -> tuple[str, ...]:
    specs = tuple((value or "").split())
    for spec in specs:
        if not TOOL_SPEC.match(spec):
            raise errors.invalid_tool_spec(spec, variable)
    return specs


def plan_tools(
    tools_value: str | None, args_value: str | None, runtime_value: str | None = None
) -> ToolsPlan:
    runtime = _specs(RUNTIME_TOOLS_VARIABLE, runtime_value)
    specs = tuple(dict.fromkeys(_specs(TOOLS_VARIABLE, tools_value) + runtime))
    arguments = split_arguments(TOOLS_ARGS_VARIABLE, args_value) if args_value else []
    refuse_owned_flags(TOOLS_ARGS_VARIABLE, arguments)
    shipped = tuple(dict.fromkeys(spec.split("@", 1)[0] for spec in runtime))
    return ToolsPlan(specs, tuple(arguments), shipped)


def tools_bin(layout: CacheLayout) -> Path:
    return layout.tools_root / "bin"


def install_tools(
    layout: CacheLayout,
    plan: ToolsPlan,
    cargo: Path,
    environment: Mapping[str, str],
    rustc_version: str,
) -> None:
    key_path = layout.key_path("tools")
    wanted = {"tools": list(plan.specs), "arguments": list(plan.arguments), "rustc": rustc_version}
    stored = cache.read_key(key_path)
    reasons = cache.reasons_to_discard(stored, wanted, KEY_LABELS)
    if stored is not None and not reasons and tools_bin(layout).is_dir():
        output.detail(f"Reusing the cached tools: {', '.join(plan.specs)}")
        return
    if reasons:
        output.detail("Reinstalling the tools: " + "; ".join(reasons))
    cache.forget_key(key_path)
    cache.remove_tree(layout.tools_root)
    for spec in plan.specs:
        command = [str(cargo), "install", spec, "--root", str(layout.tools_root), *plan.arguments]
        output.detail(f"Running: cargo install {spec} {' '.join(plan.arguments)}".rstrip())
        returncode = output.stream_command(command, env=environment)
        if returncode != 0:
            raise errors.tool_install_failed(spec, returncode)
    (layout.tools_root / ".crates.toml").unlink(missing_ok=True)
    cache.write_key(key_path, wanted)


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
