#!/usr/bin/env python3
"""A local crates.io stand-in: a cargo *sparse registry* built from Debian.

Why: the buildpack's tests and benchmarks must build real Rust apps (serde_json,
hyper + tokio, axum, actix-web, warp, sqlx, diesel) without internet access.
Debian's ``librust-<name>-dev`` packages ship real crate sources unpacked under
``/usr/share/cargo/registry``; debian_crates.py fetches Debian 12's and Debian
13's (the versions the test apps' Cargo.lock files pin) from the Debian archive
once, on any distro and without apt, and this tool packs them back into
``.crate`` files, writes the sparse index cargo reads, and serves both on
127.0.0.1 so cargo can use them through source replacement
(``[source.crates-io] replace-with = "mirror"``).

Design points (each is a pitfall met while building this):

* Both suites are served together (``SUITES``): bookworm's tokio 1.24 beside
  trixie's 1.43, as crates.io serves every version. A name and version found
  in more than one place is served once, from the first: the project's own
  crates, then bookworm, then trixie (quickcheck 1.0.3 is in both, with
  another Cargo.toml). Each crate is pruned (next point) against the crates of
  its own suite only, so bookworm's .crate bytes, and with them the checksums
  that older Cargo.lock files pin, do not change when trixie is added.

* ``.crate`` files are byte-deterministic so committed ``Cargo.lock`` checksums
  hold on every machine with the same Debian package versions: sorted entries,
  fixed mtime/owner, normalised modes, and a gzip stream made of *stored*
  deflate blocks written here, so the bytes do not depend on the zlib build.
* Cargo's resolver needs every *required* non-dev dependency of every
  platform to exist, and every optional one that an activated feature turns
  on.  Debian strips some (for example ``windows-sys``), so a dependency no
  packaged version satisfies is dropped from BOTH the index line and the
  packaged ``Cargo.toml`` (and from the features naming it) when it is
  required or turned on by the ``default`` feature.  Other unsatisfiable
  optional dependencies are kept untouched: cargo only looks them up when a
  feature enables them (then fails with a clear "no matching package"), and
  leaving them means most .crate bytes never depend on which other
  ``librust-*`` packages a machine has (ryu's optional ``no-panic`` would
  otherwise change ryu's checksum).  Dev-dependencies never reach the index
  (cargo ignores them for registry crates) and stay in the packaged manifest.
* ``config.json`` holds absolute URLs with the server's port, so it is made
  per request by the server instead of being written at build time.

Usage::

    python crates_registry.py build [DEST]
    python crates_registry.py serve [DEST] [--port N]

Standard library only (Python 3.10+; ``tomllib`` when present, 3.11+).
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import struct
import sys
import tarfile
import tempfile
import threading
import urllib.parse
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import debian_crates
import toml_reader
import toml_writer
from fixture_cache import build_lock, fixture_cache_dir
from loopback_http import LoopbackServer, serve_until_killed
from prerequisites import MissingPrerequisite

# Crates written for this project's tests (a build tool crate), served too.
PROJECT_CRATES = Path(__file__).resolve().parents[1] / "crates"
# The Debian suites served, in precedence order (see the module docstring).
SUITES = ("bookworm", "trixie")
# Bumped whenever the packing or the index format changes, so an old cache
# directory is rebuilt instead of silently reused.
FORMAT_VERSION = 4
STAMP_NAME = ".registry-complete"
# crates.io packs every file with this mtime (2006-07-24); reuse it.
CRATE_MTIME = 1153704088
# Debian-only files at the top of a crate folder: never part of a real .crate.
EXCLUDED_TOP_LEVEL = frozenset({".cargo-checksum.json", "debian", ".pc"})
REGISTRY_NAME = "mirror"
DEP_KINDS = {
    "dependencies": "normal",
    "build-dependencies": "build",
    "build_dependencies": "build",
    "dev-dependencies": "dev",
    "dev_dependencies": "dev",
}
MANIFEST_HEADER = (
    "# Rewritten by crates_registry.py from Debian's packaged manifest:\n"
    "# dependencies that no packaged crate satisfies and that cargo would\n"
    "# need (required, or enabled by default) were removed.\n\n"
)


# --------------------------------------------------------------------------
# Semver: just enough of cargo's rules to tell whether a dependency can be met.
# --------------------------------------------------------------------------

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_COMPARATOR_RE = re.compile(
    r"^(=|>=|>|<=|<|~|\^)?\s*(\d+|[*xX])(?:\.(\d+|[*xX]))?(?:\.(\d+|[*xX]))?"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)

VersionKey = tuple


def version_key(text: str) -> VersionKey:
    """Sortable key of a semver version; pre-releases sort before releases."""
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a semver version: {text!r}")
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), _pre_key(pre))


def _pre_key(pre: str | None) -> tuple:
    """Key of a pre-release tag: none sorts last, numeric parts before text."""
    if not pre:
        return (1,)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (0, parts)


def _bump(parts: list[int], index: int) -> tuple[int, int, int]:
    """The smallest version above every version sharing ``parts[:index+1]``."""
    bumped = list(parts[: index + 1]) + [0] * (2 - index)
    bumped[index] += 1
    return tuple(bumped)  # type: ignore[return-value]


def _comparator_bounds(op: str, nums: list[int], pre: str | None):
    """Lower (inclusive) and upper (exclusive) bound of one comparator.

    Bounds are ``(major, minor, patch, pre_key)`` keys or None for unbounded;
    ``nums`` holds the 1 to 3 numbers written (wildcards already cut off).
    """
    full = nums + [0] * (3 - len(nums))
    exact = (*full, _pre_key(pre))
    floor = (*full, _pre_key(pre) if len(nums) == 3 else (0, ()))
    last = len(nums) - 1

    def top(index: int) -> tuple:
        return (*_bump(full, index), (0, ()))

    if not nums:
        return None, None
    if op == "^":
        first_non_zero = next((i for i, n in enumerate(full[: last + 1]) if n), last)
        return floor, top(min(first_non_zero, last))
    if op == "~":
        return floor, top(min(last, 1))
    if op == "=":
        return (floor, top(last)) if len(nums) < 3 else (exact, _after(exact))
    if op == ">":
        return ((*_bump(full, last), (0, ())) if len(nums) < 3 else _after(exact)), None
    if op == ">=":
        return floor, None
    if op == "<":
        return None, floor
    if op == "<=":
        return None, (top(last) if len(nums) < 3 else _after(exact))
    raise ValueError(op)


def _after(key: tuple) -> tuple:
    """A key just above ``key`` (used to turn ``<=`` / ``>`` into ``<`` / ``>=``)."""
    return (*key[:3], (*key[3], (9, 0, "")))


def _parse_comparator(text: str):
    """Parse one comparator into ``(lower, upper, pre_triple_or_None)``."""
    text = text.strip()
    if text in ("*", "x", "X", ""):
        return None, None, None
    match = _COMPARATOR_RE.match(text)
    if not match:
        raise ValueError(f"unsupported version requirement: {text!r}")
    op, *raw, pre = match.groups()
    nums: list[int] = []
    for part in raw:
        if part is None or part in "*xX":
            break
        nums.append(int(part))
    wildcard = any(p is not None and p in "*xX" for p in raw)
    if op is None:
        op = "=" if wildcard else "^"
    lower, upper = _comparator_bounds(op, nums, pre)
    triple = tuple(nums) if pre and len(nums) == 3 else None
    return lower, upper, triple


def version_matches(req: str, version: str) -> bool:
    """Whether ``version`` satisfies the cargo requirement ``req``.

    Pre-release versions match only a comparator naming the same
    major.minor.patch with a pre-release, as in cargo.
    """
    key = version_key(version)
    comparators = [_parse_comparator(c) for c in req.split(",")]
    for lower, upper, _ in comparators:
        if lower is not None and key < lower:
            return False
        if upper is not None and key >= upper:
            return False
    if key[3] != (1,):
        return any(triple == key[:3] for _, _, triple in comparators)
    return True


# --------------------------------------------------------------------------
# Reading Debian's crate folders
# --------------------------------------------------------------------------


class Crate:
    """One unpacked crate folder and its parsed manifest.

    A plain class, not a dataclass: dataclasses with string annotations fail
    when this file is loaded by path without registering it in sys.modules,
    which is how tests load tools from this hyphenated folder.
    """

    def __init__(
        self,
        name: str,
        version: str,
        root: Path,
        manifest: dict[str, Any],
        origin: str = "project",
        group: int = 0,
    ) -> None:
        self.name = name
        self.version = version
        self.root = root
        self.manifest = manifest
        # Where it comes from ("project", a suite), and the crates it is pruned
        # against: those of the same group (the project's join the first suite's).
        self.origin = origin
        self.group = group
        self.dropped: list[str] = []
        self.missing_optional: list[str] = []
        self.shadowed: list[dict[str, Any]] = []  # namesakes found later, not served

    @property
    def dirname(self) -> str:
        """The top folder inside the .crate, as cargo expects it."""
        return f"{self.name}-{self.version}"


def load_toml(path: Path) -> dict[str, Any]:
    return toml_reader.loads(path.read_text(encoding="utf-8"))


def _origin(sources: Path) -> str:
    """The suite a sources folder holds (debian_crates.py's stamp), else its name."""
    try:
        stamp = json.loads((sources / debian_crates.STAMP_NAME).read_text())
        return str(stamp["suite"])
    except (OSError, ValueError, KeyError, TypeError):
        return sources.name


def crate_folders(sources: list[Path]) -> list[tuple[Path, str, int]]:
    """``(folder, origin, group)`` of the project's crates, then of each sources folder.

    In precedence order; the project's crates are in the first folder's group.
    """
    found = [(folder, "project", 0) for folder in _subfolders(PROJECT_CRATES)]
    for group, parent in enumerate(sources):
        origin = _origin(parent)
        found.extend((folder, origin, group) for folder in _subfolders(parent))
    return found


def _subfolders(parent: Path) -> list[Path]:
    return sorted(parent.iterdir()) if parent.is_dir() else []


def scan_sources(sources: list[Path]) -> tuple[list[Crate], list[Crate]]:
    """The crates to serve, sorted, and every crate found (their namesakes included).

    Of one name and version found twice, the first in precedence order is
    served and records the other in ``shadowed``; both count as available when
    their own group's crates are pruned.
    """
    found = []
    for folder, origin, group in crate_folders(sources):
        manifest_path = folder / "Cargo.toml"
        if not folder.is_dir() or not manifest_path.is_file():
            continue
        manifest = load_toml(manifest_path)
        package = manifest.get("package", {})
        if "name" not in package or "version" not in package:
            continue
        found.append(Crate(package["name"], package["version"], folder, manifest, origin, group))
    served: dict[tuple[str, str], Crate] = {}
    for crate in found:
        first = served.setdefault((crate.name, crate.version), crate)
        if first is not crate:
            same = _same_files(first.root, crate.root)
            first.shadowed.append({"from": crate.origin, "same_files": same})
    crates = sorted(served.values(), key=lambda c: (c.name, version_key(c.version)))
    return crates, found


def _same_files(one: Path, other: Path) -> bool:
    """Whether two crate folders would pack the same files (paths and bytes)."""
    ours, theirs = crate_files(one), crate_files(other)
    return [rel for rel, _ in ours] == [rel for rel, _ in theirs] and all(
        a.read_bytes() == b.read_bytes() for (_, a), (_, b) in zip(ours, theirs, strict=True)
    )


def sources_fingerprint(sources: list[Path]) -> str:
    """Cheap fingerprint of the source trees: folder names and manifest stats.

    Why: the cached registry must be rebuilt when Debian packages are added,
    removed or upgraded, without hashing 300 MB on every test run.
    """
    digest = hashlib.sha256(f"format={FORMAT_VERSION} {project_crates_digest()}\n".encode())
    for group, parent in enumerate(sources):
        digest.update(f"sources {group}\n".encode())
        for folder in _subfolders(parent):
            manifest = folder / "Cargo.toml"
            if manifest.is_file():
                stat = manifest.stat()
                digest.update(f"{folder.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def project_crates_digest() -> str:
    """The content of the project's own crates (small): a fresh clone, with new
    mtimes, reuses the registry a checkout with the same crates built."""
    digest = hashlib.sha256()
    for path in sorted(PROJECT_CRATES.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(PROJECT_CRATES).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --------------------------------------------------------------------------
# Dependencies: walk, check, drop
# --------------------------------------------------------------------------


def iter_dep_tables(manifest: dict[str, Any]) -> Iterator[tuple[str | None, str, dict]]:
    """Yield ``(target, section, deps)`` for every dependency table.

    Covers ``[dependencies]``-style sections and their
    ``[target.'cfg(..)'.dependencies]`` variants.
    """
    for section in DEP_KINDS:
        if isinstance(manifest.get(section), dict):
            yield None, section, manifest[section]
    for target, tables in manifest.get("target", {}).items():
        for section in DEP_KINDS:
            if isinstance(tables.get(section), dict):
                yield target, section, tables[section]


def dep_spec(spec: Any) -> dict[str, Any]:
    """A dependency as a table (``foo = "1"`` is short for a version)."""
    return {"version": spec} if isinstance(spec, str) else dict(spec)


def dep_package(key: str, spec: Any) -> str:
    """The real crate name of a dependency (``package = ...`` renames it)."""
    return dep_spec(spec).get("package", key)


def is_satisfiable(key: str, spec: Any, available: dict[str, list[str]]) -> bool:
    """Whether a packaged version of the dependency's crate meets its req."""
    table = dep_spec(spec)
    if "registry" in table or "git" in table:
        return False
    req = table.get("version", "*")
    versions = available.get(dep_package(key, spec), [])
    try:
        return any(version_matches(req, v) for v in versions)
    except ValueError:  # a requirement this matcher cannot read: let cargo judge
        return bool(versions)


def index_dep(key: str, spec: Any, target: str | None, kind: str) -> dict[str, Any]:
    """One ``deps`` entry of an index line, in crates.io's field order."""
    table = dep_spec(spec)
    default_features = table.get("default-features", table.get("default_features", True))
    entry: dict[str, Any] = {
        "name": key,
        "req": table.get("version", "*"),
        "features": list(table.get("features", [])),
        "optional": bool(table.get("optional", False)),
        "default_features": bool(default_features),
        "target": target,
        "kind": kind,
    }
    if "package" in table:
        entry["package"] = table["package"]
    return entry


def feature_names_dep(value: str, dropped: set[str]) -> bool:
    """Whether a feature value (``x``, ``dep:x``, ``x/f``, ``x?/f``) uses a dropped dep."""
    name = value[4:] if value.startswith("dep:") else value.split("/", 1)[0].rstrip("?")
    return name in dropped


def clean_features(features: dict[str, list[str]], dropped: set[str]) -> dict[str, list[str]]:
    """Features without the entries that turn on dropped dependencies."""
    return {
        name: [v for v in values if not feature_names_dep(v, dropped)]
        for name, values in features.items()
    }


def _dep_label(key: str, target: str | None) -> str:
    """``key`` or ``key (target)``, for the build summary."""
    return key if target is None else f"{key} ({target})"


def unsatisfiable_deps(
    manifest: dict[str, Any], available: dict[str, list[str]], optional: bool
) -> list[tuple[str | None, str, str]]:
    """``(target, section, key)`` of the non-dev deps nothing packaged meets.

    ``optional`` selects optional (True) or required (False) dependencies.
    """
    found = []
    for target, section, deps in iter_dep_tables(manifest):
        if DEP_KINDS[section] == "dev":
            continue
        for key, spec in deps.items():
            is_optional = bool(dep_spec(spec).get("optional", False))
            if is_optional == optional and not is_satisfiable(key, spec, available):
                found.append((target, section, key))
    return found


def default_enabled_deps(manifest: dict[str, Any]) -> set[str]:
    """Keys of the optional dependencies that the ``default`` feature turns on.

    Follows feature-to-feature links; ``x?/f`` (weak) enables nothing.
    """
    features = manifest.get("features", {})
    optional = {
        key
        for _, section, deps in iter_dep_tables(manifest)
        if DEP_KINDS[section] != "dev"
        for key, spec in deps.items()
        if dep_spec(spec).get("optional", False)
    }
    enabled: set[str] = set()
    seen: set[str] = set()
    stack = ["default"]
    while stack:
        feature = stack.pop()
        if feature in seen:
            continue
        seen.add(feature)
        for value in features.get(feature, []):
            name = value[4:] if value.startswith("dep:") else value.split("/", 1)[0]
            if name.endswith("?"):
                continue
            if name in features and not value.startswith("dep:"):
                stack.append(name)
            if name in optional:
                enabled.add(name)
    return enabled


def prune_manifest(manifest: dict[str, Any], available: dict[str, list[str]]) -> list[str]:
    """Drop the unsatisfiable non-dev dependencies cargo would need, in place.

    Those are the required ones and the optional ones enabled by default.
    Returns their labels; features naming a dependency key that is gone from
    every table are cleaned too.  Other optional ones stay (module docstring).
    """
    by_default = default_enabled_deps(manifest)
    doomed = unsatisfiable_deps(manifest, available, optional=False) + [
        dep
        for dep in unsatisfiable_deps(manifest, available, optional=True)
        if dep[2] in by_default
    ]
    for target, section, key in doomed:
        tables = manifest if target is None else manifest["target"][target]
        del tables[section][key]
    gone = {key for _, _, key in doomed}
    gone -= {k for _, s, d in iter_dep_tables(manifest) if DEP_KINDS[s] != "dev" for k in d}
    if gone and isinstance(manifest.get("features"), dict):
        manifest["features"] = clean_features(manifest["features"], gone)
    _drop_empty_tables(manifest)
    return [_dep_label(key, target) for target, _, key in doomed]


def _drop_empty_tables(manifest: dict[str, Any]) -> None:
    """Remove dependency tables (and target tables) left empty by pruning."""
    for section in DEP_KINDS:
        if manifest.get(section) == {}:
            del manifest[section]
    for target in list(manifest.get("target", {})):
        tables = manifest["target"][target]
        for section in DEP_KINDS:
            if tables.get(section) == {}:
                del tables[section]
        if not tables:
            del manifest["target"][target]
    if manifest.get("target") == {}:
        del manifest["target"]


def index_deps(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-dev dependencies of a (pruned) manifest as index entries."""
    entries = []
    for target, section, deps in iter_dep_tables(manifest):
        kind = DEP_KINDS[section]
        if kind != "dev":
            entries.extend(index_dep(k, v, target, kind) for k, v in deps.items())
    entries.sort(key=lambda d: (d["name"], d["kind"], d["target"] or ""))
    return entries


def toml_dumps(data: dict[str, Any]) -> str:
    """Serialise a parsed manifest back to TOML (checked by re-parsing)."""
    return toml_writer.dumps(data, MANIFEST_HEADER)


# --------------------------------------------------------------------------
# Deterministic .crate files
# --------------------------------------------------------------------------


def crate_files(root: Path) -> list[tuple[str, Path]]:
    """Relative POSIX paths and locations of the files to pack, sorted.

    Symlinks are followed (their content is packed as a plain file); broken
    ones and Debian-only top-level entries are skipped.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        rel_dir = Path(dirpath).relative_to(root)
        top = rel_dir == Path(".")
        if top:
            dirnames[:] = [d for d in dirnames if d not in EXCLUDED_TOP_LEVEL]
        for name in filenames:
            if top and name in EXCLUDED_TOP_LEVEL:
                continue
            path = Path(dirpath) / name
            if path.is_file():
                found.append(((rel_dir / name).as_posix(), path))
    found.sort(key=lambda item: item[0].encode())
    return found


def tar_bytes(prefix: str, members: list[tuple[str, bytes, bool]]) -> bytes:
    """A tar archive of ``prefix/<path>`` files with normalised metadata."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for rel, data, executable in members:
            info = tarfile.TarInfo(f"{prefix}/{rel}")
            info.size = len(data)
            info.mtime = CRATE_MTIME
            info.mode = 0o755 if executable else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def gzip_stored(data: bytes) -> bytes:
    """Gzip ``data`` with stored (uncompressed) deflate blocks.

    Why: compressed deflate output depends on the zlib build (zlib vs zlib-ng,
    versions), which would make checksums machine-dependent.  Stored blocks
    are fully specified by the format; size is no concern on loopback.
    """
    out = bytearray(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")  # mtime 0, OS unknown
    chunks = [data[i : i + 0xFFFF] for i in range(0, len(data), 0xFFFF)] or [b""]
    for index, chunk in enumerate(chunks):
        final = 1 if index == len(chunks) - 1 else 0
        out += struct.pack("<BHH", final, len(chunk), len(chunk) ^ 0xFFFF) + chunk
    out += struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return bytes(out)


def pack_crate(crate: Crate, manifest_text: str | None) -> bytes:
    """The .crate bytes; ``manifest_text`` replaces Cargo.toml when given."""
    members = []
    for rel, path in crate_files(crate.root):
        data = path.read_bytes()
        if rel == "Cargo.toml" and manifest_text is not None:
            data = manifest_text.encode()
        members.append((rel, data, bool(path.stat().st_mode & 0o111)))
    return gzip_stored(tar_bytes(crate.dirname, members))


# --------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------


def index_path(name: str) -> str:
    """The sparse index path of a crate name (lower-cased, cargo's layout)."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[:2]}/{lower[2:4]}/{lower}"


def _uses_new_feature_syntax(values: list[str]) -> bool:
    """Whether a feature uses ``dep:x`` or ``x?/f`` (index format v2)."""
    return any(v.startswith("dep:") or "?/" in v for v in values)


def index_line(crate: Crate, cksum: str) -> str:
    """One JSON line for the index file of ``crate.name``.

    Features using ``dep:`` or ``?/`` go to ``features2`` with ``v: 2``, as
    crates.io does, so that old cargos skip rather than misread them.
    """
    manifest = crate.manifest
    features = manifest.get("features", {})
    is_new = _uses_new_feature_syntax
    entry: dict[str, Any] = {
        "name": crate.name,
        "vers": crate.version,
        "deps": index_deps(manifest),
        "cksum": cksum,
        "features": {k: v for k, v in features.items() if not is_new(v)},
        "yanked": False,
    }
    package = manifest.get("package", {})
    if package.get("links"):
        entry["links"] = package["links"]
    features2 = {k: v for k, v in features.items() if is_new(v)}
    if features2:
        entry["features2"] = features2
        entry["v"] = 2
    rust_version = package.get("rust-version")
    if isinstance(rust_version, str):
        entry["rust_version"] = rust_version
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------


class MissingCrateSources(MissingPrerequisite, FileNotFoundError):
    """A ``--sources`` folder that does not exist (the sentence says how to fix)."""


def default_registry_dir() -> Path:
    """``$CLASSIC_BP_FIXTURE_CACHE/crates-registry-<suites>-<digest>`` (under ~/.cache).

    One folder per set of suites and content of the project's crates, so that
    checkouts with other crates or suites (branches, worktrees) never rebuild it
    under a running test's feet.
    """
    return fixture_cache_dir() / f"crates-registry-{'+'.join(SUITES)}-{project_crates_digest()}"


def default_sources() -> list[Path]:
    """Each served suite's crate sources, fetched once into the fixture cache."""
    return [debian_crates.crate_sources(suite=suite) for suite in SUITES]


def is_complete(dest: Path, sources: list[Path]) -> bool:
    """Whether ``dest`` is a finished build of the current ``sources``."""
    stamp = dest / STAMP_NAME
    return stamp.is_file() and stamp.read_text().strip() == sources_fingerprint(sources)


def bump_lockfile(app: Path, registry_root: Path, crate: str, version: str) -> None:
    """Point app/Cargo.lock at another published version, as `cargo update -p` would."""
    lines = (registry_root / "index" / index_path(crate)).read_text().splitlines()
    entry = next(json.loads(line) for line in lines if json.loads(line)["vers"] == version)
    lock = app / "Cargo.lock"
    pattern = (
        rf'(name = "{re.escape(crate)}"\nversion = ")[^"]+'
        rf'("\nsource = "[^"]+"\nchecksum = ")[0-9a-f]+'
    )
    lock.write_text(re.sub(pattern, rf"\g<1>{version}\g<2>{entry['cksum']}", lock.read_text()))


def build_registry(dest: Path | None = None, sources: Path | list[Path] | None = None) -> Path:
    """Build the registry at ``dest`` unless it is already complete; return it.

    ``sources``: a folder of crate folders, or several in precedence order;
    by default each of ``SUITES``' crate sources, fetched once into the fixture
    cache (debian_crates.py). The tree is written to a temporary sibling,
    stamped last and renamed into place, under a lock: an interrupted build
    never looks complete, and concurrent builders (parallel test workers) wait
    for the first one instead of building it again.
    """
    dest = Path(dest) if dest is not None else default_registry_dir()
    if sources is None:
        sources = default_sources()
    sources = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
    for folder in sources:
        if not folder.is_dir():
            raise MissingCrateSources(
                f"The crates.io stand-in is built from the crate sources in {folder}, which is"
                " missing: name an existing folder, or leave --sources out to use Debian 12's"
                " and 13's crate packages (fetched once from the Debian archive)."
            )
    if is_complete(dest, sources):
        return dest
    with build_lock(dest):  # parallel test workers build it once, not each
        if is_complete(dest, sources):
            return dest
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            write_registry_tree(tmp, sources)
            _swap_into_place(tmp, dest, sources)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def write_registry_tree(root: Path, sources: list[Path]) -> None:
    """Write crates, index files, a summary and finally the stamp under ``root``."""
    fingerprint = sources_fingerprint(sources)
    crates, found = scan_sources(sources)
    available: dict[int, dict[str, list[str]]] = {}
    for crate in found:
        available.setdefault(crate.group, {}).setdefault(crate.name, []).append(crate.version)
    lines: dict[str, list[str]] = {}
    summary = []
    for crate in crates:
        cksum = write_crate(root, crate, available[crate.group])
        lines.setdefault(crate.name, []).append(index_line(crate, cksum))
        entry = {
            "name": crate.name,
            "vers": crate.version,
            "cksum": cksum,
            "from": crate.origin,
            "dropped": crate.dropped,
            "missing_optional": crate.missing_optional,
        }
        if crate.shadowed:
            entry["shadowed"] = crate.shadowed
        summary.append(entry)
    for name, entries in lines.items():
        path = root / "index" / index_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(entries) + "\n")
    (root / "crates.json").write_text(json.dumps(summary, indent=1) + "\n")
    (root / STAMP_NAME).write_text(fingerprint + "\n")


def write_crate(root: Path, crate: Crate, available: dict[str, list[str]]) -> str:
    """Prune, pack and store one crate; return its sha256."""
    crate.dropped = prune_manifest(crate.manifest, available)
    crate.missing_optional = [
        _dep_label(key, target)
        for target, _, key in unsatisfiable_deps(crate.manifest, available, optional=True)
    ]
    manifest_text = toml_dumps(crate.manifest) if crate.dropped else None
    data = pack_crate(crate, manifest_text)
    target = root / "crates" / crate.name / crate.version / "download"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _swap_into_place(tmp: Path, dest: Path, sources: list[Path]) -> None:
    """Rename the finished ``tmp`` to ``dest``, replacing a stale ``dest``.

    If another process finished first, keep its (equivalent) tree.
    """
    if dest.exists():
        if is_complete(dest, sources):
            return
        trash = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.replace(dest, trash / "old")
        shutil.rmtree(trash, ignore_errors=True)
    try:
        os.rename(tmp, dest)
    except OSError:
        if not is_complete(dest, sources):
            raise


# --------------------------------------------------------------------------
# Serve
# --------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``/index/...`` and ``/api/v1/crates/<name>/<version>/download``."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm, each answer
    # on a kept-alive connection would wait for the client's delayed ACK (tens
    # of ms), which no CDN in front of crates.io makes cargo wait.
    disable_nagle_algorithm = True
    server: RegistryServer

    def do_GET(self) -> None:
        """Answer with the file's body."""
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        """Answer with headers only."""
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        """Resolve the path, then send 200/304, 400 (``..``) or 404."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        token = self.server.token
        if token is not None and self.headers.get("Authorization") != token:
            self.send_response(401)
            self.send_header("WWW-Authenticate", "Cargo")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if ".." in path.split("/") or "\\" in path or "\0" in path:
            self.send_error(400, "path refused")
            return
        body = self.server.lookup(path)
        if body is None:
            self.send_error(404, "not found")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Record ``(method, path, status)`` instead of printing to stderr."""
        status = code.value if hasattr(code, "value") else int(code) if str(code).isdigit() else 0
        self.server.record(self.command or "", self.path, status)

    def log_message(self, fmt: str, *args: Any) -> None:
        """Stay quiet: test output must not be flooded."""


class RegistryServer(LoopbackServer):
    """A built registry tree on 127.0.0.1 (``url``, ``port``), with a request log."""

    def __init__(self, root: Path, port: int = 0, token: str | None = None) -> None:
        """``token``: a private registry (``auth-required``): every request
        without ``Authorization: <token>`` is answered 401."""
        self.root = Path(root)
        if not (self.root / "index").is_dir():
            raise FileNotFoundError(f"{self.root} is not a built registry")
        self.token = token
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        super().__init__(_Handler, port, "crates-registry")

    # -- addresses --------------------------------------------------------
    @property
    def index_url(self) -> str:
        """What cargo's ``registry = ...`` needs: ``sparse+http://.../index/``."""
        return f"sparse+{self.url}/index/"

    def config_json(self) -> bytes:
        """The registry's config.json; absolute URLs carry the served port."""
        config: dict[str, Any] = {"dl": f"{self.url}/api/v1/crates", "api": self.url}
        if self.token is not None:
            config["auth-required"] = True
        return (json.dumps(config) + "\n").encode()

    # -- cargo configuration ---------------------------------------------
    def cargo_config_args(self) -> list[str]:
        """Values for cargo's ``--config`` flag (one flag per value)."""
        return [
            f'source.crates-io.replace-with="{REGISTRY_NAME}"',
            f'source.{REGISTRY_NAME}.registry="{self.index_url}"',
        ]

    def cargo_config_toml(self) -> str:
        """The same source replacement as ``config.toml`` text."""
        return (
            "[source.crates-io]\n"
            f'replace-with = "{REGISTRY_NAME}"\n\n'
            f"[source.{REGISTRY_NAME}]\n"
            f'registry = "{self.index_url}"\n'
        )

    def write_cargo_config(self, cargo_home: Path) -> Path:
        """Write ``cargo_home/config.toml`` (overwriting it); return its path."""
        cargo_home = Path(cargo_home)
        cargo_home.mkdir(parents=True, exist_ok=True)
        path = cargo_home / "config.toml"
        path.write_text(self.cargo_config_toml())
        return path

    # -- request handling ---------------------------------------------------
    def lookup(self, path: str) -> bytes | None:
        """The bytes served at a URL path, or None for a 404."""
        if path == "/index/config.json":
            return self.config_json()
        file = None
        if path.startswith("/index/"):
            file = self.root / "index" / path[len("/index/") :]
        elif path.startswith("/api/v1/crates/"):
            parts = path[len("/api/v1/crates/") :].split("/")
            if len(parts) == 3 and parts[2] == "download" and all(parts):
                file = self.root / "crates" / parts[0] / parts[1] / "download"
        if file is None or not file.is_file():
            return None
        return file.read_bytes()

    def record(self, method: str, path: str, status: int) -> None:
        """Append one entry to the request log (called from handler threads)."""
        with self._lock:
            self.requests.append((method, path, status))

    def clear_log(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self.requests.clear()


def build_small_registry(dest: Path, crate_dirs: list[Path]) -> dict[str, str]:
    """A registry tree of the crates in ``crate_dirs`` (folders with a Cargo.toml);
    returns each crate's sha256 by name, for the Cargo.lock of an app using them."""
    crates = [
        Crate(m["package"]["name"], m["package"]["version"], folder, m)
        for folder in crate_dirs
        for m in [load_toml(folder / "Cargo.toml")]
    ]
    available = {crate.name: [crate.version] for crate in crates}
    checksums = {}
    for crate in crates:
        checksums[crate.name] = write_crate(dest, crate, available)
        path = dest / "index" / index_path(crate.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(index_line(crate, checksums[crate.name]) + "\n")
    return checksums


def serve_registry(root: Path, port: int = 0) -> RegistryServer:
    """A RegistryServer for ``root`` (its port bound); use it as a context manager or start() it."""
    return RegistryServer(root, port=port)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line arguments of ``build`` and ``serve``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "serve"):
        cmd = sub.add_parser(name)
        cmd.add_argument(
            "dest",
            nargs="?",
            type=Path,
            default=None,
            help="registry directory (default: %(default)s -> cache dir)",
        )
        cmd.add_argument(
            "--sources",
            type=Path,
            action="append",
            default=None,
            help="folder of unpacked crates, repeated in precedence order"
            " (default: Debian 12's and 13's, see debian_crates.py)",
        )
    sub.choices["serve"].add_argument("--port", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: build, or build then serve until killed."""
    args = _parse_args(argv)
    try:
        root = build_registry(args.dest, args.sources)
    except MissingPrerequisite as problem:
        print(problem, file=sys.stderr)
        return 1
    if args.command == "build":
        print(root)
        return 0
    server = serve_registry(root, port=args.port)
    serve_until_killed(server, server.index_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
