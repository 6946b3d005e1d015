"""What cargo reads of an app, read back from a real target dir (tracked_sources.py).

Each app is built by the machine's cargo (offline: these apps need no
registry) into a target dir outside the app, as the buildpack's cache is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from classic_bp.cargo import tracked_sources
from classic_bp.cargo.tracked_sources import WHOLE_APP, TrackedSources
from platform_runner import APPS_DIR

CARGO = Path.home() / ".cargo" / "bin" / "cargo"


def built(app: str | Path, tmp_path: Path) -> tuple[Path, Path]:
    build_dir = tmp_path / "app"
    shutil.copytree(app if isinstance(app, Path) else APPS_DIR / app, build_dir)
    target_dir = tmp_path / "target"
    completed = subprocess.run(
        [str(CARGO), "build", "--release", "--offline", "--target-dir", str(target_dir)],
        cwd=build_dir,
        env={**os.environ, "CARGO_HOME": str(tmp_path / "cargo-home")},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    return build_dir, target_dir


def tracked(app: str, tmp_path: Path) -> TrackedSources | None:
    build_dir, target_dir = built(app, tmp_path)
    return tracked_sources.read(target_dir, build_dir, [build_dir], build_dir)


def test_a_workspace_without_build_scripts_is_its_compiled_sources(tmp_path: Path) -> None:
    assert tracked("workspace", tmp_path) == TrackedSources(
        frozenset(),
        frozenset(
            {"crates/shared/src/lib.rs", "crates/web/src/main.rs", "crates/worker/src/main.rs"}
        ),
    )


def test_a_package_with_a_build_script_is_compared_whole(tmp_path: Path) -> None:
    """server/ has a build script; the files read outside it are each on their own:
    include_str!'s banner and rerun-if-changed's schema (relative to server/)."""
    assert tracked("outside-input", tmp_path) == TrackedSources(
        frozenset({"server"}), frozenset({"assets/banner.txt", "assets/schema.txt"})
    )


def test_a_root_package_with_a_build_script_is_the_whole_app(tmp_path: Path) -> None:
    scope = tracked("generated-source", tmp_path)
    assert scope is not None and scope.folders == {""}


def test_a_proc_macro_that_may_read_files_makes_the_whole_app(tmp_path: Path) -> None:
    assert tracked("untracked-macro-input", tmp_path) == WHOLE_APP


def test_a_folder_named_by_rerun_if_changed_outside_its_package(tmp_path: Path) -> None:
    """A member's build script watching ../migrations, as sqlx documents it for an
    app whose migrations sit at the workspace's root."""
    shutil.copytree(APPS_DIR / "outside-input", tmp_path / "source")
    (tmp_path / "source" / "migrations").mkdir()
    (tmp_path / "source" / "migrations" / "001_users.sql").write_text("CREATE TABLE users;\n")
    build_rs = tmp_path / "source" / "server" / "build.rs"
    build_rs.write_text(
        build_rs.read_text().replace(
            "fn main() {", 'fn main() {\n    println!("cargo:rerun-if-changed=../migrations");', 1
        )
    )
    build_dir, target_dir = built(tmp_path / "source", tmp_path)
    scope = tracked_sources.read(target_dir, build_dir, [build_dir], build_dir)
    assert scope == TrackedSources(
        frozenset({"server", "migrations"}), frozenset({"assets/banner.txt", "assets/schema.txt"})
    )


@pytest.mark.parametrize("damage", ["no profile", "unreadable dep-info"])
def test_a_target_dir_that_cannot_be_read_gives_no_scope(tmp_path: Path, damage: str) -> None:
    build_dir, target_dir = built("workspace", tmp_path)
    if damage == "no profile":
        shutil.rmtree(target_dir / "release")
    else:
        dep_info = next((target_dir / "release" / "deps").glob("web-*.d"))
        dep_info.unlink()
        dep_info.mkdir()  # reading it fails
    assert tracked_sources.read(target_dir, build_dir, [build_dir], build_dir) is None


def _dep_info_scope(tmp_path: Path, text: str) -> TrackedSources | None:
    """A target dir holding one dep-info file of ``text``, for a workspace in app/."""
    build_dir = tmp_path / "app"
    (build_dir / "crates" / "core").mkdir(parents=True)
    (build_dir / "crates" / "core" / "Cargo.toml").write_text('[package]\nname = "core"\n')
    deps = tmp_path / "target" / "release" / "deps"
    deps.mkdir(parents=True)
    (deps / "core-0123456789abcdef.d").write_text(text)
    return tracked_sources.read(tmp_path / "target", build_dir, [build_dir], build_dir)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A registry crate's file: nothing of the app, whatever the spacing.
        ("/t/deps/x.d: /reg/src/x-1.0/src/lib.rs /reg/src/x-1.0/src/a\\ b.rs\n", set()),
        # A relative name in the target line only (no phony lines after it).
        ("/t/deps/x.d: /reg/src/lib.rs crates/core/src/lib.rs\n", {"crates/core/src/lib.rs"}),
        # An absolute name in the app, its space escaped.
        ("/t/deps/x.d: {app}/crates/core/src/my\\ mod.rs\n", {"crates/core/src/my mod.rs"}),
    ],
)
def test_dep_info_files_are_read_for_every_name_of_the_app(
    tmp_path: Path, line: str, expected: set[str]
) -> None:
    """The quick look that skips registry crates' dep-info files never skips one
    that names an app file, relative or absolute."""
    scope = _dep_info_scope(tmp_path, line.format(app=tmp_path / "app"))
    assert scope == TrackedSources(frozenset(), frozenset(expected))
