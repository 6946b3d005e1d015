"""Fixture apps (scalingo-22-fixtures/apps) built through bin/compile as a platform runs it.

Rust comes from the local rustup mirror and crates from the crates.io
stand-in; the binary is run, the slug and release checked. Each file is one
feature or setting, with the refusals of its settings, which stop before
anything slow. caching/ holds the builds that come after another one.
"""
