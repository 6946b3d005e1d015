"""The cache's size for its budget (BP_CACHE_MAX_SIZE), without re-reading what cannot change.

Why: every build measures the whole cache to enforce the budget, and a walk
costs a few microseconds per file. Most of the cache's files are the crates
cargo unpacked (about 60 files a crate): tens of thousands for an app with
hundreds of dependencies, so the walk alone grew to tenths of a second per
build with the app's dependency count, nothing changed.

Some folders never change once cargo has written them: a crate unpacked
from a registry (``cargo/registry/src/<registry>/<crate>-<version>``) and a
git dependency checked out at one revision (``cargo/git/checkouts/<repo>/<rev>``).
cargo unpacks into a new folder and, when it unpacks again, removes the old
one first, so such a folder with the inode and mtime of the last walk holds
what it held then. Their sizes are kept in ``folder-sizes.json`` (a small
record next to the keys) and reused; any other folder, and every folder
whose inode or mtime differs, is walked. Everything else (the toolchain,
the index, the target dir, the records) is walked on every build.

What this gives up: a file added or grown deep inside an unpacked crate by
something other than cargo (a build script writing into its own sources,
which cargo's rules forbid) is counted from the next unpacking on. The size
only decides the budget and the number in the log.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .. import cache

RECORD_NAME = "folder-sizes.json"
# Relative to the cache root; "*" is any one name.
UNCHANGING_FOLDERS = (
    ("cargo", "registry", "src", "*", "*"),
    ("cargo", "git", "checkouts", "*", "*"),
)


def tree_size(path: Path) -> int:
    """Bytes of the files below ``path``, links not followed, a file with several
    hard links counted once (rustup's proxies, rustup-init). Runs on every build
    over a whole toolchain, so it uses scandir's entries rather than pathlib."""
    return _walk(path, None)


def _unchanging(parts: tuple[str, ...]) -> bool:
    return any(
        len(pattern) == len(parts)
        and all(want in ("*", name) for want, name in zip(pattern, parts, strict=True))
        for pattern in UNCHANGING_FOLDERS
    )


def _recorded(known: object, signature: list[int]) -> bool:
    """A record entry for this very folder: its inode and mtime, then a size
    (a damaged record is walked past, never trusted or crashed on)."""
    return (
        isinstance(known, list)
        and len(known) == 3
        and known[:2] == signature
        and type(known[2]) is int
        and known[2] >= 0
    )


class _Sizes:
    """Sizes of unchanging folders: the last walk's record in, this walk's out."""

    def __init__(self, record: Path) -> None:
        self.record = record
        stored = cache.read_key(record)
        self.known = stored if isinstance(stored, dict) else {}
        self.seen: dict[str, list[int]] = {}

    def size(self, relative: str, folder: os.DirEntry) -> int:
        status = folder.stat(follow_symlinks=False)
        signature = [status.st_ino, status.st_mtime_ns]
        known = self.known.get(relative)
        size = known[2] if _recorded(known, signature) else _walk(Path(folder.path), None)
        self.seen[relative] = [*signature, size]
        return size

    def save(self) -> None:
        if self.seen != self.known:
            cache.write_key(self.record, self.seen)


def _walk(path: Path, sizes: _Sizes | None) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    total = 0
    seen: set[tuple[int, int]] = set()
    pending: list[tuple[str, tuple[str, ...]]] = [(str(path), ())]
    while pending:
        folder, parts = pending.pop()
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    inner = (*parts, entry.name)
                    if sizes is not None and _unchanging(inner):
                        total += sizes.size("/".join(inner), entry)
                    else:
                        pending.append((entry.path, inner))
                    continue
                status = entry.stat(follow_symlinks=False)
                if status.st_nlink > 1:
                    if (status.st_dev, status.st_ino) in seen:
                        continue
                    seen.add((status.st_dev, status.st_ino))
                total += status.st_size
    return total


def cache_size(layout: cache.CacheLayout) -> int:
    """The size of the buildpack's cache folder, unchanging folders from the record."""
    sizes = _Sizes(layout.root / RECORD_NAME)
    total = _walk(layout.root, sizes)
    with contextlib.suppress(OSError):  # a read-only cache still builds
        sizes.save()
    return total
