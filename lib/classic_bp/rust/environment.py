"""Environment variables that point rustup and cargo into the cache.

RUSTUP_HOME, CARGO_HOME and the proxies all live in CACHE_DIR, never in the
slug. The platform's PATH is kept after ours, so the stack's tools (cc, git)
stay reachable while a Rust installed elsewhere on the builder is never used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..cache import CacheLayout
from ..fetch.retry import tool_variables
from ..records import field, record
from .proxy_launch import rustup_proxy_environment

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:  # a type only: the runtime files need these names, not the config
    from ..config.build_config import BuildConfig

# Files `cargo install` writes into its --root to track installs: useless in a
# slug (the app's bin/). The tools' cache keeps the second, INSTALL_RECORD,
# which names each tool's binaries.
INSTALL_TRACKING_FILES = (".crates.toml", ".crates2.json")
INSTALL_RECORD = ".crates2.json"
# What hands the cached Rust over: to later buildpacks (the export file) and
# to bin/test (test-compile's record).
HANDED_OVER = ("PATH", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUSTC")


def rustup_binary(layout: CacheLayout) -> Path:
    return layout.proxies_bin / "rustup"


def rustup_environment(
    base: Mapping[str, str], layout: CacheLayout, config: BuildConfig
) -> dict[str, str]:
    """For rustup-init and rustup: proxies are installed into their own CARGO_HOME."""
    environment = tool_variables(dict(base))
    environment.update(
        RUSTUP_HOME=str(layout.rustup_home),
        CARGO_HOME=str(layout.rustup_bin_home),
        RUSTUP_DIST_SERVER=config.dist_server,
        RUSTUP_UPDATE_ROOT=config.update_root,
        # rustup-init otherwise warns about (or refuses) a Rust found on PATH.
        RUSTUP_INIT_SKIP_PATH_CHECK="yes",
        # Builders run as any user with any HOME (Dokku: unprivileged, HOME=/app).
        RUSTUP_INIT_SKIP_SUDO_CHECK="yes",
        PATH=os.pathsep.join([str(layout.proxies_bin), base.get("PATH", os.defpath)]),
    )
    environment.pop("RUSTUP_TOOLCHAIN", None)
    return environment


@record
class RustInstall:
    """An installed Rust, however it got there (rustup or the standalone installer)."""

    rustc_version: str
    bin_dir: Path
    variables: Mapping[str, str] = field(default_factory=dict)
    # The platform its rustc runs on and compiles for by default (a target triple).
    host: str | None = None
    # rustup's folder of this toolchain, when rustup installed it: the build runs
    # its cargo from there, as rustup's proxy would (proxy_launch.py).
    toolchain_dir: Path | None = None

    @property
    def version(self) -> str:
        """``1.95.0`` out of ``rustc 1.95.0 (59807616e 2026-04-14)``."""
        parts = self.rustc_version.split()
        return parts[1] if len(parts) > 1 else self.rustc_version

    @property
    def cargo(self) -> Path:
        """The cargo the build runs, with ``cargo_env`` of its environment."""
        if self.toolchain_dir is not None:
            return self.toolchain_dir / "bin" / "cargo"
        return self.bin_dir / "cargo"

    def cargo_env(self, environment: Mapping[str, str]) -> dict[str, str]:
        """``environment`` as ``cargo`` gets it when started through PATH."""
        if self.toolchain_dir is None:
            return dict(environment)
        return rustup_proxy_environment(environment, self.toolchain_dir)


def cargo_environment(
    base: Mapping[str, str], layout: CacheLayout, rust: RustInstall, install_root: Path
) -> dict[str, str]:
    """For cargo and build scripts: the app's env plus the cached Rust, pinned."""
    environment = tool_variables(dict(base))
    for name in ("RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUSTC", "CARGO"):
        environment.pop(name, None)
    environment.update(rust.variables)
    environment.update(
        CARGO_HOME=str(layout.cargo_home),
        CARGO_TERM_COLOR="never",
        CARGO_TERM_PROGRESS_WHEN="never",
        PATH=os.pathsep.join(
            [
                str(rust.bin_dir),
                str(layout.tools_root / "bin"),
                # The app's bin/, as when the app was built with `cargo install --root`.
                str(install_root / "bin"),
                base.get("PATH", os.defpath),
            ]
        ),
    )
    return environment
