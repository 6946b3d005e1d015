"""Step: give unchanged source files back the mtimes of the previous build.

Every platform build starts from a fresh checkout, so every file has a new
mtime and cargo recompiles every local crate even when nothing changed.
The content of each file is hashed and compared with the record of the
last successful build: unchanged files get their old mtime back, changed
and new files keep their fresh one, which is newer than the cached
artifacts, so cargo rebuilds exactly what changed.

Cache invalidation: the record is consumed when a build starts and written
again only after a successful compile. A build that fails midway may have
compiled other contents into the target dir; with no record, the next build
restores nothing and cargo rebuilds the local crates, which is correct, just
slower. A missing or damaged record means the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..cache import CacheLayout
from ..fetch.download import file_sha256
from ..layer import Layer

# Its key is the record itself, so only its presence is checked.
LAYER = Layer(name="source-times", what="source times", reused_text=None, discard_text=None)
SKIPPED_DIRS = frozenset({".git", "target", ".hg", ".svn"})


@dataclass(frozen=True)
class Restored:
    unchanged: int
    changed: int


def _files(build_dir: Path) -> list[Path]:
    found = []
    for folder, subfolders, names in os.walk(build_dir):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_DIRS]
        found += [Path(folder) / name for name in names]
    return [path for path in found if path.is_file() and not path.is_symlink()]


def _snapshot(build_dir: Path) -> dict[str, list]:
    return {
        path.relative_to(build_dir).as_posix(): [file_sha256(path), path.stat().st_mtime_ns]
        for path in _files(build_dir)
    }


def restore(layout: CacheLayout, build_dir: Path) -> Restored:
    stored = LAYER.read(layout)
    LAYER.explain(LAYER.check(layout, stored if isinstance(stored, dict) else {}, present=True))
    record = stored.get("files", {}) if isinstance(stored, dict) else {}
    unchanged = changed = 0
    for path in _files(build_dir):
        previous = record.get(path.relative_to(build_dir).as_posix())
        if previous and previous[0] == file_sha256(path):
            os.utime(path, ns=(previous[1], previous[1]))
            unchanged += 1
        else:
            changed += 1
    LAYER.discard(layout)
    return Restored(unchanged, changed)


def remember(layout: CacheLayout, build_dir: Path) -> None:
    """After a successful compile: these contents went into the cached artifacts."""
    LAYER.save(layout, {"files": _snapshot(build_dir)})
