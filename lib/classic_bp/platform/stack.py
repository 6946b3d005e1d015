"""The build's first line, and the stacks this buildpack is tested on.

An unknown or unset STACK is not fatal: the build goes on and says so, since
a platform that runs this buildpack on another Ubuntu usually works.
"""

from __future__ import annotations

import os

from .. import __version__, errors
from . import output

# What the kernel (uname -m) may answer for the two CPUs the stacks run on.
CPU_ARCH_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}
KNOWN_STACKS = ("scalingo-22", "scalingo-24", "scalingo-26", "heroku-22", "heroku-24")


def announce(stack: str | None) -> None:
    output.step(f"Rust buildpack {__version__} on {stack or 'an unnamed stack'}")
    if stack is None:
        output.warning(errors.stack_unset(KNOWN_STACKS))
    elif stack not in KNOWN_STACKS:
        output.warning(errors.stack_untested(stack, KNOWN_STACKS))


def cpu_arch() -> str:
    """The builder's CPU as Rust's target triples name it (x86_64, aarch64).
    From os.uname(), as platform.machine() gets it: that module costs an import
    on every build."""
    machine = os.uname().machine.lower()
    return CPU_ARCH_ALIASES.get(machine, machine)
