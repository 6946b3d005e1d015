"""`cargo build -p` names the app's package alone, even when Cargo.lock holds
another package of the same name (cargo/package_specs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classic_bp.cargo.package_specs import package_spec

REGISTRY = 'source = "registry+https://github.com/rust-lang/crates.io-index"\n'


def lock(tmp_path: Path, *packages: tuple[str, str, bool]) -> Path:
    """A Cargo.lock of (name, version, from the registry) packages."""
    text = "version = 4\n"
    for name, version, registry in packages:
        text += f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
        text += REGISTRY if registry else ""
    path = tmp_path / "Cargo.lock"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("packages", "spec"),
    [
        ([("web", "0.1.0", False), ("serde", "1.0.0", True)], "web"),
        ([("log", "0.1.0", False), ("log", "0.4.20", True)], "log@0.1.0"),
        ([("log", "0.4.20", True), ("log", "0.1.0", False), ("log", "0.3.9", True)], "log@0.1.0"),
        # Nothing tells them apart by version: cargo's own error lists the specs.
        ([("log", "0.1.0", False), ("log", "0.2.0", False)], "log"),
        ([("log", "0.4.20", False), ("log", "0.4.20", True)], "log"),
    ],
)
def test_the_app_s_package_is_named_alone(tmp_path, packages, spec) -> None:
    assert (
        package_spec(packages[0][0] if spec == "web" else "log", lock(tmp_path, *packages)) == spec
    )


def test_without_a_readable_lock_the_name_is_kept(tmp_path) -> None:
    assert package_spec("web", tmp_path / "Cargo.lock") == "web"
