"""The SBOM's dependency graph, reused while nothing cargo metadata reads has changed.

Why: a rebuild with nothing changed spends about 30 ms on the SBOM's
``cargo metadata``, after cargo's no-op (there is no compile to run it
beside), for the very graph the last build found: a tenth of such a build.

When the last build's graph is reused: the digest of everything its
``cargo metadata`` answer depends on is the same as then:

- Cargo.lock (every crate's version, source and checksum: a registry or git
  crate's own manifest cannot change under a locked checksum or commit);
- every manifest of the app's own packages (their dependencies, features,
  licences, descriptions), as listed by that answer, and the app's binary
  sources cargo discovers without a manifest line (``src/main.rs``,
  ``src/bin/``): a new binary is a new root of the graph;
- the cargo configuration files that apply (the app's ``.cargo/config`` and
  those of its parent folders, cargo's home's), and the environment cargo
  and rustc read (``CARGO_*``, ``RUST*``): source replacement, patches, the
  flags ``cfg`` conditions are evaluated with;
- the features the build was given, the target platform, the Rust version
  and this buildpack's version.

Otherwise, or when a package of the app lives outside its folder, cargo
metadata runs as before, and a graph it gives is kept for the next build.
The record is one key file of the cache, written atomically; an unreadable
one means running cargo metadata.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import __version__, cache
from ..cache import CacheLayout
from ..digests import sha256
from ..records import asdict
from .dependency_graph import Crate, DependencyGraph

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

RECORD = "sbom-graph"
# Bump when what a record holds, or how the graph is made from cargo metadata, changes.
FORMAT = 1
_CONFIG_NAMES = ("config", "config.toml")
_ENVIRONMENT_PREFIXES = ("CARGO_", "RUST")


ABSENT = b"\0absent"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return ABSENT


def _config_contents(app_root: Path, environment: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """The cargo configuration that applies, by role, not by path: a fresh checkout
    sits in a new folder, and only what its files say counts."""
    found = [(f"app .cargo/{name}", _read(app_root / ".cargo" / name)) for name in _CONFIG_NAMES]
    for folder in app_root.parents:  # only those there: the depth of the checkout varies
        for name in _CONFIG_NAMES:
            content = _read(folder / ".cargo" / name)
            if content != ABSENT:
                found.append((f"parent .cargo/{name}", content))
    cargo_home = environment.get("CARGO_HOME")
    if cargo_home:
        found += [(f"cargo home {name}", _read(Path(cargo_home) / name)) for name in _CONFIG_NAMES]
    return found


def _binary_sources(package_dir: Path) -> list[str]:
    """The files cargo makes binaries of without a ``[[bin]]`` line."""
    found = ["src/main.rs"] if (package_dir / "src" / "main.rs").is_file() else []
    bin_dir = package_dir / "src" / "bin"
    if bin_dir.is_dir():
        for entry in sorted(os.scandir(bin_dir), key=lambda entry: entry.name):
            if entry.name.endswith(".rs") or (Path(entry.path) / "main.rs").is_file():
                found.append(f"src/bin/{entry.name}")
    return found


def digest(
    app_root: Path,
    manifests: Sequence[str],
    environment: Mapping[str, str],
    features: Sequence[str],
    target: str | None,
    rust_version: str,
) -> str:
    """Of everything listed in the module's docstring; ``manifests``: the app's
    packages' Cargo.toml files, relative to ``app_root``."""
    hashed = sha256()

    def add(label: str, content: bytes) -> None:
        hashed.update(f"{label}\0{len(content)}\0".encode())
        hashed.update(content)

    add("format", f"{FORMAT} {__version__} {rust_version} {target}".encode())
    add("features", "\0".join(features).encode())
    for name in sorted(environment):
        if name.startswith(_ENVIRONMENT_PREFIXES):
            add(f"env {name}", environment[name].encode("utf-8", "surrogateescape"))
    add("Cargo.lock", _read(app_root / "Cargo.lock"))
    for manifest in sorted(manifests):
        path = app_root / manifest
        add(manifest, _read(path))
        add(f"binaries of {manifest}", "\0".join(_binary_sources(path.parent)).encode())
    for label, content in _config_contents(app_root, environment):
        add(label, content)
    return hashed.hexdigest()


def app_manifests(graph_metadata: Mapping[str, Any], app_root: Path) -> list[str] | None:
    """The app's packages' manifests in cargo metadata's answer, relative to
    ``app_root``; None when one lies outside it (its changes would go unseen)."""
    found = set()
    root = os.path.realpath(app_root)
    # The workspace's own manifest (members, [patch], workspace dependencies),
    # a package's or not, then each package's.
    workspace = graph_metadata.get("workspace_root")
    manifests = [os.path.join(str(workspace), "Cargo.toml")] if workspace else []
    for package in graph_metadata.get("packages", ()):
        if package.get("source") is None:
            manifests.append(str(package.get("manifest_path", "")))
    for manifest in manifests:
        relative = os.path.relpath(os.path.realpath(manifest), root)
        if relative.startswith(".."):
            return None
        found.add(Path(relative).as_posix())
    return sorted(found)


class SbomReuse:
    """The last build's graph, and the key it was kept under."""

    def __init__(self, layout: CacheLayout) -> None:
        self._path = layout.key_path(RECORD)
        stored = cache.read_key(self._path)
        self._stored: dict = stored if isinstance(stored, dict) else {}

    @property
    def manifests(self) -> list[str] | None:
        found = self._stored.get("manifests")
        if isinstance(found, list) and all(isinstance(item, str) for item in found):
            return found
        return None

    def graph(self, key: str) -> DependencyGraph | None:
        """The kept graph when its key is ``key``; None otherwise, or when damaged."""
        if self._stored.get("key") != key:
            return None
        try:
            return _graph_from_record(self._stored["graph"])
        except (KeyError, TypeError, ValueError):
            return None

    def keep(self, key: str, manifests: Sequence[str], graph: DependencyGraph) -> None:
        """For the next build; a cache that cannot be written only means running cargo
        metadata again."""
        record = {"key": key, "manifests": list(manifests), "graph": _graph_record(graph)}
        try:
            cache.write_key(self._path, record)
        except OSError:
            return

    def forget(self) -> None:
        cache.forget_key(self._path)


def _graph_record(graph: DependencyGraph) -> dict[str, Any]:
    return {
        "crates": {key: asdict(crate) for key, crate in graph.crates.items()},
        "edges": {key: list(targets) for key, targets in graph.edges.items()},
        "roots": list(graph.roots),
        "source_note": graph.source_note,
        "from_metadata": graph.from_metadata,
    }


def _graph_from_record(record: Mapping[str, Any]) -> DependencyGraph:
    return DependencyGraph(
        crates={key: Crate(**fields) for key, fields in record["crates"].items()},
        edges={key: tuple(targets) for key, targets in record["edges"].items()},
        roots=tuple(record["roots"]),
        source_note=str(record["source_note"]),
        from_metadata=bool(record["from_metadata"]),
    )


class GraphMemory:
    """One build's side of the reuse: what it recalls, and what it keeps."""

    def __init__(
        self,
        layout: CacheLayout,
        app_root: Path,
        environment: Mapping[str, str],
        features: Sequence[str],
        target: str,
        rust_version: str,
    ) -> None:
        self._record = SbomReuse(layout)
        self._app_root = app_root
        self._inputs = (dict(environment), tuple(features), target, rust_version)

    def _key(self, manifests: Sequence[str]) -> str | None:
        environment, features, target, rust_version = self._inputs
        try:
            return digest(self._app_root, manifests, environment, features, target, rust_version)
        except (OSError, UnicodeError):
            return None

    def recall(self) -> DependencyGraph | None:
        """The last build's graph, when nothing it depends on changed since."""
        manifests = self._record.manifests
        key = self._key(manifests) if manifests else None
        return self._record.graph(key) if key else None

    def keep(self, graph: DependencyGraph, metadata: Mapping[str, Any]) -> None:
        """A graph cargo metadata gave, run on this build's app (at ``app_root``)."""
        manifests = app_manifests(metadata, self._app_root)
        key = self._key(manifests) if manifests else None
        if key is None or not graph.from_metadata:
            self._record.forget()
            return
        self._record.keep(key, manifests, graph)
