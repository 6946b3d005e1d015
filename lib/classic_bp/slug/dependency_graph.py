"""The dependency graph of the app's binaries, for the SBOM (sbom.py).

From ``cargo metadata --locked --offline`` when it answers (filtered to the
platform built for, dev-dependencies left out, licences from the manifests),
else from Cargo.lock alone; see sbom.py's docstring for why each choice.
Split from sbom.py: reading cargo's view of the crates is one job, writing
CycloneDX another.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import errors, lazy_re, toml_compat
from ..config import project as cargo_project
from ..platform import output, run
from ..records import record

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

# A slow `cargo metadata` means something is wrong (a held lock); fall back.
METADATA_TIMEOUT_SECONDS = 120
_SHA256 = lazy_re.compile(r"^[0-9a-fA-F]{64}$")
# Dependency tables of a manifest, by the kind cargo metadata reports.
_DEP_TABLES = {
    "dependencies": "normal",
    "build-dependencies": "build",
    "build_dependencies": "build",
    "dev-dependencies": "dev",
    "dev_dependencies": "dev",
}


@record
class SbomSummary:
    path: Path
    component_count: int  # entries of `components`: the crates the app depends on
    used_cargo_metadata: bool


@record
class Crate:
    name: str
    version: str
    source: str | None  # cargo's source id; None for path packages
    checksum: str | None = None
    license: str | None = None
    license_file: str | None = None
    description: str | None = None


@record
class DependencyGraph:
    """Crates by key, their non-dev dependencies, and the app's binary packages."""

    crates: Mapping[str, Crate]
    edges: Mapping[str, tuple[str, ...]]
    roots: tuple[str, ...]
    source_note: str
    from_metadata: bool = False


# --------------------------------------------------------------------------
# Cargo.lock
# --------------------------------------------------------------------------


def read_lockfile(app_root: Path) -> dict[str, Any]:
    path = app_root / "Cargo.lock"
    if not path.is_file():
        raise errors.missing_lockfile(app_root)
    try:
        return toml_compat.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, toml_compat.TOMLDecodeError) as problem:
        raise errors.invalid_cargo_lock(path, str(problem)) from None


def _lock_packages(lock: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    packages = lock.get("package", [])
    return [p for p in packages if isinstance(p, dict) and "name" in p and "version" in p]


def lock_checksums(lock: Mapping[str, Any]) -> dict[tuple[str, str, str | None], str]:
    """SHA-256 of each registry crate, by (name, version, source)."""
    return {
        (p["name"], p["version"], p.get("source")): p["checksum"]
        for p in _lock_packages(lock)
        if isinstance(p.get("checksum"), str) and _SHA256.match(p["checksum"])
    }


# --------------------------------------------------------------------------
# The graph from cargo metadata
# --------------------------------------------------------------------------


def _host_target(
    cargo: Path, environment: Mapping[str, str], counted: bool, host: str | None = None
) -> str | None:
    """The target the binaries were built for: CARGO_BUILD_TARGET, else the host of
    the rustc cargo compiles with ($RUSTC, else the one beside cargo), as cargo
    itself learns it. ``cargo -vV`` only when there is no such rustc: it also
    describes the OS, running ``lsb_release`` (a Python script on Debian and
    Ubuntu) and ``getconf`` beside the build.

    ``host``: the host of the Rust the buildpack installed (a rustup
    toolchain's name ends with it), which is that rustc's host unless $RUSTC
    names another: no `rustc -vV` run then (15 ms of each build)."""
    if environment.get("CARGO_BUILD_TARGET"):
        return environment["CARGO_BUILD_TARGET"]
    if host and not environment.get("RUSTC"):
        return host
    rustc = Path(environment.get("RUSTC") or cargo.with_name("rustc"))
    for asked in ([rustc, "-vV"], [cargo, "-vV"]):
        try:
            completed = run.capture(
                asked, env=environment, timeout=METADATA_TIMEOUT_SECONDS, counted=counted
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in completed.stdout.splitlines() if completed.returncode == 0 else ():
            if line.startswith("host: "):
                return line[len("host: ") :].strip()
    return None


def metadata_command(
    cargo: Path, app_root: Path, target: str | None, features: Sequence[str] = ()
) -> list[str]:
    """``features``: the build's feature flags (config/features.py), so that the
    graph holds the optional dependencies the binaries were built with, and no other."""
    command = [str(cargo), "metadata", "--format-version", "1", "--locked", "--offline"]
    command += ["--manifest-path", str(app_root / "Cargo.toml"), *features]
    if target:
        command += ["--filter-platform", target]
    return command


class MetadataUnavailable(Exception):
    """cargo metadata could not describe the app; the reason is the message."""


def run_cargo_metadata(
    cargo: Path,
    app_root: Path,
    environment: Mapping[str, str],
    target: str | None,
    counted: bool = True,
    features: Sequence[str] = (),
) -> dict[str, Any]:
    env = {**environment, "CARGO_TERM_COLOR": "never"}
    try:
        completed = run.capture(
            metadata_command(cargo, app_root, target, features),
            env=env,
            cwd=app_root,
            timeout=METADATA_TIMEOUT_SECONDS,
            text=False,
            counted=counted,
        )
    except OSError as problem:
        raise MetadataUnavailable(f"could not run {cargo}: {problem.strerror}") from None
    except subprocess.TimeoutExpired:
        raise MetadataUnavailable(f"no answer in {METADATA_TIMEOUT_SECONDS}s") from None
    if completed.returncode != 0:
        last = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise MetadataUnavailable(f"exit code {completed.returncode}: {''.join(last)}")
    try:
        metadata = json.loads(completed.stdout)
    except ValueError as problem:
        raise MetadataUnavailable(f"unreadable output ({problem})") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("resolve"), dict):
        raise MetadataUnavailable("no dependency graph in its output")
    return metadata


def _is_shipped_dependency(dep: Mapping[str, Any]) -> bool:
    """Normal and build dependencies ship in (or shape) the binaries; dev ones do not."""
    kinds = dep.get("dep_kinds")
    if not kinds:  # cargo before 1.41 did not report kinds: keep it
        return True
    return any(kind.get("kind") in (None, "normal", "build") for kind in kinds)


def _metadata_crate(package: Mapping[str, Any], checksums: Mapping[tuple, str]) -> Crate:
    name, version, source = package["name"], package["version"], package.get("source")
    return Crate(
        name=name,
        version=version,
        source=source,
        checksum=checksums.get((name, version, source)),
        license=package.get("license") or None,
        license_file=package.get("license_file") or None,
        description=package.get("description") or None,
    )


def _has_binary(package: Mapping[str, Any]) -> bool:
    return any("bin" in target.get("kind", ()) for target in package.get("targets", ()))


def graph_from_metadata(
    metadata: Mapping[str, Any], checksums: Mapping[tuple, str], target: str | None
) -> DependencyGraph:
    packages = {p["id"]: p for p in metadata["packages"]}
    edges = {
        node["id"]: tuple(d["pkg"] for d in node.get("deps", ()) if _is_shipped_dependency(d))
        for node in metadata["resolve"]["nodes"]
    }
    members = metadata.get("workspace_members", ())
    roots = tuple(sorted(m for m in members if _has_binary(packages[m])))
    platform = f"for {target}" if target else "for every platform"
    return DependencyGraph(
        crates={key: _metadata_crate(p, checksums) for key, p in packages.items()},
        edges=edges,
        roots=roots,
        source_note=f"cargo metadata {platform}; normal and build dependencies",
        from_metadata=True,
    )


# --------------------------------------------------------------------------
# The graph from Cargo.lock alone
# --------------------------------------------------------------------------


def _lock_key(package: Mapping[str, Any]) -> str:
    return f"{package['name']} {package['version']} ({package.get('source') or 'path'})"


def _resolve_lock_dependency(text: str, by_name: Mapping[str, list[Mapping]]) -> str | None:
    """A lock entry's ``dependencies`` item: ``name``, ``name version`` or with ``(source)``."""
    name, _, rest = text.partition(" ")
    version, _, source = rest.partition(" ")
    source = source.strip("()") or None
    for package in by_name.get(name, ()):
        if version and package["version"] != version:
            continue
        if source is None or package.get("source") == source:
            return _lock_key(package)
    return None


def _declared_names(manifest: Mapping[str, Any], kinds: set[str], workspace: Mapping) -> set[str]:
    """Crate names a manifest depends on with one of ``kinds``, renames included."""
    targets = manifest.get("target")
    tables = [manifest, *(targets.values() if isinstance(targets, dict) else ())]
    names: set[str] = set()
    for table in (t for t in tables if isinstance(t, dict)):
        for section, kind in _DEP_TABLES.items():
            if kind not in kinds or not isinstance(table.get(section), dict):
                continue
            for key, spec in table[section].items():
                if isinstance(spec, dict) and spec.get("workspace") is True:
                    spec = workspace.get(key, spec)
                renamed = spec.get("package") if isinstance(spec, dict) else None
                names.add(renamed if isinstance(renamed, str) else key)
    return names


def _dev_only_names(package_dir: Path, workspace: Mapping) -> set[str]:
    manifest = cargo_project.read_manifest(package_dir / "Cargo.toml")
    shipped = _declared_names(manifest, {"normal", "build"}, workspace)
    return _declared_names(manifest, {"dev"}, workspace) - shipped


def _workspace_dependencies(app_root: Path) -> Mapping[str, Any]:
    manifest = cargo_project.read_manifest(app_root / "Cargo.toml")
    workspace = manifest.get("workspace")
    deps = workspace.get("dependencies") if isinstance(workspace, dict) else None
    return deps if isinstance(deps, dict) else {}


def _lock_edges(
    packages: list[Mapping[str, Any]], dev_only: Mapping[str, set[str]]
) -> dict[str, tuple[str, ...]]:
    """Each package's dependencies, less the workspace members' dev-only ones."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for package in packages:
        by_name.setdefault(package["name"], []).append(package)
    edges: dict[str, tuple[str, ...]] = {}
    for package in packages:
        skipped = set() if package.get("source") else dev_only.get(package["name"], set())
        resolved = (
            _resolve_lock_dependency(text, by_name)
            for text in package.get("dependencies", ())
            if text.partition(" ")[0] not in skipped
        )
        edges[_lock_key(package)] = tuple(key for key in resolved if key)
    return edges


def _lock_crate(package: Mapping[str, Any], checksums: Mapping[tuple, str]) -> Crate:
    name, version, source = package["name"], package["version"], package.get("source")
    return Crate(name, version, source, checksum=checksums.get((name, version, source)))


def graph_from_lockfile(app_root: Path, lock: Mapping[str, Any], reason: str) -> DependencyGraph:
    packages = _lock_packages(lock)
    project = cargo_project.load_project(app_root)
    workspace = _workspace_dependencies(app_root)
    dev_only = {p.name: _dev_only_names(p.directory, workspace) for p in project.packages}
    binary_names = {p.name for p in project.binary_packages()}
    roots = (_lock_key(p) for p in packages if not p.get("source") and p["name"] in binary_names)
    checksums = lock_checksums(lock)
    return DependencyGraph(
        crates={_lock_key(p): _lock_crate(p, checksums) for p in packages},
        edges=_lock_edges(packages, dev_only),
        roots=tuple(sorted(roots)),
        source_note=f"Cargo.lock only ({reason}): all platforms and features, no licences",
    )


@record
class MetadataAnswer:
    """What `cargo metadata` said: the target it was filtered to, and its output
    or the reason there is none."""

    target: str | None
    metadata: dict[str, Any] | None
    problem: str | None = None


def ask_cargo_metadata(
    cargo: Path,
    app_root: Path,
    environment: Mapping[str, str],
    counted: bool = True,
    features: Sequence[str] = (),
    host: str | None = None,
) -> MetadataAnswer:
    """cargo's host (or CARGO_BUILD_TARGET), then cargo metadata filtered to it."""
    target = _host_target(cargo, environment, counted, host)
    try:
        metadata = run_cargo_metadata(cargo, app_root, environment, target, counted, features)
    except MetadataUnavailable as problem:
        return MetadataAnswer(target, None, str(problem))
    return MetadataAnswer(target, metadata)


def dependency_graph(
    app_root: Path,
    cargo: Path,
    environment: Mapping[str, str],
    answer: MetadataAnswer | None = None,
    features: Sequence[str] = (),
) -> DependencyGraph:
    """From cargo metadata when it answers, else from Cargo.lock (said in the log).

    ``answer``: cargo metadata's, when it already ran (beside cargo's build:
    early_metadata.py); otherwise it runs now, with ``features``."""
    lock = read_lockfile(app_root)
    if answer is None:
        answer = ask_cargo_metadata(cargo, app_root, environment, features=features)
    if answer.metadata is None:
        output.warning(errors.sbom_from_lockfile(answer.problem or "no answer"))
        return graph_from_lockfile(app_root, lock, "cargo metadata failed")
    return graph_from_metadata(answer.metadata, lock_checksums(lock), answer.target)
