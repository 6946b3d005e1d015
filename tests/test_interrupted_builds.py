"""A build killed in the middle of any step never breaks the next one.

Each kill point names the step it interrupts and a line of that step's log.
The test freezes the whole build (SIGSTOP to its process group) as soon as
that line shows, and checks from everything the build had written by then
that the step was still running: its header is the last one, and no later
step began. Only then does the kill land: SIGKILL to the group (a platform
killing the container), or SIGTERM to the buildpack alone (a platform's
timeout), which must stop cargo, rustc and rustup itself, record
``failure_reason: interrupted`` and exit 143. The next build on the same
cache must succeed, and its binary run.

The steps are made long enough to be caught in the act, without changing
the buildpack: the rustup mirror answers some requests late, and the app
(slow-build) has build scripts that take 1.5 s each.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass

import pytest

from platform_runner import Platform

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

APP = "slow-build"
STEP = "-----> "


@dataclass(frozen=True)
class KillPoint:
    step: str  # the header of the step interrupted
    marker: str  # a line of that step, after which it still works for a while
    delay: tuple[str, float] | None = None  # mirror requests made slow: (path part, seconds)


KILL_POINTS = {
    "downloading rustup-init": KillPoint(
        "Installing rustup", "Downloading rustup-init", ("rustup-init", 3.0)
    ),
    "rustup syncing the channel": KillPoint(
        "Installing Rust", "syncing channel updates", ("channel-rust-stable.toml", 3.0)
    ),
    "rustup downloading components": KillPoint(
        "Installing Rust", "downloading 3 components", (".tar.", 3.0)
    ),
    "cargo starting": KillPoint("Compiling the app", "Running: cargo install"),
    "cargo resolving": KillPoint("Compiling the app", "Installing slow-app v0.1.0"),
    "cargo building the library": KillPoint("Compiling the app", "Compiling slow-lib"),
    "cargo building the binary": KillPoint("Compiling the app", "Compiling slow-app"),
}


def freeze_at(process: subprocess.Popen, marker: str) -> str:
    """Read the log until ``marker``, stop the build there; return all it wrote."""
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGSTOP)
            break
    else:
        pytest.fail(f"the build ended before {marker!r}:\n{''.join(seen)}")
    time.sleep(0.2)  # anything written just before the stop reaches the pipe
    descriptor = process.stdout.fileno()
    fcntl.fcntl(descriptor, fcntl.F_SETFL, fcntl.fcntl(descriptor, fcntl.F_GETFL) | os.O_NONBLOCK)
    try:
        while chunk := os.read(descriptor, 1 << 16):
            seen.append(chunk.decode("utf-8", "replace"))
    except BlockingIOError:
        pass
    return "".join(seen)


def last_step(log: str) -> str:
    headers = [line[len(STEP) :] for line in log.splitlines() if line.startswith(STEP)]
    return headers[-1] if headers else ""


def group_is_gone(group: int, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def slowed_mirror(rustup_mirror):
    yield rustup_mirror
    rustup_mirror.faults.clear()


@pytest.mark.parametrize("kill", ["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_in_the_middle_of_a_step_never_breaks_the_next_build(
    mirrored_platform: Platform, slowed_mirror, point: str, kill: str
) -> None:
    platform, where = mirrored_platform, KILL_POINTS[point]
    if where.delay:
        slowed_mirror.delay_next(1, where.delay[1], where.delay[0])
    process = subprocess.Popen(
        platform.compile_command(platform.new_build_dir(APP)),
        env=platform.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log = freeze_at(process, where.marker)
    # Proof that the kill lands in the step: the build is frozen inside it.
    assert process.poll() is None
    assert last_step(log).startswith(where.step), log
    if kill == "SIGKILL":
        os.killpg(process.pid, signal.SIGKILL)
    else:
        os.kill(process.pid, signal.SIGTERM)
        os.killpg(process.pid, signal.SIGCONT)
    rest = process.communicate(timeout=60)[0]
    assert "Build succeeded" not in log + rest
    if kill == "SIGTERM":
        assert process.returncode == 143, log + rest
        assert "The build was interrupted" in rest
        assert "Traceback" not in rest
        # The buildpack stopped cargo, rustc and rustup itself.
        assert group_is_gone(process.pid), "children of the build survived it"
        report = platform.cache_dir / "rust-buildpack" / "last-build.json"
        if report.is_file():  # absent when the kill came before the cache was opened
            assert json.loads(report.read_text())["failure_reason"] == "interrupted"
    slowed_mirror.faults.clear()

    build_dir, result = platform.build(APP)
    assert result.returncode == 0, result.log
    binary = subprocess.run([build_dir / "bin" / "slow-app"], capture_output=True, text=True)
    assert binary.stdout == "hello from the slow build\n"


def test_the_kill_points_cover_every_step_that_writes_the_cache() -> None:
    steps = {point.step for point in KILL_POINTS.values()}
    assert steps == {"Installing rustup", "Installing Rust", "Compiling the app"}
    assert len(KILL_POINTS) * 2 >= 10
