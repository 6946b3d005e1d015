"""Configuration: the app and its settings, read and validated once, up front.

Config vars, the app's rust-toolchain file, the project model (Cargo.toml,
workspaces, binaries), the Procfile, Cargo.toml's install choices and the
old buildpack's RustConfig all end up in one BuildConfig, so a typo fails
the build in its first second, and the steps only ever see typed values.

May import: layer, toml_compat, fetch, platform and the bottom modules.
"""
