"""Configuration: every setting parsed and validated once, before anything slow.

Config vars, the app's rust-toolchain file, Cargo.toml's install choices and
the old buildpack's RustConfig all end up in one BuildConfig, so a typo fails
the build in its first second, and the steps only ever see typed values.
"""
