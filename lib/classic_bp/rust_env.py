"""Environment variables that point rustup and cargo into the cache.

RUSTUP_HOME, CARGO_HOME and the proxies all live in CACHE_DIR, never in the
slug. The platform's PATH is kept after ours, so the stack's tools (cc, git)
stay reachable while a Rust installed elsewhere on the builder is never used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .cache import CacheLayout
from .config import BuildConfig


def rustup_environment(
    base: Mapping[str, str], layout: CacheLayout, config: BuildConfig
) -> dict[str, str]:
    """For rustup-init and rustup: proxies are installed into their own CARGO_HOME."""
    environment = dict(base)
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


def cargo_environment(
    base: Mapping[str, str],
    layout: CacheLayout,
    config: BuildConfig,
    toolchain_name: str,
    install_root: Path,
) -> dict[str, str]:
    """For cargo and build scripts: the app's env plus the cached Rust, pinned."""
    environment = rustup_environment(base, layout, config)
    environment.update(
        CARGO_HOME=str(layout.cargo_home),
        RUSTUP_TOOLCHAIN=toolchain_name,
        CARGO_TERM_COLOR="never",
        CARGO_TERM_PROGRESS_WHEN="never",
        PATH=os.pathsep.join(
            [
                str(layout.proxies_bin),
                str(layout.tools_root / "bin"),
                # cargo install warns when its --root/bin is not on PATH.
                str(install_root / "bin"),
                base.get("PATH", os.defpath),
            ]
        ),
    )
    return environment
