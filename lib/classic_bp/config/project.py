"""What the app is made of, read from its Cargo manifests before anything slow.

Cargo itself is not installed yet when the configuration is validated, so the
packages and their binary targets are found the way cargo's target
auto-discovery does it: ``[[bin]]`` sections, ``src/main.rs``, ``src/bin/*.rs``
and ``src/bin/*/main.rs``, over the root package and the workspace members.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from .. import app_files, errors, toml_compat
from ..records import record

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any


@record
class Package:
    name: str
    directory: Path
    binaries: tuple[str, ...]
    default_run: str | None
    dependencies: frozenset[str] = frozenset()
    # What `--features` may name: [features] and the optional dependencies' own.
    features: frozenset[str] = frozenset()


@record
class CargoProject:
    root: Path
    packages: tuple[Package, ...]
    is_workspace: bool

    @property
    def lockfile(self) -> Path:
        return self.root / "Cargo.lock"

    def binary_packages(self) -> tuple[Package, ...]:
        return tuple(package for package in self.packages if package.binaries)

    def binaries(self) -> tuple[str, ...]:
        return tuple(name for package in self.packages for name in package.binaries)

    def package_of(self, binary: str) -> Package | None:
        return next((p for p in self.packages if binary in p.binaries), None)


def read_manifest(path: Path, app_dir: Path | None = None) -> dict[str, Any]:
    """A Cargo.toml of the app (never through a link leaving ``app_dir``), as cargo
    reads it: a UTF-8 byte order mark is allowed."""
    try:
        text = app_files.read_text(app_dir or path.parent, path, strict=True)
    except UnicodeDecodeError:
        raise errors.invalid_cargo_toml(path, "the file is not UTF-8 text") from None
    try:
        return toml_compat.loads(text)
    except toml_compat.TOMLDecodeError as problem:
        raise errors.invalid_cargo_toml(path, str(problem)) from None


def _declared_binaries(manifest: dict[str, Any], path: Path) -> list[tuple[str, str | None]]:
    declared = manifest.get("bin", [])
    if not isinstance(declared, list):
        raise errors.invalid_cargo_toml(path, "`bin` must be an array of tables ([[bin]])")
    found = []
    for entry in declared:
        if not isinstance(entry, dict):
            raise errors.invalid_cargo_toml(path, "each [[bin]] must be a table")
        target_path = entry.get("path")
        name = entry.get("name") or (PurePosixPath(target_path).stem if target_path else None)
        if not isinstance(name, str) or not name:
            raise errors.invalid_cargo_toml(path, "a [[bin]] section needs a `name`")
        found.append((name, target_path))
    return found


def _discovered_binaries(package_dir: Path, package_name: str) -> list[tuple[str, str]]:
    found = []
    if (package_dir / "src" / "main.rs").is_file():
        found.append((package_name, "src/main.rs"))
    bin_dir = package_dir / "src" / "bin"
    if bin_dir.is_dir():
        for entry in sorted(bin_dir.iterdir()):
            if entry.is_file() and entry.suffix == ".rs":
                found.append((entry.stem, f"src/bin/{entry.name}"))
            elif (entry / "main.rs").is_file():
                found.append((entry.name, f"src/bin/{entry.name}/main.rs"))
    return found


def _binaries(manifest: dict[str, Any], package_dir: Path, path: Path) -> tuple[str, ...]:
    package = manifest["package"]
    declared = _declared_binaries(manifest, path)
    names = [name for name, _ in declared]
    if package.get("autobins", True) is not False:
        declared_paths = {target for _, target in declared if target}
        for name, target in _discovered_binaries(package_dir, package["name"]):
            if name not in names and target not in declared_paths:
                names.append(name)
    return tuple(names)


def _package(manifest: dict[str, Any], package_dir: Path, path: Path) -> Package:
    package = manifest.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        raise errors.invalid_cargo_toml(path, "[package] needs a `name`")
    default_run = package.get("default-run")
    return Package(
        name=package["name"],
        directory=package_dir,
        binaries=_binaries(manifest, package_dir, path),
        default_run=default_run if isinstance(default_run, str) else None,
        dependencies=_dependency_names(manifest.get("dependencies", {})),
        features=_features(manifest),
    )


def _dependency_names(table: object) -> frozenset[str]:
    """Crate names of the normal dependencies, renames resolved to the real crate."""
    if not isinstance(table, dict):
        return frozenset()
    names = set()
    for key, spec in table.items():
        renamed = spec.get("package") if isinstance(spec, dict) else None
        names.add(renamed if isinstance(renamed, str) else key)
    return frozenset(names)


def _dependency_tables(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every table of dependencies that may be optional: normal and build, also per target."""
    targets = manifest.get("target")
    scopes = [manifest, *(targets.values() if isinstance(targets, dict) else ())]
    return [
        table
        for scope in scopes
        if isinstance(scope, dict)
        for key in ("dependencies", "build-dependencies", "build_dependencies")
        if isinstance(table := scope.get(key), dict)
    ]


def _features(manifest: dict[str, Any]) -> frozenset[str]:
    """The feature names cargo accepts for this package: those of ``[features]``, and
    each optional dependency's implicit one, unless a feature names it as ``dep:``."""
    declared = manifest.get("features")
    declared = declared if isinstance(declared, dict) else {}
    hidden = {
        entry[len("dep:") :]
        for entries in declared.values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, str) and entry.startswith("dep:")
    }
    optional = {
        name
        for table in _dependency_tables(manifest)
        for name, spec in table.items()
        if isinstance(spec, dict) and spec.get("optional") is True
    }
    return frozenset(declared) | frozenset(optional - hidden)


def _member_dirs(root: Path, workspace: dict[str, Any], manifest_path: Path) -> list[Path]:
    members = workspace.get("members", [])
    exclude = workspace.get("exclude", [])
    for key, value in (("members", members), ("exclude", exclude)):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise errors.invalid_cargo_toml(manifest_path, f"`workspace.{key}` must list paths")
    excluded = {(root / pattern).resolve() for pattern in exclude}
    dirs: list[Path] = []
    for pattern in members:
        if any(char in pattern for char in "*?["):
            matches = sorted(
                p for p in _glob(root, pattern, manifest_path) if (p / "Cargo.toml").is_file()
            )
        else:
            if not (root / pattern / "Cargo.toml").is_file():
                raise errors.missing_workspace_member(manifest_path, pattern)
            matches = [root / pattern]
        dirs.extend(m for m in matches if m.resolve() not in excluded and m not in dirs)
    return dirs


def _glob(root: Path, pattern: str, manifest_path: Path) -> list[Path]:
    try:
        return list(root.glob(pattern))
    except (ValueError, NotImplementedError) as problem:  # "", "/abs", "a/**b"
        raise errors.invalid_cargo_toml(
            manifest_path, f"workspace member pattern {pattern!r}: {problem}"
        ) from None


def load_project(root: Path) -> CargoProject:
    """Read the root manifest and every workspace member; fail on the first problem."""
    manifest_path = root / "Cargo.toml"
    if not manifest_path.is_file():
        raise errors.missing_cargo_toml(root)
    manifest = read_manifest(manifest_path, root)
    packages: list[Package] = []
    if "package" in manifest:
        packages.append(_package(manifest, root, manifest_path))
    workspace = manifest.get("workspace")
    if isinstance(workspace, dict):
        for member_dir in _member_dirs(root, workspace, manifest_path):
            if member_dir.resolve() == root.resolve():
                continue
            member_path = member_dir / "Cargo.toml"
            packages.append(_package(read_manifest(member_path, root), member_dir, member_path))
    elif "package" not in manifest:
        raise errors.invalid_cargo_toml(manifest_path, "it has neither [package] nor [workspace]")
    return CargoProject(root=root, packages=tuple(packages), is_workspace=workspace is not None)
