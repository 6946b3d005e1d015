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

The target dir is the other large folder (a few hundred files for a small
app, thousands for a large one), and it changes only when cargo compiles or
the buildpack prunes. So the record also keeps its size beside a number for
the units the build used (their hashes, ``units_token``), and a build in
which cargo compiled nothing and nothing was pruned (``target_kept``) reuses
that size when it used the same units in the same folder (its inode and
mtime: a target dir discarded and made again is walked): those units' files
are the ones the record counted. Any other build walks it.

What this gives up: a file added or grown deep inside an unpacked crate by
something other than cargo (a build script writing into its own sources,
which cargo's rules forbid), or a unit's file rewritten with another size by
a build that failed in between, is counted from the next unpacking or
compilation on. The size only decides the budget and the number in the log.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from .. import cache
from ..digests import sha256
from ..records import record

RECORD_NAME = "folder-sizes.json"
# Relative to the cache root; "*" is any one name.
UNCHANGING_FOLDERS = (
    ("cargo", "registry", "src", "*", "*"),
    ("cargo", "git", "checkouts", "*", "*"),
)


TARGET = "target"


@record
class TargetUnits:
    """The units a build used (``units_token``), and whether the target dir is as
    the last successful build with them left it (nothing compiled or pruned)."""

    token: int
    kept: bool


def units_token(names: Iterable[str]) -> int:
    """A number standing for a set of cargo units (their hashes, binary names)."""
    digest = sha256("\n".join(sorted(names)).encode()).hexdigest()
    return int(digest[:15], 16)


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
    """A record entry for this very folder: its inode and mtime (and the target
    dir's units), then a size (a damaged record is walked past, never trusted or
    crashed on)."""
    return (
        isinstance(known, list)
        and len(known) == len(signature) + 1
        and known[:-1] == signature
        and type(known[-1]) is int
        and known[-1] >= 0
    )


class _Sizes:
    """Sizes of unchanging folders: the last walk's record in, this walk's out."""

    def __init__(self, record: Path, target: TargetUnits | None) -> None:
        self.record = record
        self.target = target
        stored = cache.read_key(record)
        self.known = stored if isinstance(stored, dict) else {}
        self.seen: dict[str, list[int]] = {}

    def recorded(self, parts: tuple[str, ...]) -> bool:
        """Whether the folder's size goes through the record."""
        return _unchanging(parts) or (self.target is not None and parts == (TARGET,))

    def size(self, relative: str, folder: os.DirEntry) -> int:
        status = folder.stat(follow_symlinks=False)
        signature = [status.st_ino, status.st_mtime_ns]
        reusable = True
        if relative == TARGET and self.target is not None:
            signature.append(self.target.token)
            reusable = self.target.kept
        known = self.known.get(relative)
        if reusable and _recorded(known, signature):
            size = known[-1]
        else:
            size = _walk(Path(folder.path), None)
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
                    if sizes is not None and sizes.recorded(inner):
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


def cache_size(layout: cache.CacheLayout, target: TargetUnits | None = None) -> int:
    """The size of the buildpack's cache folder, unchanging folders from the record;
    ``target``: the units of the build that just ran (see the module's docstring)."""
    sizes = _Sizes(layout.root / RECORD_NAME, target)
    total = _walk(layout.root, sizes)
    with contextlib.suppress(OSError):  # a read-only cache still builds
        sizes.save()
    return total
