"""What keys the SBOM's kept graph: everything cargo metadata's answer depends on.

sbom_reuse.digest must change with each input listed in its module's
docstring, and must not change with the folder a fresh checkout sits in or
with a file cargo metadata never reads; a package outside the app is never
kept (its changes would go unseen).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classic_bp.cache import CacheLayout
from classic_bp.slug.dependency_graph import Crate, DependencyGraph
from classic_bp.slug.sbom_reuse import GraphMemory, app_manifests, digest

MANIFESTS = ["Cargo.toml", "crates/core/Cargo.toml"]
ENVIRONMENT = {"CARGO_HOME": "/nonexistent/cargo-home", "PATH": "/usr/bin"}
TARGET = "x86_64-unknown-linux-gnu"


def _app(root: Path) -> Path:
    (root / "crates" / "core" / "src").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "Cargo.toml").write_text('[package]\nname = "app"\n[workspace]\n')
    (root / "Cargo.lock").write_text("version = 3\n")
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "crates" / "core" / "Cargo.toml").write_text('[package]\nname = "core"\n')
    (root / "crates" / "core" / "src" / "lib.rs").write_text("")
    return root


def _digest(app: Path, environment=ENVIRONMENT, features=(), target=TARGET) -> str:
    return digest(app, MANIFESTS, environment, features, target, "1.95.0")


CHANGES = {
    "Cargo.lock": lambda app: (app / "Cargo.lock").write_text("version = 4\n"),
    "a member's manifest": lambda app: (app / "crates/core/Cargo.toml").write_text(
        '[package]\nname = "core"\nlicense = "MIT"\n'
    ),
    "a new binary source": lambda app: (
        (app / "src" / "bin").mkdir(),
        (app / "src" / "bin" / "tool.rs").write_text("fn main() {}\n"),
    ),
    "the app's cargo config": lambda app: (
        (app / ".cargo").mkdir(),
        (app / ".cargo" / "config.toml").write_text("[patch.crates-io]\n"),
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_cargo_metadata_reads_changes_the_key(tmp_path: Path, change: str) -> None:
    app = _app(tmp_path / "app")
    before = _digest(app)
    CHANGES[change](app)
    assert _digest(app) != before


def test_the_build_settings_change_the_key(tmp_path: Path) -> None:
    app = _app(tmp_path / "app")
    before = _digest(app)
    assert _digest(app, environment={**ENVIRONMENT, "RUSTFLAGS": "--cfg x"}) != before
    assert _digest(app, environment={**ENVIRONMENT, "CARGO_PROFILE_X": "1"}) != before
    assert _digest(app, features=("--features", "loud")) != before
    assert _digest(app, target="aarch64-unknown-linux-gnu") != before


def test_a_fresh_checkout_elsewhere_and_other_files_keep_the_key(tmp_path: Path) -> None:
    app = _app(tmp_path / "app")
    elsewhere = tmp_path / "builds" / "deeper" / "checkout"
    shutil.copytree(app, elsewhere)
    (elsewhere / "README.md").write_text("not read by cargo metadata\n")
    (elsewhere / "src" / "main.rs").write_text("fn main() { println!(); }\n")
    assert _digest(elsewhere, environment={**ENVIRONMENT, "PATH": "/other"}) == _digest(app)


def test_a_package_outside_the_app_is_never_kept(tmp_path: Path) -> None:
    app = _app(tmp_path / "app")
    metadata = {
        "workspace_root": str(app),
        "packages": [
            {"source": None, "manifest_path": str(app / "Cargo.toml")},
            {"source": None, "manifest_path": str(tmp_path / "shared" / "Cargo.toml")},
        ],
    }
    assert app_manifests(metadata, app) is None
    metadata["packages"].pop()
    assert app_manifests(metadata, app) == ["Cargo.toml"]


def test_a_kept_graph_is_recalled_until_an_input_changes(tmp_path: Path) -> None:
    app = _app(tmp_path / "app")
    layout = CacheLayout(tmp_path / "cache")
    graph = DependencyGraph(
        crates={"app": Crate("app", "0.1.0", None, license="MIT")},
        edges={"app": ()},
        roots=("app",),
        source_note="cargo metadata",
        from_metadata=True,
    )
    metadata = {
        "workspace_root": str(app),
        "packages": [{"source": None, "manifest_path": str(app / name)} for name in MANIFESTS],
    }

    def memory() -> GraphMemory:
        return GraphMemory(layout, app, ENVIRONMENT, (), TARGET, "1.95.0")

    assert memory().recall() is None
    memory().keep(graph, metadata)
    assert memory().recall() == graph
    CHANGES["a member's manifest"](app)
    assert memory().recall() is None
