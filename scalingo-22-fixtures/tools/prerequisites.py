"""What the fixture tools need from the machine, and the one sentence that says so.

A missing prerequisite (no Rust toolchain to mirror, an unreachable Debian
archive for the crate sources, no debootstrap, not root) is not a bug: the
tools raise ``MissingPrerequisite`` with one sentence naming the fix, and
every entry point (``make run``, ``make test``, the tools' command lines,
pytest through tests/conftest.py) prints that sentence instead of a traceback.

Standard library only, Python 3.10+ syntax: ``make`` imports this before any
virtual environment exists.
"""

from __future__ import annotations

import os
from pathlib import Path

HOST = "x86_64-unknown-linux-gnu"
TOOLS_DIR = Path(__file__).resolve().parent
RUSTUP_INSTALL = (
    "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal"
)


class MissingPrerequisite(RuntimeError):
    """Something the machine lacks; ``str()`` is one sentence ending with the fix."""


def rust_toolchain() -> Path:
    """The installed stable toolchain the local rustup mirror is made from."""
    return Path.home() / ".rustup" / "toolchains" / f"stable-{HOST}"


def rustup_binary() -> Path:
    return Path.home() / ".cargo" / "bin" / "rustup"


def check_rust_toolchain(toolchain: Path | None = None, rustup: Path | None = None) -> None:
    """Raise unless rustup and its stable toolchain are installed where rustup puts them."""
    toolchain = toolchain or rust_toolchain()
    rustup = rustup or rustup_binary()
    manifest = toolchain / "lib" / "rustlib" / "multirust-channel-manifest.toml"
    if not rustup.is_file() or not manifest.is_file():
        missing = rustup if not rustup.is_file() else toolchain
        raise MissingPrerequisite(
            f"The local rustup mirror is built from the machine's Rust toolchain, and {missing}"
            f" is missing: install rustup and the stable toolchain with `{RUSTUP_INSTALL}`"
            f" (or `rustup toolchain install stable`), then run the command again."
        )


def apt_install_command(packages: list[str]) -> str:
    """The command a user runs to install Debian packages (with sudo unless root)."""
    sudo = "" if is_root() else "sudo "
    return f"{sudo}apt-get install -y --no-install-recommends {' '.join(packages)}"


def is_root() -> bool:
    return os.geteuid() == 0
