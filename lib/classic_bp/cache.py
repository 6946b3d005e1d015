"""Records of what each cached directory was built from, and why to discard it.

Each cached thing (rustup-init, the toolchain, cargo's home, the target dir)
has a key: a small JSON object stored in the cache next to it. A build
compares the key it needs with the stored one and gets back every difference
as a sentence, so the log says exactly why a cache was thrown away. Keys are
written atomically, after the thing they describe is complete, so a build
killed midway leaves either a valid record or none (which means "discard").
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .records import record

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

# Bump when the cache layout changes incompatibly: older caches are discarded whole.
LAYOUT_VERSION = 1


@record
class CacheLayout:
    """Where everything lives inside the platform's CACHE_DIR.

    Everything is below one folder of its own, because other buildpacks of a
    multi-buildpack app share CACHE_DIR.
    """

    cache_dir: Path

    @property
    def root(self) -> Path:
        return self.cache_dir / "rust-buildpack"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def rustup_init(self) -> Path:
        return self.root / "rustup-init" / "rustup-init"

    @property
    def rustup_home(self) -> Path:
        return self.root / "rustup"

    @property
    def rustup_bin_home(self) -> Path:
        """CARGO_HOME given to rustup-init: only rustup's proxies (bin/) live there."""
        return self.root / "rustup-proxies"

    @property
    def proxies_bin(self) -> Path:
        return self.rustup_bin_home / "bin"

    @property
    def cargo_home(self) -> Path:
        return self.root / "cargo"

    @property
    def tools_root(self) -> Path:
        """cargo install --root for BP_CARGO_INSTALL_TOOLS: never part of the slug."""
        return self.root / "tools"

    @property
    def target_dir(self) -> Path:
        return self.root / "target"

    @property
    def standalone_rust(self) -> Path:
        """The Rust install prefix when rustup is off (BP_RUSTUP_ENABLED=false)."""
        return self.root / "rust"

    def key_path(self, name: str) -> Path:
        return self.keys / f"{name}.json"


UNREADABLE = object()


def read_key(path: Path) -> dict[str, Any] | object | None:
    """The stored key, None when there is none, UNREADABLE when it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return UNREADABLE
    return data if isinstance(data, dict) else UNREADABLE


def write_key(path: Path, key: Mapping[str, Any]) -> None:
    """Stored whole (a temporary file renamed over the key), or not at all when
    the key already holds exactly this: most keys are the same from one build
    to the next, and each write costs an fsync."""
    text = json.dumps(dict(key), indent=2, sort_keys=True) + "\n"
    with contextlib.suppress(OSError, UnicodeError):
        if path.read_text(encoding="utf-8") == text:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            # On disk before the rename: a crash never leaves an empty key in place.
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)  # no half-written leftover in the cache
        raise


def forget_key(path: Path) -> None:
    path.unlink(missing_ok=True)


def reasons_to_discard(
    stored: dict[str, Any] | object | None,
    wanted: Mapping[str, Any],
    labels: Mapping[str, str],
) -> list[str]:
    """Every difference between the stored and wanted keys, as sentences.

    ``labels`` names the fields users care about; other differences are
    reported generically. An empty list means the cache can be reused.
    Only the wanted fields count: a field this version does not know (a newer
    buildpack's, in a cache of the same layout version) says nothing about
    what this version relies on, and is dropped when the key is written again.
    """
    if stored is None:
        return []
    if stored is UNREADABLE:
        return ["its cache record is unreadable"]
    assert isinstance(stored, dict)
    reasons = []
    for field in sorted(wanted):
        old, new = stored.get(field), wanted.get(field)
        if old != new:
            label = labels.get(field, field.replace("_", " "))
            reasons.append(f"the {label} changed from {_show(old)} to {_show(new)}")
    return reasons


def _show(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _leaves(link: Path, root: Path) -> bool:
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return True  # dangling or a loop: nothing the cache needs
    return target != root and root not in target.parents


def drop_outside_links(layout: CacheLayout) -> list[str]:
    """Remove every link in the cache's upper levels that leaves the cache.

    cargo writes through the target dir and the pruning deletes in it; a link
    there (or anywhere the buildpack writes or discards: the cache's own
    folder, cargo's home, the toolchains) to an outside directory would have
    outside files written or deleted. The buildpack never makes such a link,
    so one is damage or an attack: the link goes (never what it points to),
    and the layer behind it is rebuilt. Returns the links removed, for the log.
    """
    removed: list[str] = []
    root = layout.root
    if root.is_symlink():
        root.unlink()
        return [root.name]
    base = root.resolve() if root.is_dir() else root
    pending = [(root, 0)]
    while pending:
        folder, depth = pending.pop()
        limit = 4 if folder == layout.target_dir or layout.target_dir in folder.parents else 2
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                if _leaves(entry, base):
                    entry.unlink()
                    removed.append(entry.relative_to(root).as_posix())
            elif depth + 1 < limit and entry.is_dir():
                pending.append((entry, depth + 1))
    return removed


def remove_tree(path: Path) -> None:
    """Delete a cached directory; a half-deleted one is as good as deleted.

    A link is unlinked, never followed; shutil.rmtree does not follow the
    links inside (drop_outside_links keeps the folders above it real)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def ensure_layout(layout: CacheLayout) -> list[str]:
    """Discard a cache written by an incompatible buildpack version; say why."""
    marker = layout.key_path("layout")
    stored = read_key(marker)
    wanted = {"layout_version": LAYOUT_VERSION}
    reasons = reasons_to_discard(stored, wanted, {"layout_version": "cache layout version"})
    if stored is None and layout.root.exists():
        reasons = ["it was written by an unknown version of this buildpack"]
    if reasons:
        remove_tree(layout.root)
    if reasons or stored is None:
        write_key(marker, wanted)
    return reasons
