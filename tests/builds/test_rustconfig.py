"""Apps from the old Heroku Rust buildpack: RustConfig is read, mapped, never run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from classic_bp.config.rustconfig import migrate
from platform_runner import Platform
from tests.assertions import assert_succeeded, error_message


def write_rustconfig(build_dir: Path, text: str) -> None:
    (build_dir / "RustConfig").write_text(text)


@pytest.mark.slow
def test_rustconfig_is_mapped_to_bp_settings_and_never_executed(
    mirrored_platform: Platform, tmp_path: Path
) -> None:
    marker = tmp_path / "executed"
    build_dir = mirrored_platform.new_build_dir("workspace")
    write_rustconfig(
        build_dir,
        "# RustConfig of the old buildpack\n"
        "VERSION=1.95.0\n"
        'export RUST_CARGO_BUILD_FLAGS="--release -p worker-server"\n'
        f"touch {marker}\n"
        f"GREETING=$(touch {marker})\n",
    )
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert not marker.exists()
    assert "VERSION=1.95.0 -> BP_RUST_TOOLCHAIN=1.95.0" in result.stdout
    assert (
        "RUST_CARGO_BUILD_FLAGS=--release -p worker-server"
        " -> BP_CARGO_WORKSPACE_MEMBERS=worker-server" in result.stdout
    )
    assert "ignored: GREETING" in result.stdout
    assert "Using rustc 1.95.0" in result.stdout
    assert os.listdir(build_dir / "bin") == ["worker"]


@pytest.mark.slow
def test_bp_settings_win_over_rustconfig(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_CARGO_WORKSPACE_MEMBERS="web-server")
    build_dir = mirrored_platform.new_build_dir("workspace")
    write_rustconfig(build_dir, "RUST_CARGO_BUILD_FLAGS='--release -p worker-server'\n")
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert os.listdir(build_dir / "bin") == ["web"]


@pytest.mark.slow
def test_skip_build_installs_rust_only_and_keeps_the_sources(mirrored_platform: Platform) -> None:
    build_dir = mirrored_platform.new_build_dir("no-binary")
    write_rustconfig(build_dir, "RUST_SKIP_BUILD=1\n")
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert "Installed Rust 1.95.0 without compiling the app" in result.stdout
    assert (build_dir / "src" / "lib.rs").is_file()
    assert not (build_dir / "bin").exists()


@pytest.mark.slow
def test_diesel_flags_reach_its_install_and_its_failure_is_named(
    online_platform: Platform,
) -> None:
    """DIESEL_FLAGS asking for a feature diesel_cli lacks: the attempt and its error show."""
    build_dir = online_platform.new_build_dir("web-std")
    write_rustconfig(build_dir, 'RUST_INSTALL_DIESEL=1\nDIESEL_FLAGS="--features oracle"\n')
    result = online_platform.compile(build_dir)
    assert result.returncode == 1
    assert "RUST_INSTALL_DIESEL=1 -> BP_CARGO_RUNTIME_TOOLS=diesel_cli" in result.stdout
    assert "Running: cargo install diesel_cli --locked --features oracle" in result.stdout
    assert "`cargo install diesel_cli` failed" in error_message(result)


def test_build_path_becomes_a_path_argument(tmp_path: Path) -> None:
    write_rustconfig(tmp_path, "BUILD_PATH=crates/api\nRUST_CARGO_BUILD_FLAGS='--release --bins'\n")
    migration = migrate(tmp_path)
    assert migration is not None
    assert migration.settings == {
        "BP_CARGO_INSTALL_ARGS": "--locked --path=crates/api --bins",
    }
