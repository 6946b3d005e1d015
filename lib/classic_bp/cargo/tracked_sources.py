"""Which of the app's files cargo reads to decide a rebuild, from the target dir.

Why: source_times.py gives unchanged files their old mtimes back, and did so
for every file of every package, hashing each one on every build. An app
that commits 50 000 assets paid 3 to 5 s per build for files no compilation
reads. Cargo's fingerprints (cargo 1.95) look only at:

1. the files in each unit's dep-info: every source rustc read (modules,
   ``include_str!``, ``include_bytes!``), listed in ``deps/*.d`` and, for
   build scripts, ``build/<package>-<hash>/*.d``;
2. the paths a build script names with ``rerun-if-changed`` (its ``output``
   file), a folder counting by everything under it;
3. for a build script naming none, its package's whole file listing.

So after a successful compile the record need only cover those. Two kinds
of package are still compared whole (every file below their folder), as
before, because plain cargo on a fresh checkout would rebuild them and a
narrower comparison could miss what they read:

- a package with a build script: build scripts often read files they never
  declare (a schema folder beside ``rerun-if-changed=build.rs``), and write
  generated files into the source tree;
- the whole app, when a proc macro outside ``FILE_BLIND_PROC_MACROS`` was
  compiled: such a macro may read files rustc never hears of (``sqlx::migrate!``,
  ``include_dir!``), and cargo does not track them. Only proc macros known to
  read nothing but their input tokens leave the narrower comparison in place;
  an unknown one (the app's own included) means the whole app.

Anything unreadable or unexpected in the target dir gives None: the whole
app is compared, as before. When in doubt, rebuild.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from .. import lazy_re
from ..records import record

# Proc macros that read only the tokens they are given (their crates' sources
# say so: derives and attribute macros with no file or environment input
# beyond the compiler's). Names as cargo writes them in deps/ (`-` as `_`).
FILE_BLIND_PROC_MACROS = frozenset(
    {
        "actix_macros",
        "actix_web_codegen",
        "async_stream_impl",
        "async_trait",
        "axum_macros",
        "bytemuck_derive",
        "clap_derive",
        "ctor",
        "darling_macro",
        "derivative",
        "derive_more",
        "derive_more_impl",
        "displaydoc",
        "enum_dispatch",
        "futures_macro",
        "num_derive",
        "openssl_macros",
        "paste",
        "pin_project_internal",
        "prost_derive",
        "serde_derive",
        "serde_repr",
        "serde_with_macros",
        "strum_macros",
        "synstructure",
        "thiserror_impl",
        "time_macros",
        "tokio_macros",
        "tracing_attributes",
        "typed_builder_macro",
        "yoke_derive",
        "zerocopy_derive",
        "zerofrom_derive",
        "zerovec_derive",
    }
)
_PROC_MACRO = lazy_re.compile(r"^lib(?P<name>\w+?)-[0-9a-f]{16}\.so$")
_RERUN_IF_CHANGED = lazy_re.compile(r"^cargo::?rerun-if-changed=(?P<path>.+)$")
_BUILD_SCRIPT_DEP_INFO = lazy_re.compile(r"^build_script_\w+-[0-9a-f]{16}\.d$")


@record
class TrackedSources:
    """What the record must cover, as paths relative to the build dir.

    ``folders``: compared whole, every file below (``""``: the whole app);
    ``files``: compared one by one, each on its own.
    """

    folders: frozenset[str]
    files: frozenset[str]


WHOLE_APP = TrackedSources(frozenset({""}), frozenset())


def _profile_dirs(target_dir: Path) -> list[Path]:
    """``release/``, ``debug/``, custom profiles, and the same under a target triple."""
    return [deps.parent for deps in (*target_dir.glob("*/deps"), *target_dir.glob("*/*/deps"))]


def _dep_info_paths(text: str) -> Iterator[str]:
    """The prerequisites a makefile-style dep-info file names: ``target: dep dep``,
    spaces in names escaped as ``\\ ``; ``dep:`` lines repeat them (phony targets)."""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        target_end = re.search(r"(?<!\\):(?: |$)", line)
        if target_end is None:
            continue
        for word in re.split(r"(?<!\\) ", line[target_end.end() :]):
            if word:
                yield word.replace("\\ ", " ")


class _AppPaths:
    """Turns the absolute or workspace-relative paths cargo writes into the app's own."""

    def __init__(self, target_dir: Path, app_roots: Iterable[Path], workspace: str) -> None:
        self.target = str(target_dir).rstrip("/") + "/"
        self.prefixes = sorted({str(root).rstrip("/") + "/" for root in app_roots}, key=len)
        self.workspace = workspace

    def may_name_app_files(self, dep_info: str) -> bool:
        """False only when the text cannot name one of the app's files: none of
        its folders appears, and every word is absolute or a comment (a name
        with an escaped space splits into words, the second not absolute: that
        only means a closer look). Most dep-info files are registry crates',
        and this spares parsing them line by line on every build."""
        if any(prefix in dep_info for prefix in self.prefixes):
            return True
        return any(word[0] not in "/#" for word in dep_info.split())

    def relative(self, path: str) -> str | None:
        """``path`` relative to the build dir; None when it is not the app's (a
        registry crate's source, a build script's OUT_DIR in the target dir)."""
        if os.path.isabs(path):
            if path.startswith(self.target):
                return None
            for prefix in reversed(self.prefixes):
                if path.startswith(prefix):
                    return self._inside(path[len(prefix) :])
            return None
        return self._inside(os.path.join(self.workspace, path) if self.workspace else path)

    @staticmethod
    def _inside(relative: str) -> str | None:
        normal = os.path.normpath(relative)
        if normal == "." or normal.startswith(".." + os.sep) or normal == "..":
            return None
        return PurePosixPath(normal).as_posix()


def _package_of(build_dir: Path, relative: str) -> str | None:
    """The folder of the nearest Cargo.toml above ``relative`` (``""``: the root)."""
    for parent in PurePosixPath(relative).parents:
        folder = "" if str(parent) == "." else str(parent)
        if (build_dir / folder / "Cargo.toml").is_file():
            return folder
    return None


def _under_any(path: str, folders: Iterable[str]) -> bool:
    return any(
        folder == "" or path == folder or path.startswith(f"{folder}/") for folder in folders
    )


def read(
    target_dir: Path, build_dir: Path, app_roots: Iterable[Path], workspace: Path
) -> TrackedSources | None:
    """What cargo reads of the app, from the dep-info and build script outputs of
    ``target_dir`` after a successful compile; None when that cannot be known.

    ``app_roots``: the absolute paths the app was compiled at (the fixed path,
    the build dir); ``workspace``: the workspace root in the build dir, against
    which rustc writes its relative paths.
    """
    try:
        relative = workspace.relative_to(build_dir).as_posix()
    except ValueError:
        return None
    paths = _AppPaths(target_dir, app_roots, "" if relative == "." else relative)
    try:
        return _read(target_dir, build_dir, paths)
    except (OSError, UnicodeError, ValueError):
        return None


def _read(target_dir: Path, build_dir: Path, paths: _AppPaths) -> TrackedSources | None:
    profiles = _profile_dirs(target_dir)
    if not profiles:
        return None
    files: set[str] = set()
    folders: set[str] = set()
    for profile in profiles:
        for entry in (profile / "deps").iterdir():
            macro = _PROC_MACRO.match(entry.name)
            if macro and macro["name"] not in FILE_BLIND_PROC_MACROS:
                return WHOLE_APP  # it may read files cargo never hears of
            if entry.name.endswith(".d"):
                files.update(_app_files(entry, paths))
        script_dirs = _script_dirs(profile / "build")
        for script_dir in script_dirs:
            outcome = _build_script(script_dir, build_dir, paths, script_dirs)
            if outcome is None:
                return None
            script_folders, script_files = outcome
            folders |= script_folders
            files |= script_files
    return TrackedSources(
        frozenset(folders), frozenset(path for path in files if not _under_any(path, folders))
    )


def _app_files(dep_info: Path, paths: _AppPaths) -> set[str]:
    text = dep_info.read_text(encoding="utf-8", errors="surrogateescape")
    if not paths.may_name_app_files(text):
        return set()
    found = set()
    for word in _dep_info_paths(text):
        relative = paths.relative(word)
        if relative is not None:
            found.add(relative)
    return found


def _script_dirs(build: Path) -> list[Path]:
    """The folders of ``build/``, listed once. Why not a glob per package: each
    distinct pattern compiles a regular expression, 1.4 ms of every rebuild
    of a workspace with fifteen build scripts."""
    try:
        with os.scandir(build) as entries:
            return sorted(Path(entry.path) for entry in entries if entry.is_dir())
    except FileNotFoundError:
        return []


def _build_script(
    script_dir: Path, build_dir: Path, paths: _AppPaths, siblings: list[Path]
) -> tuple[set[str], set[str]] | None:
    """One ``build/<package>-<hash>/`` folder: a compiled build script (its dep-info),
    or a run of one (its ``output``). An app's build script makes its package
    compared whole; a run's ``rerun-if-changed`` paths outside it are added."""
    folders: set[str] = set()
    files: set[str] = set()
    for entry in script_dir.iterdir():
        if not _BUILD_SCRIPT_DEP_INFO.match(entry.name):
            continue
        for source in _app_files(entry, paths):
            package = _package_of(build_dir, source)
            if package is None:
                return None
            folders.add(package)
            files.add(source)
    output = script_dir / "output"
    if output.is_file():
        package_dir = _run_package(script_dir, build_dir, paths, siblings)
        for line in output.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
            match = _RERUN_IF_CHANGED.match(line.strip())
            if match is None:
                continue
            named = match["path"].strip()
            if os.path.isabs(named):
                relative = paths.relative(named)
            elif package_dir is None:
                continue  # a registry crate's script: its paths are not the app's
            else:  # relative to the package's folder, as cargo reads it
                relative = _AppPaths._inside(os.path.join(package_dir, named))
            if relative is None:
                continue
            if (build_dir / relative).is_dir():
                folders.add(relative)
            else:
                files.add(relative)
    return folders, files


def _run_package(
    script_dir: Path, build_dir: Path, paths: _AppPaths, siblings: list[Path]
) -> str | None:
    """The app's package a build script run belongs to, from the compiled script of
    the same package name (``build/<package>-<hash>/``, among ``siblings``); None
    for a registry crate."""
    package_name = script_dir.name.rpartition("-")[0]
    for sibling in siblings:
        if sibling.name.rpartition("-")[0] != package_name:
            continue
        for entry in sibling.iterdir():
            if _BUILD_SCRIPT_DEP_INFO.match(entry.name):
                for source in _app_files(entry, paths):
                    return _package_of(build_dir, source)
    return None
