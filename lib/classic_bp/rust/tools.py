"""Step: cargo-installed build tools (BP_CARGO_INSTALL_TOOLS), kept in the cache.

Tools such as diesel_cli or cargo-nextest are installed before the app is
compiled, are on PATH during the build (and bin/test), and never reach the
slug: they live in CACHE_DIR.

Cache invalidation: keyed on the tool list (names and versions), the extra
arguments and the exact rustc. A change reinstalls all of them; otherwise
they are reused without touching the registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import cache, errors
from ..cache import CacheLayout
from ..config.install_args import refuse_owned_flags, split_arguments
from ..platform import output

TOOLS_VARIABLE = "BP_CARGO_INSTALL_TOOLS"
TOOLS_ARGS_VARIABLE = "BP_CARGO_INSTALL_TOOLS_ARGS"
TOOL_SPEC = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)(?:@(?P<version>[0-9A-Za-z.+^~=<>*-]+))?\Z"
)
KEY_LABELS = {"tools": "tool list", "arguments": "tool arguments", "rustc": "Rust compiler"}


@dataclass(frozen=True)
class ToolsPlan:
    specs: tuple[str, ...]
    arguments: tuple[str, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(spec.split("@", 1)[0] for spec in self.specs)


def plan_tools(tools_value: str | None, args_value: str | None) -> ToolsPlan:
    specs = tuple((tools_value or "").split())
    for spec in specs:
        if not TOOL_SPEC.match(spec):
            raise errors.invalid_tool_spec(spec)
    arguments = split_arguments(TOOLS_ARGS_VARIABLE, args_value) if args_value else []
    refuse_owned_flags(TOOLS_ARGS_VARIABLE, arguments)
    return ToolsPlan(specs, tuple(arguments))


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
    for name in (".crates.toml", ".crates2.json"):
        (layout.tools_root / name).unlink(missing_ok=True)
    cache.write_key(key_path, wanted)
