"""BP_CARGO_INSTALL_TOOLS, BP_CARGO_RUNTIME_TOOLS and their arguments, as a ToolsPlan.

Here, not in cargo/tools.py which installs them, so that a malformed tool
spec fails the build while the configuration is read, before any download.
"""

from __future__ import annotations

from .. import errors, lazy_re
from ..records import record
from .install_args import LOCKING_FLAGS, refuse_owned_flags, split_arguments

TOOLS_VARIABLE = "BP_CARGO_INSTALL_TOOLS"
TOOLS_ARGS_VARIABLE = "BP_CARGO_INSTALL_TOOLS_ARGS"
RUNTIME_TOOLS_VARIABLE = "BP_CARGO_RUNTIME_TOOLS"
TOOL_SPEC = lazy_re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)(?:@(?P<version>[0-9A-Za-z.+^~=<>*-]+))?\Z"
)


@record
class ToolsPlan:
    specs: tuple[str, ...]
    arguments: tuple[str, ...]
    # Crate names of the tools whose binaries also go into the slug.
    shipped: tuple[str, ...] = ()

    @property
    def install_arguments(self) -> tuple[str, ...]:
        """The arguments of every tool's `cargo install`: with --locked, so a tool is
        built with the versions its authors published in its Cargo.lock, not with
        whatever was released since (which routinely breaks older tools)."""
        if any(flag in self.arguments for flag in LOCKING_FLAGS):
            return self.arguments
        return ("--locked", *self.arguments)

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
