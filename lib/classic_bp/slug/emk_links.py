"""The old Heroku Rust buildpack's slug shape: ``target/<profile>/<binary>`` links.

Whether an app gets it is decided up front (config/emk_layout.py, which says
why). Here, once the binaries and runtime tools are in ``bin/``, each is
linked from ``target/release/`` and ``target/debug/`` at the app's root, its
Cargo root and each installed package's folder: the places emk's
``BUILD_PATH`` could have pointed, so old Procfiles run unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .. import errors
from ..config.build_config import BuildConfig
from ..platform import output

PROFILE_DIRS = ("release", "debug")


def link_old_layout(
    build_dir: Path, config: BuildConfig, names: tuple[str, ...]
) -> tuple[str, ...]:
    """The links of emk's layout when the app expects it (none otherwise), relative
    to the app; the log says why the app has it."""
    if config.emk_layout is None:
        return ()
    folders = [
        build_dir,
        config.project.root,
        *(package.directory for package in config.install.packages),
    ]
    links = tuple(link_binaries(build_dir, folders, names))
    output.detail(errors.note_emk_layout(config.emk_layout, config.include_from_user))
    return links


def link_binaries(build_dir: Path, folders: Iterable[Path], names: Iterable[str]) -> list[str]:
    """Links ``<folder>/target/<profile>/<name>`` -> ``bin/<name>``, relative, so
    they hold at /app; returns the links made, relative to the app."""
    made = []
    for folder in dict.fromkeys(folders):
        for profile in PROFILE_DIRS:
            target_dir = folder / "target" / profile
            if target_dir.is_symlink() or (target_dir.exists() and not target_dir.is_dir()):
                continue  # something of the app's own: never replaced
            target_dir.mkdir(parents=True, exist_ok=True)
            for name in names:
                link = target_dir / name
                if link.exists() or link.is_symlink():
                    continue
                link.symlink_to(os.path.relpath(build_dir / "bin" / name, target_dir))
                made.append(link.relative_to(build_dir).as_posix())
    return made
