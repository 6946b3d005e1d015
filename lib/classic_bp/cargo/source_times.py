"""Step: give unchanged source files back the mtimes of the previous build.

Every platform build starts from a fresh checkout, so every file has a new
mtime and cargo would recompile every local crate even when nothing
changed. The content of each file is compared with the record of the last
successful build, and unchanged files get their old mtime back. That is only
safe where it is exact with respect to how cargo decides to rebuild a local
(path) package (cargo 1.95, its ``fingerprint`` module):

1. A crate's compilation: rustc's dep-info lists every file the compiler
   read (modules, ``include_str!``, ``include_bytes!``). The unit is stale
   when one of them is missing or newer than the last build. Per file.
2. A build script run that printed ``rerun-if-changed``: the listed paths,
   same rule. Per file.
3. A build script run that printed no ``rerun-if-changed``: cargo
   fingerprints the whole package as the newest mtime among its files (and
   that file's path). Deleting a file that is not the newest changes
   nothing, so a build script that embeds the list of ``migrations/`` would
   never rerun after a deletion. Per package.
4. A file a build script writes into the source tree (``src/generated.rs``,
   git-ignored, so absent from a fresh checkout): with every input of the
   build script unchanged, cargo would not rerun it, and the compile fails
   on the missing module. Per package.
5. A proc macro that reads files (``sqlx::migrate!``, ``include_dir!``) is
   not tracked by cargo at all: plain cargo on a fresh checkout rebuilds it
   only because every mtime is new. Per package.

The rule, then: a package (a folder whose ``Cargo.toml`` has ``[package]``)
is restored only when its set of files and every file's content are exactly
those of the record; otherwise none of its files is, every one keeps its
fresh mtime, and cargo rebuilds the package whole: its build script reruns
and its generated files are made again. Files outside every package (a
virtual workspace's root, ``assets/`` read through ``../``) reach cargo only
through rules 1 and 2, so they are restored one by one. A package's files
are all the files below its folder but nested packages, a superset of
cargo's own listing: when in doubt, rebuild.

The record is taken after a successful compile, so it holds what the build
scripts generated, and leaves out the binaries the buildpack installed into
``bin/``. Each file is hashed at most once per build: after the compile, a
file whose size and mtime did not move keeps the hash taken before it.

Absolute paths recorded by cargo are another matter: see fixed_path.py.

Cache invalidation: the record is consumed when a build starts and written
again only after a successful compile. A build that fails midway may have
compiled other contents into the target dir; with no record, the next build
restores nothing and cargo rebuilds the local crates, which is correct, just
slower. A missing or damaged record means the same.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .. import errors, toml_compat
from ..cache import CacheLayout
from ..fetch.download import file_sha256
from ..layer import Layer

# Its key is the record itself, so only its presence is checked.
LAYER = Layer(name="source-times", what="source times", reused_text=None, discard_text=None)
SKIPPED_DIRS = frozenset({".git", "target", ".hg", ".svn"})


@dataclass(frozen=True)
class Seen:
    """A file as found in the checkout: size and mtime, and its hash once known."""

    size: int
    mtime_ns: int
    sha256: str | None = None


@dataclass
class Checkout:
    """What the restore found and did, kept for the record after the compile."""

    files: dict[str, Seen] = field(default_factory=dict)
    unchanged: int = 0
    changed: int = 0
    # Package folder -> why its unchanged files keep their new mtimes.
    rebuilt_packages: dict[str, str] = field(default_factory=dict)
    held_back: int = 0


def _walk(build_dir: Path) -> tuple[dict[str, os.stat_result], set[str]]:
    """Regular files (links never followed) by relative path, and the folders
    holding a Cargo.toml, in one scandir pass."""
    files: dict[str, os.stat_result] = {}
    manifests: set[str] = set()
    pending = [""]
    while pending:
        relative = pending.pop()
        with os.scandir(build_dir / relative) as entries:
            for entry in entries:
                path = f"{relative}/{entry.name}" if relative else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        pending.append(path)
                    continue
                status = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(status.st_mode):
                    files[path] = status
                    if entry.name == "Cargo.toml":
                        manifests.add(relative)
    return files, manifests


def _is_package(manifest: Path) -> bool:
    """A manifest with [package]; an unreadable one counts as a package."""
    try:
        return "package" in toml_compat.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return True


def _owner(path: str, packages: set[str]) -> str | None:
    """The innermost package folder holding ``path``; None outside every package."""
    for parent in PurePosixPath(path).parents:
        folder = "" if str(parent) == "." else str(parent)
        if folder in packages:
            return folder
    return None


def _group(paths: Iterable[str], packages: set[str]) -> dict[str | None, set[str]]:
    groups: dict[str | None, set[str]] = {}
    for path in paths:
        groups.setdefault(_owner(path, packages), set()).add(path)
    return groups


def _read_record(layout: CacheLayout) -> dict[str, list]:
    stored = LAYER.read(layout)
    LAYER.explain(LAYER.check(layout, stored if isinstance(stored, dict) else {}, present=True))
    files = stored.get("files") if isinstance(stored, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        path: entry
        for path, entry in files.items()
        if isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[1], int)
    }


def _package_difference(current: set[str], recorded: set[str], same: dict[str, bool]) -> str | None:
    """Why a package cannot be restored, or None when it is exactly as recorded."""
    for path in sorted(recorded - current):
        return f"{path} is gone"
    for path in sorted(current - recorded):
        return f"{path} is new"
    for path in sorted(current):
        if not same[path]:
            return f"{path} changed"
    return None


def restore(layout: CacheLayout, build_dir: Path) -> Checkout:
    record = _read_record(layout)
    LAYER.discard(layout)
    found, manifests = _walk(build_dir)
    packages = {folder for folder in manifests if _is_package(build_dir / folder / "Cargo.toml")}
    checkout = Checkout()
    same: dict[str, bool] = {}
    for path, status in found.items():
        previous = record.get(path)
        digest = None
        # A file of another size cannot hold the same content: no need to hash it.
        if previous and (len(previous) < 3 or previous[2] == status.st_size):
            digest = file_sha256(build_dir / path)
        same[path] = bool(previous) and digest == previous[0]
        checkout.files[path] = Seen(status.st_size, status.st_mtime_ns, digest)
        checkout.unchanged += same[path]
        checkout.changed += not same[path]

    restorable = {path for path in found if same[path]}
    recorded_groups = _group(record, packages)
    for package, current in _group(found, packages).items():
        if package is None:
            continue
        reason = _package_difference(current, recorded_groups.get(package, set()), same)
        if reason is not None:
            checkout.rebuilt_packages[package or "."] = reason
            held = current & restorable
            checkout.held_back += len(held)
            restorable -= held

    for path in restorable:
        mtime = record[path][1]
        try:
            os.utime(build_dir / path, ns=(mtime, mtime), follow_symlinks=False)
        except OSError as problem:  # a read-only checkout: the platform's to fix
            raise errors.unwritable_build_dir(
                build_dir / path, problem.strerror or str(problem)
            ) from None
        checkout.files[path] = Seen(found[path].st_size, mtime, checkout.files[path].sha256)
    return checkout


def remember(
    layout: CacheLayout, build_dir: Path, checkout: Checkout, installed: Iterable[str] = ()
) -> None:
    """After a successful compile: these contents went into the cached artifacts.

    ``installed`` names the binaries the buildpack put into ``bin/``: outputs,
    not sources, and absent from the next checkout.
    """
    found, _manifests = _walk(build_dir)
    outputs = {f"bin/{name}" for name in installed}
    files = {}
    for path, status in found.items():
        if path in outputs:
            continue
        seen = checkout.files.get(path)
        unmoved = seen and (seen.size, seen.mtime_ns) == (status.st_size, status.st_mtime_ns)
        digest = seen.sha256 if unmoved and seen.sha256 else file_sha256(build_dir / path)
        files[path] = [digest, status.st_mtime_ns, status.st_size]
    LAYER.save(layout, {"files": files})
