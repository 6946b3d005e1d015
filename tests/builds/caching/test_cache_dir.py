"""An unusable cache dir, a read-only build dir, and two builds on one cache.

The cache only makes builds faster: a cache dir that is a file or read-only
must not fail the build, nor be blamed on the network (the git clone's
Python packages are fetched into it). Builds on one cache dir take turns,
and a killed holder never blocks the next one. The apps here fail at their
first check (no Cargo.lock), after the cache dir is settled: these tests
are fast; the slow ones at the end build for real.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from platform_runner import Platform, Result, run_at_terminal

WARNING = "cannot be used"
LOCK = "rust-buildpack.lock"
# Mounts the given folders read-only in a private mount namespace, then runs the rest.
READ_ONLY = (
    'for folder in $READ_ONLY; do mount --bind "$folder" "$folder" &&'
    ' mount -o remount,bind,ro "$folder" || exit 97; done; exec "$@"'
)


def compile_with(platform: Platform, build_dir: Path, read_only: tuple[Path, ...] = ()) -> Result:
    command = platform.compile_command(build_dir)
    environment = platform.environment()
    if read_only:
        environment["READ_ONLY"] = " ".join(map(str, read_only))
        command = ["unshare", "-m", "sh", "-c", READ_ONLY, "sh", *command]
    if platform.at_terminal:
        result = run_at_terminal(command, environment, timeout=300)
    else:
        completed = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=300
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
    assert result.returncode != 97, "could not mount read-only: " + result.stderr
    return result


@pytest.fixture
def git_clone_platform(stack_python_platform: Platform, package_index) -> Platform:
    """A git clone of the buildpack at a terminal: its Python packages are fetched
    into the cache."""
    stack_python_platform.set_config(PIP_INDEX_URL=package_index.url)
    stack_python_platform.at_terminal = True
    return stack_python_platform


def assert_cache_bypassed(result: Result, problem: str) -> None:
    """Warned once, the cache named, and the build went on to the app's own check."""
    assert result.returncode == 1, result.log
    assert result.stderr.count(WARNING) == 1, result.stderr
    assert problem in result.stderr
    assert "next build will be cold" in result.stderr
    assert "Could not fetch" not in result.log and "PyPI" not in result.log
    assert "Traceback" not in result.log
    assert "Cargo.lock" in result.stderr  # the app's problem, reached after the cache


def test_a_cache_dir_that_is_a_file(git_clone_platform: Platform) -> None:
    platform = git_clone_platform
    platform.cache_dir.rmdir()
    platform.cache_dir.write_text("not a folder")
    result = compile_with(platform, platform.new_build_dir("no-lockfile"))
    assert_cache_bypassed(result, f"The cache dir {platform.cache_dir} cannot be used")
    assert "it is not a directory" in result.stderr
    # The packages' fetch went to the temporary cache; the build waits for it
    # only once Rust is installed, which this app's error comes before.
    assert "Could not store the buildpack's Python packages" not in result.log


def test_a_lock_file_that_cannot_be_opened(git_clone_platform: Platform) -> None:
    platform = git_clone_platform
    (platform.cache_dir / LOCK).mkdir()
    result = compile_with(platform, platform.new_build_dir("no-lockfile"))
    assert_cache_bypassed(result, f"its lock file {LOCK} cannot be opened")


@pytest.mark.parametrize("folder", ["", "rust-buildpack", "rust-buildpack-python"])
def test_a_read_only_cache_dir(git_clone_platform: Platform, folder: str) -> None:
    """Read-only as a whole, or only one of the buildpack's folders in it."""
    platform = git_clone_platform
    read_only = platform.cache_dir / folder
    read_only.mkdir(exist_ok=True)
    result = compile_with(platform, platform.new_build_dir("no-lockfile"), (read_only,))
    assert_cache_bypassed(result, "Read-only file system")
    assert str(platform.cache_dir) in result.stderr


def test_a_read_only_build_dir_is_a_clear_error(platform: Platform) -> None:
    build_dir = platform.new_build_dir("web-std")
    result = compile_with(platform, build_dir, (build_dir,))
    assert result.returncode == 1, result.log
    assert f"The build dir {build_dir} cannot be written: Read-only file system" in result.stderr
    assert "Traceback" not in result.log


def test_a_file_the_build_cannot_touch_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    """Restoring source times on a file of a read-only checkout: named, no traceback."""
    from classic_bp import errors
    from classic_bp.cache import CacheLayout
    from classic_bp.cargo import source_times

    layout = CacheLayout(tmp_path / "cache")
    checkout = tmp_path / "app"
    (checkout / "src").mkdir(parents=True)
    (checkout / "src" / "main.rs").write_text("fn main() {}\n")
    source_times.remember(layout, checkout, source_times.Checkout())

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(source_times.os, "utime", refuse)
    with pytest.raises(errors.BuildError) as raised:
        source_times.restore(layout, checkout)
    assert raised.value.reason is errors.Reason.UNWRITABLE_BUILD_DIR
    assert "src/main.rs cannot be written: Operation not permitted" in str(raised.value)


def hold_lock(cache_dir: Path) -> subprocess.Popen:
    """Another build, as far as the lock goes: a process holding it until killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(600)\n",
            str(cache_dir / LOCK),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_build_waits_for_the_other_build_and_says_so(platform: Platform) -> None:
    holder = hold_lock(platform.cache_dir)
    build = subprocess.Popen(
        platform.compile_command(platform.new_build_dir("no-lockfile")),
        env=platform.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert build.stdout is not None
    first = build.stdout.readline()
    assert "Another build is using this cache dir" in first, first
    assert str(platform.cache_dir / LOCK) in first
    assert build.poll() is None  # still waiting
    holder.kill()  # the other build is killed: the kernel drops its lock
    holder.wait()
    stdout, stderr = build.communicate(timeout=120)
    assert build.returncode == 1, stdout + stderr
    assert "The other build is done" in stdout
    assert "Cargo.lock" in stderr


def test_a_killed_holder_never_blocks_the_next_build(platform: Platform) -> None:
    holder = hold_lock(platform.cache_dir)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    result = compile_with(platform, platform.new_build_dir("no-lockfile"))
    assert result.returncode == 1, result.log
    assert "Another build" not in result.log
    with (platform.cache_dir / LOCK).open() as lock:  # free again after the build
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.mark.slow
def test_two_builds_on_one_cache_both_succeed(mirrored_platform: Platform) -> None:
    platform = mirrored_platform
    results: dict[str, Result] = {}
    build_dirs = {app: platform.new_build_dir(app) for app in ("web-std", "workspace")}

    def build(app: str) -> None:
        results[app] = platform.compile(build_dirs[app])

    threads = [threading.Thread(target=build, args=(app,)) for app in build_dirs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for app, result in results.items():
        assert result.returncode == 0, f"{app}:\n{result.log}"
    assert "Another build is using this cache dir" in "".join(r.stdout for r in results.values())
    worker = subprocess.run([build_dirs["workspace"] / "bin" / "worker"], capture_output=True)
    assert worker.stdout == b"hello from the worker of the workspace\n"
    assert (build_dirs["web-std"] / "bin" / "web-std").is_file()


@pytest.mark.slow
def test_a_build_without_a_usable_cache_succeeds(mirrored_platform: Platform) -> None:
    platform = mirrored_platform
    platform.cache_dir.rmdir()
    platform.cache_dir.write_text("not a folder")
    build_dir, result = platform.build("workspace")
    assert result.returncode == 0, result.log
    assert result.stderr.count(WARNING) == 1
    worker = subprocess.run([build_dir / "bin" / "worker"], capture_output=True)
    assert worker.stdout == b"hello from the worker of the workspace\n"
