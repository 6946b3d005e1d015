"""Keep the cached target dir from growing build after build.

cargo never deletes artifacts: after a dependency bump the old version's
files stay in target/<profile>/{deps,build,.fingerprint} forever. Every
build here runs cargo with JSON messages, which name every unit the build
used, fresh or not; after a successful build, entries of the same profile
dirs whose ``<name>-<hash>`` is not among them are stale and are removed.

A size budget (BP_CACHE_MAX_SIZE) bounds the whole cache: when it is still
over after pruning, the target dir is discarded (the next build is a cold
one, but the cache stays usable). The size comes from cache_size.py, which
does not re-read the crates cargo unpacked in earlier builds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from .. import cache, lazy_re
from ..platform import output, report
from ..records import field, mutable_record, record
from .cache_size import TargetUnits, cache_size, tree_size, units_token
from .caches import TARGET_DIR

HASHED_NAME = lazy_re.compile(r"^(?:lib)?(?P<stem>.+?)-(?P<hash>[0-9a-f]{16})(?:\..*)?$")
UNIT_DIRS = ("deps", "build", ".fingerprint")


@mutable_record
class CargoUnits:
    """Hashes of the units cargo reported, and the profile dirs they live in."""

    hashes: set[str] = field(default_factory=set)
    profile_dirs: set[Path] = field(default_factory=set)
    # Binaries are reported by their uplifted path only (target/release/web),
    # without the hash of their deps/ and .fingerprint/ entries.
    unhashed_names: set[str] = field(default_factory=set)
    # Binaries built (or found fresh) by this build: name -> path in the target dir;
    # the binaries are these, never whatever happens to be in BUILD_DIR/bin.
    executables: dict[str, Path] = field(default_factory=dict)
    # name -> the manifests of the packages that build a binary of that name.
    manifests: dict[str, set[str]] = field(default_factory=dict)
    # Units cargo compiled rather than found fresh (a build script's run makes
    # its package's unit compile again).
    compiled: int = 0

    def add_message(self, line: str) -> bool:
        """Record one line of cargo's stdout; True when it was a JSON message."""
        if not line.startswith("{"):
            return False
        try:
            message = json.loads(line)
        except ValueError:
            return False
        if not isinstance(message, dict) or "reason" not in message:
            return False
        if message["reason"] == "compiler-artifact" and message.get("fresh") is not True:
            self.compiled += 1
        kinds = message.get("target", {}).get("kind", [])
        # Examples too: `cargo install --example x` installs them.
        if message.get("executable") and ("bin" in kinds or "example" in kinds):
            name = message["target"]["name"]
            self.executables[name] = Path(message["executable"])
            self.manifests.setdefault(name, set()).add(str(message.get("manifest_path")))
        paths = list(message.get("filenames") or [])
        if message.get("out_dir"):
            paths.append(message["out_dir"])
        for raw in paths:
            self._add_path(Path(raw))
        return True

    def token(self) -> int:
        """The units this build used, as a number (cache_size.py)."""
        return units_token(self.hashes | self.unhashed_names)

    def clashes(self) -> dict[str, list[str]]:
        """Binary names built by more than one package: one file would overwrite
        the other in bin/ (cargo only warns), so the build must fail."""
        return {name: sorted(paths) for name, paths in self.manifests.items() if len(paths) > 1}

    def _add_path(self, path: Path) -> None:
        for part in path.parts:
            match = HASHED_NAME.match(part)
            if match:
                self.hashes.add(match["hash"])
        for ancestor in path.parents:
            if ancestor.name in UNIT_DIRS:
                self.profile_dirs.add(ancestor.parent)
                return
        # An uplifted artifact: target/<profile>/<name>
        self.profile_dirs.add(path.parent)
        if not HASHED_NAME.match(path.name):
            self.unhashed_names.add(path.name.split(".")[0].replace("-", "_"))


@record
class PruneReport:
    removed: int
    freed_bytes: int


def _newest_hashes(profile_dir: Path, names: set[str]) -> set[str]:
    """For binaries reported without a hash: the hash of their newest deps/ entry."""
    newest: dict[str, tuple[float, str]] = {}
    deps = profile_dir / "deps"
    for entry in deps.iterdir() if deps.is_dir() else []:
        match = HASHED_NAME.match(entry.name)
        stem = match["stem"].replace("-", "_") if match else None
        if match and stem in names:
            mtime = entry.lstat().st_mtime
            if stem not in newest or mtime > newest[stem][0]:
                newest[stem] = (mtime, match["hash"])
    return {hash_ for _, hash_ in newest.values()}


def _stale_entries(profile_dir: Path, live: set[str]) -> Iterable[Path]:
    for unit_dir in UNIT_DIRS:
        folder = profile_dir / unit_dir
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            match = HASHED_NAME.match(entry.name)
            if match and match["hash"] not in live:
                yield entry


def prune_stale_units(target_dir: Path, units: CargoUnits) -> PruneReport:
    removed = freed = 0
    if not units.hashes:
        return PruneReport(0, 0)  # nothing reported: never guess
    target = target_dir.resolve()
    for profile_dir in sorted(units.profile_dirs):
        if target not in profile_dir.resolve().parents:
            continue  # only ever inside our own target dir
        live = units.hashes | _newest_hashes(profile_dir, units.unhashed_names)
        for entry in list(_stale_entries(profile_dir, live)):
            freed += tree_size(entry)
            cache.remove_tree(entry)
            removed += 1
    return PruneReport(removed, freed)


def enforce_budget(
    layout: cache.CacheLayout, budget: int, target: TargetUnits | None = None
) -> tuple[int, bool]:
    """The cache's size, after discarding the target dir when over ``budget``."""
    size = cache_size(layout, target)
    if size <= budget:
        return size, False
    TARGET_DIR.discard(layout)
    return cache_size(layout), True


def report_cache_size(
    layout: cache.CacheLayout, budget_bytes: int, target: TargetUnits | None = None
) -> None:
    """``target``: the units this build used (cache_size.py), or None to walk it."""
    size, discarded = enforce_budget(layout, budget_bytes, target)
    budget = output.format_size(budget_bytes)
    if discarded:
        output.detail(
            f"The cache was over its budget of {budget} (BP_CACHE_MAX_SIZE):"
            " discarded the build artifacts"
        )
    report.record("cache_bytes", size)
    report.record("cache_budget_bytes", budget_bytes)
