"""Whether cargo can build without asking the registry anything.

Why: a warm build whose crates are all in cargo's home still sent the
registry one request per index file (42 ``304 Not Modified`` for a
hyper + tokio service), and failed or waited whenever the registry was slow
or down. cargo's ``--offline`` sends none.

When is that safe? When every crate of Cargo.lock that cargo needs for this
build is cached. Cargo.lock also lists crates that no Linux build ever
downloads (``winapi`` and its target crates, ``windows-sys``...), and which
are those cannot be told from Cargo.lock alone (it has no ``cfg``s). So the
crates a successful build left undownloaded are recorded next to cargo's
home: a build may run offline when every locked crate it lacks is one a
successful build of this cache did without. A newly locked crate (a bump)
is missing and not recorded, so that build goes online at once. Should an
offline run still need the network, the caller runs cargo again online.

Cache invalidation: the record is keyed on the build's feature flags
(config/features.py): a crate one selection did without (an optional
dependency) may be one another selection needs. A record of other features
(or of an older buildpack, a plain list: made with no feature flags) counts
as empty, so that build goes online at once rather than fail offline first.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

from .. import toml_compat

RECORD_NAME = ".buildpack-unneeded-crates.json"


def lock_packages(lockfile: Path) -> list[dict] | None:
    """Cargo.lock's ``[[package]]`` tables; None if unreadable.

    Read once per build, not once per question (a build asks three): the
    same file (inode, mtime, size) gives the same tables."""
    try:
        found = lockfile.stat()
    except OSError:
        return None
    packages = _parsed_packages(str(lockfile), (found.st_ino, found.st_mtime_ns, found.st_size))
    return None if packages is None else list(packages)


@functools.lru_cache(maxsize=4)
def _parsed_packages(lockfile: str, identity: tuple[int, int, int]) -> tuple[dict, ...] | None:
    try:
        text = Path(lockfile).read_text(encoding="utf-8-sig")
    except (OSError, ValueError):
        return None
    scanned = scan_lock_packages(text)
    if scanned is not None:
        return tuple(scanned)
    try:
        lock = toml_compat.loads(text)
    except ValueError:
        return None
    packages = lock.get("package", [])
    if not isinstance(packages, list):
        return None
    return tuple(package for package in packages if isinstance(package, dict))


# What the questions here read of a ``[[package]]`` table.
SCANNED_KEYS = ("name", "version", "source", "checksum")


def scan_lock_packages(text: str) -> list[dict[str, str]] | None:
    """Each ``[[package]]``'s name, version, source and checksum, read line by
    line from a Cargo.lock as cargo writes it; None for anything else (then the
    TOML reader has it).

    Why: this is read on every build, and a lockfile of a few hundred crates is
    too large for toml_subset.py to be quick (toml_compat.py), so it would cost
    every rebuild tomllib's import. Cargo writes one ``key = "value"`` per
    line, arrays of one string per line, and no escapes; a line of any other
    shape (a hand edit, a future format) answers None rather than a guess, and
    an answer here is only ever a hint: cargo runs online when offline fails."""
    packages: list[dict[str, str]] = []
    package: dict[str, str] | None = None
    in_array = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_array:
            if line == "]":
                in_array = False
            elif not (line.startswith('"') and line.rstrip(",").endswith('"')):
                return None
            continue
        if not line or line.startswith("#"):
            continue
        if "\\" in line or "'" in line:
            return None
        if line.startswith("["):
            package = {} if line == "[[package]]" else None
            if package is not None:
                packages.append(package)
            continue
        key, equals, value = (part.strip() for part in line.partition("="))
        if not equals or not key.replace("-", "").replace("_", "").isalnum():
            return None
        if value == "[":
            in_array = True
        elif value.startswith("[") and value.endswith("]"):
            pass  # an array on one line: no key read here is an array
        elif not (value.startswith('"') and value.endswith('"') and len(value) >= 2):
            if package is not None or not value.isdigit():
                return None  # only the file's `version = 4` is not a string
        elif package is not None and key in SCANNED_KEYS:
            if '"' in value[1:-1] or key in package:
                return None
            package[key] = value[1:-1]
    return None if in_array else packages


def _locked(lockfile: Path) -> set[str] | None:
    """``name-version.crate`` of every registry crate in Cargo.lock; None if unreadable."""
    packages = lock_packages(lockfile)
    if packages is None:
        return None
    return {
        f"{package.get('name')}-{package.get('version')}.crate"
        for package in packages
        if str(package.get("source", "")).startswith(("registry+", "sparse+"))
    }


def _cached(cargo_home: Path) -> set[str]:
    return {entry.name for entry in (cargo_home / "registry" / "cache").glob("*/*.crate")}


# cargo checks a git dependency out at git/checkouts/<repository>-<hash>/<commit, 7 digits>.
SHORT_COMMIT = 7


def _git_checkouts_missing(lockfile: Path, cargo_home: Path) -> bool:
    """Whether a locked git dependency has no checkout of its commit in cargo's home.

    Then cargo must fetch it, and an offline run would only fail first ("you
    are in the offline mode") after saying no request was needed. A checkout
    of the same commit from another repository is not told apart here: the
    offline run then fails and cargo runs again online, as for any miss.
    """
    packages = lock_packages(lockfile) or []
    commits = {
        str(package.get("source")).rpartition("#")[2][:SHORT_COMMIT]
        for package in packages
        if str(package.get("source", "")).startswith("git+")
    }
    if not commits:
        return False
    checked_out = {entry.name for entry in (cargo_home / "git" / "checkouts").glob("*/*")}
    return not commits <= checked_out


def _unneeded(cargo_home: Path, features: Sequence[str]) -> set[str]:
    """The crates a build with these feature flags did without (none when unknown)."""
    try:
        record = json.loads((cargo_home / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if isinstance(record, list):  # an older buildpack's: made without feature flags
        record = {"features": [], "crates": record}
    if not isinstance(record, dict) or record.get("features") != list(features):
        return set()
    names = record.get("crates")
    return {name for name in names if isinstance(name, str)} if isinstance(names, list) else set()


def can_run_offline(lockfile: Path, cargo_home: Path, features: Sequence[str] = ()) -> bool:
    locked = _locked(lockfile)
    if locked is None:
        return False
    missing = locked - _cached(cargo_home)
    if not missing <= _unneeded(cargo_home, features):
        return False
    return not _git_checkouts_missing(lockfile, cargo_home)


def remember_unneeded(lockfile: Path, cargo_home: Path, features: Sequence[str] = ()) -> None:
    """After a successful build: the locked crates it did not download, with its
    feature flags."""
    locked = _locked(lockfile)
    if locked is None or not cargo_home.is_dir():
        return
    record = {"features": list(features), "crates": sorted(locked - _cached(cargo_home))}
    (cargo_home / RECORD_NAME).write_text(json.dumps(record) + "\n", encoding="utf-8")
