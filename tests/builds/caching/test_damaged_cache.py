"""A damaged cache is verified, discarded with its reason, and rebuilt.

A cache is damaged by a killed build, a full disk, an older buildpack or a
platform bug. Each test starts from a copy of one warm cache, damages one
thing the way such events do, and rebuilds: the build must succeed, say
what it discarded and why, and produce a binary that runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_runner import Platform, hardlink_tree, http_get, running_web_process

pytestmark = pytest.mark.slow

APP = "web-std"
HOST = "x86_64-unknown-linux-gnu"


@pytest.fixture(scope="module")
def warm_cache(buildpack: Path, module_tmp_path: Path, rustup_mirror) -> Path:
    platform = Platform(buildpack, module_tmp_path / "warm")
    platform.set_config(**rustup_mirror.env())
    _build_dir, result = platform.build(APP)
    assert result.returncode == 0, result.log
    return platform.cache_dir


def _copy_cache(warm: Path, cache: Path) -> None:
    """The toolchain as hard links (a rebuild never writes into it), the rest copied."""
    shutil.rmtree(cache)
    shutil.copytree(
        warm,
        cache,
        symlinks=True,
        ignore=lambda folder, names: ["rustup"] if folder.endswith("rust-buildpack") else [],
    )
    hardlink_tree(warm / "rust-buildpack" / "rustup", cache / "rust-buildpack" / "rustup")


def _replace(path: Path, content: bytes, mode: int = 0o755) -> None:
    """Write without touching a hard-linked original: a new file in its place."""
    path.unlink(missing_ok=True)
    path.write_bytes(content)
    path.chmod(mode)


def _toolchain_bin(root: Path) -> Path:
    return root / "rustup" / "toolchains" / f"stable-{HOST}" / "bin"


def remove_rustc(root: Path) -> None:
    (_toolchain_bin(root) / "rustc").unlink()


def truncate_rustc(root: Path) -> None:
    _replace(_toolchain_bin(root) / "rustc", b"")


def truncate_rustc_library(root: Path) -> None:
    """rustc itself intact, the compiler library it loads cut short: rustc fails
    to start, though the last build's check of that same rustc passed."""
    (driver,) = (_toolchain_bin(root).parent / "lib").glob("librustc_driver-*.so")
    _replace(driver, driver.read_bytes()[:4096])


def garbage_cargo(root: Path) -> None:
    _replace(_toolchain_bin(root) / "cargo", b"\x7fELF\x02garbage")


def garbage_keys(root: Path) -> None:
    for key in (root / "keys").glob("*.json"):
        if key.name != "layout.json":
            _replace(key, b'{"toolchain": "stab', 0o644)


def truncated_layout_key(root: Path) -> None:
    _replace(root / "keys" / "layout.json", b"", 0o644)


def truncated_rustup(root: Path) -> None:
    _replace(root / "rustup-proxies" / "bin" / "rustup", b"#!/bin/sh\nexit 3\n")
    _replace(root / "rustup-init" / "rustup-init", b"\x7fELF")


def target_dir_is_a_file(root: Path) -> None:
    shutil.rmtree(root / "target")
    (root / "target").write_text("half written")


def half_written_target_dir(root: Path) -> None:
    """What a kill midway leaves: fingerprints gone, outputs half there."""
    for fingerprint in (root / "target").rglob(".fingerprint"):
        shutil.rmtree(fingerprint)
    for deps in (root / "target").rglob("deps"):
        for output in deps.iterdir():
            if output.is_file():
                _replace(output, output.read_bytes()[:100], 0o644)


DAMAGES: dict[str, tuple[Callable[[Path], None], str | None]] = {
    "rustc missing": (remove_rustc, "Not reusing the cached toolchain: rustc is missing"),
    "rustc truncated": (truncate_rustc, "Not reusing the cached toolchain: rustc does not run"),
    "rustc's library truncated": (
        truncate_rustc_library,
        "Not reusing the cached toolchain: rustc does not run",
    ),
    "cargo garbage": (garbage_cargo, "Not reusing the cached toolchain: cargo does not run"),
    "keys truncated": (garbage_keys, "its cache record is unreadable"),
    "layout key truncated": (truncated_layout_key, "Discarding the whole cache"),
    "rustup and rustup-init truncated": (
        truncated_rustup,
        "Discarding the cached rustup: rustup does not run (exit code 3)",
    ),
    "target dir is a file": (
        target_dir_is_a_file,
        "Discarding the cached build artifacts: target is not a directory",
    ),
    "target dir half written": (half_written_target_dir, None),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_cache_is_discarded_and_rebuilt(
    warm_cache: Path, mirrored_platform: Platform, damage: str
) -> None:
    _copy_cache(warm_cache, mirrored_platform.cache_dir)
    change, said = DAMAGES[damage]
    change(mirrored_platform.cache_dir / "rust-buildpack")

    build_dir, result = mirrored_platform.build(APP)
    assert result.returncode == 0, result.log
    assert "Traceback" not in result.log
    if said is not None:
        assert said in result.stdout, result.stdout
    assert_serves(mirrored_platform, build_dir)


def assert_serves(platform: Platform, build_dir: Path) -> None:
    """The slug's web process starts and answers: the rebuilt binary works."""
    release = platform.release(build_dir)
    with running_web_process(release.stdout, build_dir) as url:
        assert "Hello from a Rust web-std app" in http_get(url)


def test_a_truncated_crate_archive_is_downloaded_again(online_platform: Platform) -> None:
    """A kill while cargo wrote a downloaded crate, before it was unpacked."""
    build_dir, first = online_platform.build("bumps-dependency")
    assert first.returncode == 0, first.log
    registry = online_platform.cache_dir / "rust-buildpack" / "cargo" / "registry"
    archive = next(registry.glob("cache/*/serde_json-*.crate"))
    shutil.rmtree(registry / "src" / archive.parent.name / archive.name[: -len(".crate")])
    _replace(archive, archive.read_bytes()[:2000], 0o644)

    build_dir, result = online_platform.build("bumps-dependency")
    assert result.returncode == 0, result.log
    assert f"Discarding the cached crate {archive.name}: it is incomplete" in result.stdout
    assert (build_dir / "bin" / "bumps-dependency").is_file()
