"""A full disk is told apart from other failures (platform/disk_full.py, commands/full_disk.py).

The words and signals are the real tools' (the whole builds that meet them
are in tests/builds/test_full_disk.py); here, what must not be taken for a
full disk, and how the command that knows the build's folders reports them.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.commands.compile import BuildContext
from classic_bp.commands.full_disk import explained
from classic_bp.platform import disk_full

RUSTUP_LINE = (
    "error: component download failed for rustc-x86_64-unknown-linux-gnu: unable to write"
    " download to disk: No space left on device (os error 28)"
)


def test_the_words_of_a_full_disk_or_a_quota() -> None:
    assert disk_full.said_in(["info: downloading 3 components", RUSTUP_LINE])
    assert disk_full.said_in(["error: failed to write: Disk quota exceeded (os error 122)"])
    assert not disk_full.said_in(["error[E0425]: cannot find value `space` in this scope"])


def test_a_linker_bus_error_only_while_linking() -> None:
    linker = [
        "error: linking with `cc` failed: exit status: 1",
        "  = note: collect2: fatal error: ld terminated with signal 7 [Bus error]",
    ]
    assert disk_full.linker_crashed(linker)
    # A build script that crashed with SIGBUS is not the linker writing a binary.
    script = ["process didn't exit successfully: `build-script-build` (signal: 7, SIGBUS)"]
    assert not disk_full.linker_crashed(script)


def test_a_cargo_failure_on_a_full_disk_is_not_the_apps_code() -> None:
    from classic_bp.cargo.failures import OutputWatch

    watch = OutputWatch()
    for line in [
        "   Compiling web v0.1.0",
        "rustc-LLVM ERROR: IO failure on output stream: No space left on device",
    ]:
        watch(line)
    failure = watch.failure("cargo build --release", 101)
    assert failure.reason is errors.Reason.DISK_FULL
    assert "`cargo build --release`" in failure.message


@pytest.fixture
def context(tmp_path: Path) -> BuildContext:
    for name in ("build", "cache", "env"):
        (tmp_path / name).mkdir()
    return BuildContext(tmp_path / "build", tmp_path / "cache", tmp_path / "env", tmp_path, None)


def test_the_buildpacks_own_write_on_a_full_disk(context: BuildContext) -> None:
    (context.cache_dir / "rust-buildpack").mkdir()
    (context.cache_dir / "rust-buildpack" / "record").write_bytes(b"x" * 3000)
    with pytest.raises(errors.DiskFull) as raised, explained(context):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/cache/x.partial")
    message = raised.value.message
    assert message.startswith("The disk is full: writing /tmp/cache/x.partial failed")
    assert f"the cache dir {context.cache_dir}" in message
    assert "holds 2.9 KiB" in message


def test_a_tools_full_disk_gains_the_room_left(context: BuildContext) -> None:
    with pytest.raises(errors.DiskFull) as raised, explained(context):
        raise errors.DiskFull("`cargo build`", linker_crash=True)
    message = raised.value.message
    assert message.startswith("The disk is probably full: the linker crashed")
    assert f"the build dir {context.build_dir}" in message


def test_other_write_errors_are_not_a_full_disk(context: BuildContext) -> None:
    with pytest.raises(PermissionError), explained(context):
        raise PermissionError(errno.EACCES, "Permission denied", "/tmp/cache/x")
