"""Where Rust comes from: rustup settings, rustup-init pinning, or no rustup at all."""

from __future__ import annotations

import os
import subprocess

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded, assert_user_error


@pytest.mark.slow
def test_rust_without_rustup_from_the_standalone_installer(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    mirrored_platform.set_config(BP_RUSTUP_ENABLED="false", BP_RUST_VERSION="1.*")
    rustup_mirror.clear_log()
    build_dir, result = mirrored_platform.build("workspace")
    assert_succeeded(result)
    assert "-----> Installing Rust without rustup (1.*)" in result.stdout
    assert "Using rustc 1.95.0" in result.stdout
    paths = [path for _, path, _ in rustup_mirror.requests]
    assert "/dist/rust-1.95.0-x86_64-unknown-linux-gnu.tar.gz" in paths
    assert not [path for path in paths if "rustup-init" in path]
    assert not (mirrored_platform.cache_dir / "rust-buildpack" / "rustup").exists()
    worker = subprocess.run([build_dir / "bin" / "worker"], capture_output=True, text=True)
    assert worker.stdout == "hello from the worker of the workspace\n"

    rustup_mirror.clear_log()
    _build_dir, again = mirrored_platform.build("workspace")
    assert_succeeded(again)
    assert [path for _, path, _ in rustup_mirror.requests] == ["/dist/channel-rust-stable.toml"]


@pytest.mark.slow
def test_a_pinned_rustup_init_comes_from_rustups_archive(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    mirrored_platform.set_config(BP_RUSTUP_INIT_VERSION="1.29.0", BP_RUST_PROFILE="minimum")
    rustup_mirror.clear_log()
    _build_dir, result = mirrored_platform.build("pinned-toolchain")
    assert_succeeded(result)
    assert "BP_RUST_PROFILE=minimum is read as 'minimal'" in result.stdout
    assert "/rustup/archive/1.29.0/x86_64-unknown-linux-gnu/rustup-init" in result.stdout
    paths = [path for _, path, _ in rustup_mirror.requests]
    assert "/rustup/archive/1.29.0/x86_64-unknown-linux-gnu/rustup-init.sha256" in paths


@pytest.mark.slow
def test_components_from_rust_toolchain_toml_are_installed(mirrored_platform: Platform) -> None:
    build_dir = mirrored_platform.new_build_dir("pinned-toolchain")
    (build_dir / "rust-toolchain.toml").write_text(
        '[toolchain]\nchannel = "1.95.0"\ncomponents = ["rustfmt", "clippy"]\n'
    )
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    toolchain = (
        mirrored_platform.cache_dir
        / "rust-buildpack/rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/bin"
    )
    assert {"rustfmt", "cargo-clippy"} <= set(os.listdir(toolchain))


@pytest.mark.slow
def test_the_musl_rustup_init_is_requested_for_musl(mirrored_platform: Platform) -> None:
    """The mirror here has no musl build; the request and the error show the choice."""
    mirrored_platform.set_config(BP_RUSTUP_INIT_LIBC="musl")
    _build_dir, result = mirrored_platform.build("web-std")
    assert result.returncode == 1
    assert "/rustup/dist/x86_64-unknown-linux-musl/rustup-init" in result.stderr
    assert "HTTP 404" in result.stderr


@pytest.mark.parametrize(
    ("settings", "fragments"),
    [
        ({"BP_RUSTUP_ENABLED": "false", "BP_RUST_VERSION": "latest"}, ["BP_RUST_VERSION"]),
        ({"BP_RUSTUP_INIT_LIBC": "uclibc"}, ["BP_RUSTUP_INIT_LIBC='uclibc'", "gnu, musl"]),
        ({"BP_RUSTUP_INIT_VERSION": "newest"}, ["BP_RUSTUP_INIT_VERSION='newest'"]),
        ({"BP_RUSTUP_ENABLED": "nope"}, ["BP_RUSTUP_ENABLED='nope'"]),
    ],
)
def test_refused_toolchain_settings(platform: Platform, settings: dict, fragments: list) -> None:
    platform.set_config(**settings)
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, *fragments)
