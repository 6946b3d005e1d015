"""A disk that fills up fails the build as a full disk, and costs the next build nothing.

The cache dir (or the target dir inside it) is a small tmpfs, mounted in a
private mount namespace for the one build (``unshare -m``, as root): the
writes that find no room are the real ones of the buildpack, rustup, rustc
and the linker. The error says that the disk is full and how much room each
of the build's disks has, never that the toolchain's name is wrong or that
the code does not compile; a build with room then succeeds from the cache
the full one left.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from platform_runner import Platform, Result
from tests.assertions import assert_failed_cleanly, assert_succeeded

pytestmark = pytest.mark.slow

APP = "web-std"
# Mounts a tmpfs of $SIZE at $FOLDER for the command, then copies what the build
# left there to $KEPT (the tmpfs goes with the namespace).
SMALL_DISK = (
    'mount -t tmpfs -o "size=$SIZE" tmpfs "$FOLDER" || exit 97; "$@"; code=$?;'
    ' cp -a "$FOLDER/." "$KEPT"; exit $code'
)


def compile_on_small_disk(
    platform: Platform, build_dir: Path, folder: Path, size: str, kept: Path
) -> Result:
    folder.mkdir(parents=True, exist_ok=True)
    kept.mkdir(parents=True, exist_ok=True)
    environment = {**platform.environment(), "SIZE": size, "FOLDER": str(folder), "KEPT": str(kept)}
    command = ["unshare", "-m", "sh", "-c", SMALL_DISK, "sh", *platform.compile_command(build_dir)]
    completed = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=600
    )
    result = Result(completed.returncode, completed.stdout, completed.stderr)
    assert result.returncode != 97, "could not mount a tmpfs: " + result.stderr
    return result


def assert_disk_full(result: Result, platform: Platform, headline: str) -> None:
    assert_failed_cleanly(
        result,
        headline,
        f"the cache dir {platform.cache_dir}",
        "The buildpack's cache",
        "BP_CACHE_MAX_SIZE",
        "See the buildpack's README.md#the-disk-is-full",
    )
    assert "Check the toolchain name" not in result.stderr
    assert "Reproduce it locally" not in result.stderr


NO_SPACE = 'failed with "No space left on device"'


@pytest.mark.parametrize(
    ("size", "what"),
    [
        ("8m", "writing a file"),  # the buildpack's own download of rustup-init
        ("30m", "`rustup-init`"),  # rustup-init installing rustup beside itself
        ("150m", "`rustup toolchain install`"),  # rustup unpacking Rust
    ],
)
def test_a_cache_dir_without_room_for_rust(
    mirrored_platform: Platform, tmp_path: Path, size: str, what: str
) -> None:
    """The buildpack's own write, or rustup's: the same error, and a cache that
    the next build, with room, completes."""
    platform = mirrored_platform
    kept = tmp_path / "kept-cache"
    full = compile_on_small_disk(
        platform, platform.new_build_dir(APP), platform.cache_dir, size, kept
    )
    assert_disk_full(full, platform, f"The disk is full: {what} {NO_SPACE}")

    # The cache that build left, on a disk with room: the next build succeeds.
    shutil.rmtree(platform.cache_dir)
    shutil.copytree(kept, platform.cache_dir, symlinks=True)
    build_dir, result = platform.build(APP)
    assert_succeeded(result)
    assert (build_dir / "bin" / "web-std").is_file()


@pytest.mark.parametrize(
    ("size", "headline"),
    [
        # Not even rustc's object files fit: LLVM says "No space left on device".
        ("16k", "The disk is full: `cargo build --release --locked --bins -p web-std"),
        # They fit, the binary does not: rust-lld, writing through a memory map, dies of SIGBUS.
        ("100k", "The disk is probably full: the linker crashed with a bus error (SIGBUS)"),
    ],
)
def test_a_target_dir_without_room_for_the_app(
    mirrored_platform: Platform, tmp_path: Path, size: str, headline: str
) -> None:
    platform = mirrored_platform
    _build_dir, first = platform.build(APP)
    assert_succeeded(first)
    target = platform.cache_dir / "rust-buildpack" / "target"
    assert target.is_dir()

    kept = tmp_path / "kept-target"
    full = compile_on_small_disk(platform, platform.new_build_dir(APP), target, size, kept)
    assert_disk_full(full, platform, headline)

    build_dir, result = platform.build(APP)
    assert_succeeded(result)
    assert (build_dir / "bin" / "web-std").is_file()
