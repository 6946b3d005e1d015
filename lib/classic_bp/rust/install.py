"""Step: get a Rust toolchain into the cache, with rustup or without it.

With rustup (the default) the app's toolchain file and BP_RUST_TOOLCHAIN
decide; with BP_RUSTUP_ENABLED=false the standalone installer tarball of
BP_RUST_VERSION is unpacked by our own code. Either way the rest of the
build only sees a RustInstall: a bin dir and the variables that pin it.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..platform import output, report
from .environment import RustInstall
from .rustup import install_rustup, remember_rustup_check
from .toolchain import install_toolchain


def install_rust(
    layout: CacheLayout, config: BuildConfig, base_env: Mapping[str, str]
) -> RustInstall:
    if config.rustup_enabled:
        with output.timed_step("Installing rustup", "rustup"):
            install_rustup(layout, config, base_env)
        with output.timed_step(f"Installing Rust ({config.toolchain.channel})", "rust"):
            installed = install_toolchain(layout, config, base_env)
            remember_rustup_check(layout, config, base_env)
            return installed
    # Rust without rustup is the rare case: its installer (and tarfile) is imported for it only.
    from .standalone import install_standalone, resolve_version

    spec = config.rust_version or "the latest stable"
    with output.timed_step(f"Installing Rust without rustup ({spec})", "rust"):
        version = resolve_version(config.dist_server, config.rust_version)
        standalone = install_standalone(layout, config.dist_server, version, config.host)
        output.detail(f"Using {standalone.rustc_version}")
        report.record("toolchain", {"name": f"rust-{version} (standalone)", "source": spec})
        report.record("rustc", standalone.rustc_version)
        return RustInstall(
            rustc_version=standalone.rustc_version,
            bin_dir=standalone.bin_dir,
            variables={"RUSTC": str(standalone.bin_dir / "rustc")},
        )
