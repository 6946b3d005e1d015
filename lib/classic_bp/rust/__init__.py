"""The Rust toolchain in the cache: rustup and a toolchain, or standalone Rust.

The rest of the build only sees a RustInstall (environment.py): a bin dir
and the variables that pin it.

May import: config, layer, toml_compat, fetch, platform and the bottom modules.
"""
