"""Apps built by the old Heroku Rust buildpack (emk) run unchanged.

What such apps rely on (emk/heroku-buildpack-rust, as PLATFORM.md records it):
- every binary copied into ``<BUILD_PATH>/target/release/``, so their
  Procfiles say ``web: ./target/release/<name>``, and with
  ``RUST_INSTALL_DIESEL=1`` also ``release: ./target/release/diesel migration run``;
- the whole source tree left in the slug, so apps read ``Rocket.toml``,
  ``diesel.toml``, ``migrations/``, templates and config files from the app
  directory at run time.

Telling users to edit their Procfile would be a migration tax the old
buildpack never charged. So when an app looks like one of those (it has a
``RustConfig``, or its Procfile runs something under ``target/``), the slug
keeps that shape: ``target/release/<binary>`` (and ``target/debug/``, at the
app's root and in each installed package's folder, which is where
``BUILD_PATH`` pointed) links to ``bin/<binary>`` for every binary and
shipped tool, and the app's files stay in the slug unless BP_INCLUDE_FILES
says what to keep. The build log says so, and how to leave that mode.

This module decides, up front, whether the app gets that layout; the links
themselves are made by slug/emk_links.py once the binaries are installed.
"""

from __future__ import annotations

from pathlib import Path

from . import procfile

# What the slug keeps in this mode when BP_INCLUDE_FILES is unset: everything.
KEEP_EVERYTHING = "**"


def reason(build_dir: Path, has_rustconfig: bool) -> str | None:
    """Why the app gets emk's slug layout, or None when it does not."""
    if has_rustconfig:
        return "it has a RustConfig"
    for name, command in procfile.read_process_types(build_dir).items():
        if procfile.TARGET_BINARY.search(command):
            return f"its Procfile's {name} process runs a binary under target/"
    return None
