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

Folders git ignores (``node_modules/``, ``frontend/dist/``: git_ignore.py) are
not walked at all, so a build's cost does not grow with them: cargo's own
package listing leaves them out too, and a crate that reads such files
through rustc (``include_bytes!``) is rebuilt anyway, since their fresh mtimes
are never restored. Only what the build itself writes into an ignored folder
(a build script generating sources there, seen by the folder's mtime moving
during the build) is recorded, and such recorded files are looked at one by
one next time, so a missing generated file still rebuilds its package.

A folder named by ``rerun-if-changed`` (sqlx documents
``cargo:rerun-if-changed=migrations``) counts by the newest mtime under it, the
folders' own included, and a fresh checkout gives every folder a new one.
So folders are restored exactly as files are: a folder gets its recorded
mtime back only when everything below it (files and folders) is exactly as
recorded and restored; one new, gone, changed or held-back file below it,
or a folder git ignores inside it (its contents are not looked at), and it
keeps its fresh mtime, and so does every folder above it.

The record is taken after a successful compile, so it holds what the build
scripts generated, and leaves out the binaries the buildpack installed into
``bin/``. Each file is hashed at most once per build: after the compile, a
file whose size and mtime did not move keeps the hash taken before it.

Only what cargo reads, once known (tracked_sources.py). After a successful
compile the target dir tells which files cargo's fingerprints look at: the
dep-info of each unit, the ``rerun-if-changed`` paths, and the packages
compared whole (those with a build script; the whole app when a proc macro
that may read files was compiled). The record keeps that scope, and the next
build walks, hashes and restores only inside it: a file no compilation reads
keeps its fresh mtime, which cargo never looks at, and costs nothing. Files
in the scope but outside the folders compared whole are restored one by
one (rule 1). A file newly read is reached only through a changed file of
the scope (a new ``mod``, a changed ``include_str!``), and the next record
covers it. Without a scope (an older record, ``bin/test-compile``, a target
dir that could not be read) the whole app is the scope, as described above.

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
from pathlib import Path, PurePosixPath

from .. import errors, toml_compat
from ..cache import CacheLayout
from ..digests import file_sha256
from ..layer import Layer
from ..records import field, mutable_record, record
from . import git_ignore
from .tracked_sources import WHOLE_APP, TrackedSources

# Its key is the record itself, so only its presence is checked.
LAYER = Layer(name="source-times", what="source times", reused_text=None, discard_text=None)
SKIPPED_DIRS = frozenset({".git", "target", ".hg", ".svn"})


@record
class Seen:
    """A file as found in the checkout: size and mtime, and its hash once known."""

    size: int
    mtime_ns: int
    sha256: str | None = None


@mutable_record
class Checkout:
    """What the restore found and did, kept for the record after the compile."""

    files: dict[str, Seen] = field(default_factory=dict)
    unchanged: int = 0
    # Folders given back their recorded mtime.
    restored_folders: int = 0
    changed: int = 0
    # Package folder -> why its unchanged files keep their new mtimes.
    rebuilt_packages: dict[str, str] = field(default_factory=dict)
    held_back: int = 0
    # Folders git ignores, and their mtimes before the build (None: absent).
    ignored_folders: dict[str, int | None] = field(default_factory=dict)
    # What the restore looked at: the last record's scope.
    scope: TrackedSources = WHOLE_APP
    # Files in the last record (0: there was none).
    recorded: int = 0

    def matches_record(self) -> bool:
        """The checkout holds exactly the last record's files, each with the same
        content: then what cargo reads of the app is what it read last time,
        unless cargo compiled something."""
        return (
            self.recorded > 0
            and self.unchanged == self.recorded
            and not self.changed
            and not self.rebuilt_packages
            and not self.held_back
        )


@mutable_record
class _Tree:
    """What one walk of the app found."""

    files: dict[str, os.stat_result] = field(default_factory=dict)
    # Folders walked (the app's root aside), with their mtimes.
    folders: dict[str, int] = field(default_factory=dict)
    manifests: set[str] = field(default_factory=set)
    # Folders git ignores: not walked (git_ignore.py says why).
    ignored_folders: list[str] = field(default_factory=list)
    # VCS and target folders: not walked either, never sources.
    skipped_folders: list[str] = field(default_factory=list)


def _read_ignore_file(folder: Path, relative: str) -> list[git_ignore.IgnoreFile]:
    try:
        text = (folder / git_ignore.FILE_NAME).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [git_ignore.IgnoreFile(relative, tuple(git_ignore.parse(text)))]


def _walk(build_dir: Path, start: str = "", honour_ignores: bool = True) -> _Tree:
    """Regular files (links never followed) by relative path, the folders
    holding a Cargo.toml and the ignored folders left out, in one scandir pass."""
    tree = _Tree()
    inherited: list[git_ignore.IgnoreFile] = []
    if start and honour_ignores:  # the rules of the folders above apply inside
        for folder in ["", *reversed(list(_ancestors(start)))]:
            inherited += _read_ignore_file(build_dir / folder, folder)
    pending: list[tuple[str, list[git_ignore.IgnoreFile]]] = [(start, inherited)]
    while pending:
        relative, ignores = pending.pop()
        folder = build_dir / relative
        with os.scandir(folder) as listing:
            entries = list(listing)
        if honour_ignores and any(entry.name == git_ignore.FILE_NAME for entry in entries):
            ignores = ignores + _read_ignore_file(folder, relative)
        for entry in entries:
            path = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIPPED_DIRS:
                    tree.skipped_folders.append(path)
                    continue
                if honour_ignores and git_ignore.is_ignored(path, True, ignores):
                    tree.ignored_folders.append(path)
                else:
                    tree.folders[path] = entry.stat(follow_symlinks=False).st_mtime_ns
                    pending.append((path, ignores))
                continue
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(status.st_mode):
                tree.files[path] = status
                if entry.name == "Cargo.toml":
                    tree.manifests.add(relative)
    return tree


def _outermost(folders: Iterable[str]) -> list[str]:
    """The folders not inside another of them."""
    kept: list[str] = []
    for folder in sorted(folders, key=lambda path: (path.count("/"), path)):
        if not any(folder == other or folder.startswith(f"{other}/") for other in kept):
            kept.append(folder)
    return kept


def _walk_scope(build_dir: Path, scope: TrackedSources) -> _Tree:
    """``_walk`` of the scope's folders (each counted as a folder itself), and its
    single files outside them, each looked at on its own."""
    if "" in scope.folders:
        return _walk(build_dir)
    tree = _Tree()
    starts = _outermost(scope.folders)
    for start in starts:
        mtime = _mtime(build_dir / start)
        if mtime is None or not (build_dir / start).is_dir():
            continue  # gone: the files recorded below it are missing, a difference
        part = _walk(build_dir, start)
        tree.folders[start] = mtime
        tree.folders.update(part.folders)
        tree.files.update(part.files)
        tree.manifests |= part.manifests
        tree.ignored_folders += part.ignored_folders
        tree.skipped_folders += part.skipped_folders
    for path in scope.files:
        if path not in tree.files and not _inside_any(path, starts):
            status = _regular_file(build_dir / path)
            if status is not None:
                tree.files[path] = status
    return tree


def _mtime(path: Path) -> int | None:
    try:
        return path.lstat().st_mtime_ns
    except OSError:
        return None


def _inside_any(path: str, folders: Iterable[str]) -> bool:
    return any(path.startswith(f"{folder}/") for folder in folders)


def _regular_file(path: Path) -> os.stat_result | None:
    try:
        status = path.lstat()
    except OSError:
        return None
    return status if stat.S_ISREG(status.st_mode) else None


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


def _read_scope(stored: object) -> TrackedSources:
    """The record's scope; the whole app for an older record or a damaged one."""
    scope = stored.get("scope") if isinstance(stored, dict) else None
    if not isinstance(scope, dict):
        return WHOLE_APP
    folders, files = scope.get("folders"), scope.get("files")
    if not (isinstance(folders, list) and isinstance(files, list)):
        return WHOLE_APP
    if not all(isinstance(path, str) for path in (*folders, *files)):
        return WHOLE_APP
    return TrackedSources(frozenset(folders), frozenset(files))


def _read_record(layout: CacheLayout) -> tuple[dict[str, list], dict[str, int], TrackedSources]:
    """The recorded files ([sha256, mtime, size] by path), folders (mtime by path),
    and the scope they cover."""
    stored = LAYER.read(layout)
    LAYER.explain(LAYER.check(layout, stored if isinstance(stored, dict) else {}, present=True))
    files = stored.get("files") if isinstance(stored, dict) else None
    if not isinstance(files, dict):
        return {}, {}, WHOLE_APP
    folders = stored.get("folders")
    return (
        {
            path: entry
            for path, entry in files.items()
            if isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[1], int)
        },
        {
            path: mtime
            for path, mtime in (folders.items() if isinstance(folders, dict) else ())
            if isinstance(mtime, int)
        },
        _read_scope(stored),
    )


def _ancestors(path: str) -> Iterable[str]:
    """The folders holding ``path``, innermost first, the app's root left out."""
    for parent in PurePosixPath(path).parents:
        if str(parent) != ".":
            yield str(parent)


def _restorable_folders(
    folders: set[str],
    recorded: dict[str, int],
    files: set[str],
    recorded_files: set[str],
    restored: set[str],
    unwalked: Iterable[str],
) -> dict[str, int]:
    """Folders whose whole contents are exactly as recorded and restored: their
    recorded mtimes. Any difference below a folder keeps it, and every folder
    above it, at its fresh mtime, as cargo would see the difference there."""
    different = set()
    for path in (files ^ recorded_files) | (files - restored) | (folders ^ recorded.keys()):
        different.add(path)
        different.update(_ancestors(path))
    for folder in unwalked:  # not looked at: cannot be known to be the same
        different.add(folder)
        different.update(_ancestors(folder))
    return {folder: recorded[folder] for folder in folders - different if folder in recorded}


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
    record, recorded_folders, scope = _read_record(layout)
    LAYER.discard(layout)
    tree = _walk_scope(build_dir, scope)
    found, manifests = tree.files, tree.manifests
    checkout = Checkout(
        ignored_folders={f: _mtime(build_dir / f) for f in tree.ignored_folders},
        scope=scope,
        recorded=len(record),
    )
    # Recorded files in folders git ignores were generated there by the last
    # build: looked at one by one, so that a missing one is a difference.
    for path in record:
        if path not in found and _inside_any(path, checkout.ignored_folders):
            status = _regular_file(build_dir / path)
            if status is not None:
                found[path] = status
    packages = {folder for folder in manifests if _is_package(build_dir / folder / "Cargo.toml")}
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
        if package is None or not record:  # a first build: nothing to compare with
            continue
        reason = _package_difference(current, recorded_groups.get(package, set()), same)
        if reason is not None:
            checkout.rebuilt_packages[package or "."] = reason
            held = current & restorable
            checkout.held_back += len(held)
            restorable -= held

    for path in restorable:
        mtime = record[path][1]
        _set_mtime(build_dir / path, mtime)
        checkout.files[path] = Seen(found[path].st_size, mtime, checkout.files[path].sha256)
    if record:
        folders = _restorable_folders(
            set(tree.folders),
            recorded_folders,
            set(found),
            set(record),
            restorable,
            [*tree.ignored_folders, *tree.skipped_folders],
        )
        # Setting a file's mtime leaves its folder's alone: any order holds.
        for folder, mtime in folders.items():
            _set_mtime(build_dir / folder, mtime)
        checkout.restored_folders = len(folders)
    return checkout


def _set_mtime(path: Path, mtime: int) -> None:
    try:
        os.utime(path, ns=(mtime, mtime), follow_symlinks=False)
    except OSError as problem:  # a read-only checkout: the platform's to fix
        raise errors.unwritable_build_dir(path, problem.strerror or str(problem)) from None


def remember(
    layout: CacheLayout,
    build_dir: Path,
    checkout: Checkout,
    installed: Iterable[str] = (),
    tracked: TrackedSources | None = None,
) -> None:
    """After a successful compile: these contents went into the cached artifacts.

    ``installed`` names the binaries the buildpack put into ``bin/``: outputs,
    not sources, and absent from the next checkout. ``tracked``: what cargo
    reads of the app (tracked_sources.py); None: the whole app.
    """
    scope = tracked or WHOLE_APP
    tree = _walk_scope(build_dir, scope)
    found = tree.files
    for folder in tree.ignored_folders:
        # A folder git ignores that the build wrote into: a build script generating
        # sources there. Walked whole, so the next build knows these files.
        if _mtime(build_dir / folder) != checkout.ignored_folders.get(folder):
            found.update(_walk(build_dir, folder, honour_ignores=False).files)
    for path in checkout.files.keys() - found.keys():
        if _inside_any(path, tree.ignored_folders):
            status = _regular_file(build_dir / path)
            if status is not None:
                found[path] = status
    outputs = {f"bin/{name}" for name in installed}
    files = {}
    for path, status in found.items():
        if path in outputs:
            continue
        seen = checkout.files.get(path)
        unmoved = seen and (seen.size, seen.mtime_ns) == (status.st_size, status.st_mtime_ns)
        digest = seen.sha256 if unmoved and seen.sha256 else file_sha256(build_dir / path)
        files[path] = [digest, status.st_mtime_ns, status.st_size]
    # bin/ holds the installed binaries: outputs, not sources, like them left out.
    folders = {path: mtime for path, mtime in tree.folders.items() if path != "bin"}
    record: dict[str, object] = {"files": files, "folders": folders}
    if scope != WHOLE_APP:
        record["scope"] = {"folders": sorted(scope.folders), "files": sorted(scope.files)}
    LAYER.save(layout, record)
