"""A CycloneDX 1.6 JSON SBOM of the crates that went into the app's binaries.

Written after the app's ``cargo build`` succeeded and before the app's sources leave
BUILD_DIR, so that whoever runs the slug can tell which crate versions it
contains (vulnerability scanners, licence audits).

Where the dependency graph comes from:

- ``cargo metadata --locked --offline``: the build just downloaded every crate
  into CARGO_HOME, so this needs no network and takes a fraction of a second.
  It is filtered to the platform the binaries were built for (otherwise every
  ``cfg(windows)`` crate would be listed), and it knows each dependency's kind:
  normal and build dependencies are kept (build scripts and proc macros shape
  the binaries), dev-dependencies are not. Licences and descriptions come from
  the crates' manifests.
- Cargo.lock alone, when cargo metadata fails: the same crates and checksums,
  but for every platform and without licences; the workspace members'
  dev-dependencies are still left out by reading their manifests. The
  document and the build log say which source was used.

SHA-256 hashes are Cargo.lock's checksums, which cargo verified against the
downloaded ``.crate`` files. Package URLs follow the purl spec for cargo:
``pkg:cargo/<name>@<version>`` for crates.io, a ``repository_url`` qualifier
for other registries, ``vcs_url`` for git sources, and none for path packages
(the app's own code, which no registry can point at).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from .. import __version__, errors
from ..fetch.urls import display_url
from ..platform import output
from ..records import record
from .dependency_graph import Crate, DependencyGraph, MetadataAnswer, dependency_graph
from .early_metadata import MetadataBesideBuild
from .sbom_reuse import GraphMemory

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

SPEC_VERSION = "1.6"
TOOL_NAME = "classic-bp"
PROPERTY_SOURCE = "classic-bp:dependency-source"
CRATES_IO_SOURCES = frozenset(
    {
        "registry+https://github.com/rust-lang/crates.io-index",
        "sparse+https://index.crates.io/",
    }
)


@record
class SbomSummary:
    path: Path
    component_count: int  # entries of `components`: the crates the app depends on
    used_cargo_metadata: bool


# --------------------------------------------------------------------------
# CycloneDX
# --------------------------------------------------------------------------


def _quote(text: str) -> str:
    return quote(text, safe="")


def package_url(crate: Crate) -> str | None:
    """The crate's purl, or None for path packages and unknown sources."""
    base = f"pkg:cargo/{_quote(crate.name)}@{_quote(crate.version)}"
    source = crate.source
    if source is None or source.startswith("path+"):
        return None
    if source in CRATES_IO_SOURCES:
        return base
    if source.startswith(("registry+", "sparse+")):
        index = display_url(source.split("+", 1)[1])  # never a token in the slug
        return f"{base}?repository_url={quote(index, safe=':/')}"
    if source.startswith("git+"):
        repository, _, commit = display_url(source).partition("#")
        vcs_url = repository.split("?", 1)[0] + (f"@{commit}" if commit else "")
        return f"{base}?vcs_url={quote(vcs_url, safe=':/')}"
    return None


def bom_ref(crate: Crate) -> str:
    """Stable across builds and build directories: the purl, else name@version."""
    return package_url(crate) or f"{crate.name}@{crate.version}"


def spdx_expression(license_text: str) -> str:
    """cargo's deprecated ``MIT/Apache-2.0`` means ``MIT OR Apache-2.0``."""
    if "/" not in license_text:
        return license_text.strip()
    return " OR ".join(part.strip() for part in license_text.split("/") if part.strip())


def _licenses(crate: Crate) -> list[dict[str, Any]]:
    if crate.license:
        return [{"expression": spdx_expression(crate.license)}]
    if crate.license_file:
        return [{"license": {"name": PurePosixPath(crate.license_file).name}}]
    return []


def component(crate: Crate, kind: str = "library") -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": kind,
        "bom-ref": bom_ref(crate),
        "name": crate.name,
        "version": crate.version,
    }
    if crate.description:
        entry["description"] = " ".join(crate.description.split())
    if crate.checksum:
        entry["hashes"] = [{"alg": "SHA-256", "content": crate.checksum.lower()}]
    licenses = _licenses(crate)
    if licenses:
        entry["licenses"] = licenses
    purl = package_url(crate)
    if purl:
        entry["purl"] = purl
    return entry


def reachable(graph: DependencyGraph) -> list[str]:
    """Keys of every crate the binary packages depend on, roots excluded, sorted."""
    seen: set[str] = set(graph.roots)
    stack = list(graph.roots)
    while stack:
        for dep in graph.edges.get(stack.pop(), ()):
            if dep not in seen and dep in graph.crates:
                seen.add(dep)
                stack.append(dep)
    found = seen - set(graph.roots)
    return sorted(found, key=lambda key: (graph.crates[key].name, bom_ref(graph.crates[key])))


def application(graph: DependencyGraph) -> tuple[dict[str, Any], list[str]]:
    """metadata.component and the refs it stands for in the dependency graph.

    One binary package is the application itself; several are nested in an
    application named after them, which depends on each of them.
    """
    apps = [component(graph.crates[key], "application") for key in graph.roots]
    if len(apps) == 1:
        return apps[0], []
    name = ", ".join(sorted(app["name"] for app in apps)) or "app"
    root = {"type": "application", "bom-ref": f"{TOOL_NAME}:application", "name": name}
    if apps:
        root["components"] = apps
    return root, [app["bom-ref"] for app in apps]


def dependencies(graph: DependencyGraph, keys: Iterable[str]) -> list[dict[str, Any]]:
    entries = []
    for key in keys:
        depends_on = {
            bom_ref(graph.crates[dep]) for dep in graph.edges.get(key, ()) if dep in graph.crates
        }
        entries.append({"ref": bom_ref(graph.crates[key]), "dependsOn": sorted(depends_on)})
    return entries


def build_document(graph: DependencyGraph, serial: str, timestamp: str) -> dict[str, Any]:
    """The whole BOM; only ``serial`` (a ``urn:uuid:``) and ``timestamp`` vary between
    identical builds."""
    app, app_parts = application(graph)
    keys = reachable(graph)
    graph_entries = dependencies(graph, [*graph.roots, *keys])
    if app_parts:
        graph_entries.insert(0, {"ref": app["bom-ref"], "dependsOn": sorted(app_parts)})
    tool = {"type": "application", "name": TOOL_NAME, "version": __version__}
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "lifecycles": [{"phase": "build"}],
            "tools": {"components": [tool]},
            "component": app,
            "properties": [{"name": PROPERTY_SOURCE, "value": graph.source_note}],
        },
        "components": [component(graph.crates[key]) for key in keys],
        "dependencies": sorted(graph_entries, key=lambda entry: entry["ref"]),
    }


def _now() -> str:
    """UTC to the second, as CycloneDX's examples write it: 2026-01-01T00:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def serial_number() -> str:
    """A random (version 4) UUID as a URN, RFC 9562's layout: the uuid module
    would import platform, and datetime's is another import, on every build."""
    value = int.from_bytes(os.urandom(16), "big")
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # variant 10xx
    digits = f"{value:032x}"
    return f"urn:uuid:{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def document_text(document: Mapping[str, Any]) -> str:
    """The JSON text: one field per line, one item per line in a list (a component,
    a dependency entry), so that it reads and diffs line by line as ``indent=2``
    does. ``indent=`` would make json use its pure-Python encoder, about 2 ms of
    every build for an app of 150 crates; each line here is written by its C one."""
    lines = []
    for key, value in document.items():
        name = json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value:
            items = ",\n    ".join(json.dumps(item, ensure_ascii=False) for item in value)
            lines.append(f"  {name}: [\n    {items}\n  ]")
        else:
            lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _write_atomically(destination: Path, text: str) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, destination)


def write_sbom(
    app_root: Path,
    cargo: Path,
    environment: Mapping[str, str],
    destination: Path,
    answer: MetadataAnswer | None = None,
    features: Sequence[str] = (),
    graph: DependencyGraph | None = None,
) -> SbomSummary:
    """Write the app's CycloneDX JSON SBOM to ``destination`` (``answer``: cargo
    metadata's, when it ran beside the build; ``features``: the build's feature
    flags, for cargo metadata run now; ``graph``: the last build's, still valid
    (sbom_reuse.py), and then cargo metadata does not run)."""
    if graph is None:
        graph = dependency_graph(app_root, cargo, environment, answer, features)
    document = build_document(graph, serial_number(), _now())
    _write_atomically(destination, document_text(document))
    return SbomSummary(
        path=destination,
        component_count=len(document["components"]),
        used_cargo_metadata=graph.from_metadata,
    )


SBOM_PATH = Path(".rust-buildpack") / "sbom.cdx.json"


def sbom_step(
    build_dir: Path,
    app_root: Path,
    cargo: Path,
    environment: Mapping[str, str],
    early: MetadataBesideBuild | None = None,
    features: Sequence[str] = (),
    memory: GraphMemory | None = None,
    recalled: DependencyGraph | None = None,
) -> None:
    """A CycloneDX SBOM in the slug; a failure here never fails a build that compiled.

    ``app_root`` holds Cargo.toml: the build dir, or RustConfig's BUILD_PATH in it.
    ``early``: cargo metadata run beside the build (early_metadata.py).
    ``features``: the build's feature flags (config/features.py).
    ``memory``: where the graph is kept for the next build, and ``recalled``
    the last build's, still valid (sbom_reuse.py)."""
    with output.timed_step("Writing the SBOM", "sbom"):
        try:
            answer = early.answer() if early is not None else None
            destination = build_dir / SBOM_PATH
            graph = recalled
            if graph is None:
                graph = dependency_graph(app_root, cargo, environment, answer, features)
            summary = write_sbom(app_root, cargo, environment, destination, answer, features, graph)
        except errors.BuildError as problem:
            output.warning(errors.sbom_not_written(problem))
            return
        if memory is not None and recalled is None and answer is not None and answer.metadata:
            memory.keep(graph, answer.metadata)
        source = "from cargo metadata" if summary.used_cargo_metadata else "from Cargo.lock only"
        if recalled is not None:
            source = "kept from the last build"  # nothing cargo metadata reads changed
        output.detail(
            f"{SBOM_PATH.as_posix()}: CycloneDX,"
            f" {output.plural(summary.component_count, 'component')} ({source})"
        )
