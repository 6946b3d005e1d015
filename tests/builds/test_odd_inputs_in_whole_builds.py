"""Odd apps and config vars in whole builds: each builds, or fails with the fix.

The rules tests/inputs/ checks in seconds, here through real builds.

A Cargo.lock out of date with Cargo.toml fails with the fix; the binaries are
those cargo built, never the app's own bin/ scripts; two packages building
one binary name fail naming both; a cached target dir turned into a link to
an outside folder is dropped without writing or pruning there; config vars
no environment can hold are left out, and the build goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from platform_runner import Platform
from tests.assertions import assert_failed_cleanly, assert_succeeded

pytestmark = pytest.mark.slow


def _add_path_dependency(package_dir: Path, name: str) -> None:
    crate = package_dir / name
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("pub fn answer() -> u8 { 42 }\n")
    (crate / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    manifest = package_dir / "Cargo.toml"
    text = manifest.read_text()
    if "[dependencies]" not in text:
        text += "\n[dependencies]\n"
    manifest.write_text(
        text.replace("[dependencies]\n", f'[dependencies]\n{name} = {{ path = "{name}" }}\n')
    )


@pytest.mark.parametrize(
    ("app", "change", "added"),
    [
        ("web-std", lambda d: _add_path_dependency(d, "extra"), "Adding extra v0.1.0"),
        (
            "web-std",
            lambda d: (d / "Cargo.toml").write_text(
                (d / "Cargo.toml").read_text() + 'bp-bump = "=0.1.3"\n'
            ),
            "Adding bp-bump v0.1.3",
        ),
        (
            "workspace",
            lambda d: _add_path_dependency(d / "crates" / "worker", "helper"),
            "Adding helper v0.1.0",
        ),
    ],
    ids=["path-dependency", "registry-dependency", "workspace-member"],
)
def test_a_stale_lock_fails_with_the_fix(
    online_platform: Platform, app: str, change, added: str
) -> None:
    build_dir = online_platform.new_build_dir(app)
    lock = (build_dir / "Cargo.lock").read_text()
    change(build_dir)
    result = online_platform.compile(build_dir)
    assert_failed_cleanly(
        result, "Cargo.lock is out of date with Cargo.toml", "cargo update -w", added
    )
    assert (build_dir / "Cargo.lock").read_text() == lock
    assert "Installed into bin/" not in result.stdout


def test_a_stale_workspace_lock_on_a_warm_cache_fails_offline_with_the_fix(
    online_platform: Platform,
) -> None:
    """Every crate cached, so cargo runs offline: its refusal of the stale lock is
    the build's error at once, not taken for a want of the network."""
    _build_dir, first = online_platform.build("workspace")
    assert_succeeded(first)
    build_dir = online_platform.new_build_dir("workspace")
    _add_path_dependency(build_dir / "crates" / "worker", "helper")
    result = online_platform.compile(build_dir)
    assert "no registry request" in result.stdout
    assert_failed_cleanly(
        result, "Cargo.lock is out of date with Cargo.toml", "Adding helper v0.1.0"
    )
    assert "needs the network after all" not in result.log


def test_two_packages_building_one_binary_name_fail_naming_both(
    mirrored_platform: Platform,
) -> None:
    build_dir = mirrored_platform.new_build_dir("workspace")
    worker = build_dir / "crates" / "worker" / "Cargo.toml"
    worker.write_text(worker.read_text().replace('name = "worker"\n', 'name = "web"\n'))
    result = mirrored_platform.compile(build_dir)
    assert_failed_cleanly(
        result, "Two packages build a binary named `web`", "web-server and worker-server"
    )


def test_files_with_quirks_build_and_only_cargo_binaries_are_processes(
    mirrored_platform: Platform, tmp_path: Path
) -> None:
    build_dir = mirrored_platform.new_build_dir("web-std")
    manifest = build_dir / "Cargo.toml"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes().replace(b"\n", b"\r\n"))
    (build_dir / "Procfile").write_bytes(b"\xef\xbb\xbfweb: bin/web-std\r\n")
    script = build_dir / "bin" / "migrate"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho migrating\n")
    script.chmod(0o755)
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert "Installed into bin/: web-std\n" in result.stdout
    assert "No binary is named `web`" not in result.stderr  # the Procfile's web line counts
    release = yaml.safe_load(mirrored_platform.release(build_dir).stdout)
    assert "migrate" not in str(release), release

    # The cached target dir becomes a link to an outside folder: dropped, never written.
    outside = tmp_path / "outside"
    planted = outside / "release" / "deps" / "precious-0123456789abcdef.rlib"
    planted.parent.mkdir(parents=True)
    planted.write_text("keep")
    target = mirrored_platform.cache_dir / "rust-buildpack" / "target"
    target.rename(tmp_path / "old-target")
    target.symlink_to(outside)
    _build_dir, second = mirrored_platform.build("web-std")
    assert_succeeded(second)
    assert "Removed the symlink target from the cache" in second.stderr
    assert sorted(p.name for p in outside.rglob("*")) == sorted(
        ["release", "deps", "precious-0123456789abcdef.rlib"]
    )
    assert target.is_dir() and not target.is_symlink()


def test_config_vars_no_environment_can_hold_leave_a_full_build_intact(
    mirrored_platform: Platform,
) -> None:
    """A 300 KiB bundle used to end the toolchain install with E2BIG; a NUL byte
    with a ValueError when a process started."""
    (mirrored_platform.env_dir / "CA_BUNDLE").write_bytes(b"-----BEGIN-----\n" * 20_000)
    (mirrored_platform.env_dir / "WITH_NUL").write_bytes(b"a\0b")
    mirrored_platform.set_config(SERVICE_NAME="web-std", PROFILE="release")
    _build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "  - CA_BUNDLE: its value is over 128 KiB" in result.stderr
    assert "  - WITH_NUL: its value has a NUL byte" in result.stderr
    assert "Finished `release` profile" in result.stdout
    assert "[redacted]" not in result.log
