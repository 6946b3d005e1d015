"""A build killed midway never breaks the next one.

The compile is killed (SIGKILL, as a platform timeout does) while rustup
installs the toolchain and while cargo compiles; the next build with the
same cache must succeed and produce a working slug.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from platform_runner import Platform

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


def compile_until(platform: Platform, build_dir, marker: str, delay: float) -> None:
    """Start bin/compile, kill it ``delay`` seconds after ``marker`` shows in its log."""
    process = subprocess.Popen(
        [
            str(platform.buildpack / "bin" / "compile"),
            str(build_dir),
            str(platform.cache_dir),
            str(platform.env_dir),
        ],
        env=platform.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if marker in line:
            time.sleep(delay)
            break
    else:
        pytest.fail(f"the build ended before {marker!r}")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()


@pytest.mark.parametrize(
    ("marker", "delay"),
    [
        ("-----> Installing rustup", 0.05),
        ("-----> Installing Rust", 1.5),
        ("-----> Compiling the app", 0.0),
        ("Compiling web-server", 0.2),
    ],
)
def test_the_next_build_succeeds_after_a_kill(
    mirrored_platform: Platform, marker: str, delay: float
) -> None:
    build_dir = mirrored_platform.new_build_dir("workspace")
    compile_until(mirrored_platform, build_dir, marker, delay)

    build_dir, result = mirrored_platform.build("workspace")
    assert result.returncode == 0, result.log
    worker = subprocess.run([build_dir / "bin" / "worker"], capture_output=True, text=True)
    assert worker.stdout == "hello from the worker of the workspace\n"
