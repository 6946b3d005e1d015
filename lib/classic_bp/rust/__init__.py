"""The Rust toolchain in the cache: rustup and a toolchain, or standalone Rust.

Plus the cargo-installed build tools (BP_CARGO_INSTALL_TOOLS). The rest of
the build only sees a RustInstall (environment.py): a bin dir and the
variables that pin it.
"""
