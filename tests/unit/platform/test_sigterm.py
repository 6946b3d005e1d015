"""SIGTERM stops everything the buildpack started, then ends the command cleanly.

A platform sends SIGTERM to the buildpack alone on a build timeout or a
cancelled deploy. The buildpack's own processes are stand-ins for cargo and
the rustc processes it starts: a child that starts grandchildren, in the
buildpack's process group. Fast: no Rust needed (the kill tests in
test_interrupted_builds.py do the same with real builds).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classic_bp.platform import guard
from platform_runner import REPO_ROOT

LIB = REPO_ROOT / "lib"
# A command that streams a child's output, like cargo's, under the command guard.
BUILDPACK_STAND_IN = """
import sys
from classic_bp.platform import guard, output, run

def command(argv):
    run.stream_command(["sh", "-c", sys.argv[1]], env={"PATH": "/usr/bin:/bin"})
    return 0

guard.handle_sigterm()
sys.exit(guard.run_guarded(command, []))
"""
# "rustc" processes that ignore SIGTERM have to be killed after the grace period.
FAMILY = "echo started; (trap '' TERM; exec sleep 300) & sleep 301 & sleep 302; wait"


def processes_named_sleep_of(session: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if "(sleep)" in stat and int(fields[3]) == session and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_sigterm_stops_children_and_grandchildren_then_exits_143() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", BUILDPACK_STAND_IN, FAMILY],
        env={"PYTHONPATH": str(LIB), "PATH": os.environ["PATH"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    assert "started" in process.stdout.readline()
    deadline = time.monotonic() + 10
    while len(processes_named_sleep_of(process.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(processes_named_sleep_of(process.pid)) == 3

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)  # the buildpack alone, not its group
    _stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "The build was interrupted" in stderr
    assert "Traceback" not in stderr
    assert time.monotonic() - started < 10  # the grace period, then SIGKILL
    assert processes_named_sleep_of(process.pid) == []


def test_a_sigterm_inside_a_deferred_block_lands_when_the_block_is_over() -> None:
    class Stopped(Exception):
        pass

    def stop(_number: int, _frame: object) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGTERM, stop)
    done = []
    try:
        with pytest.raises(Stopped), guard.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # a handler would have run by now
            done.append("all of the block")
        assert done == ["all of the block"]
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, previous)
