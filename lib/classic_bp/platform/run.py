"""Running the tools (rustup, cargo, git): never through a shell, time accounted.

Each run's wall time adds to ``clocks.tools`` (downloads to
``clocks.downloads``), so that the build report tells the buildpack's own
overhead apart from the work it delegates.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import clocks, output
from .progress import Heartbeat


def stream_command(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    consume: Callable[[str], bool] | None = None,
    heartbeat: str | None = None,
) -> int:
    """Run a command (never through a shell), streaming its output indented.

    stdout and stderr are merged so that the log keeps the tool's own order.
    ``consume`` sees each line first and keeps the machine-readable ones
    (cargo's JSON messages) out of the log by returning True. With
    ``heartbeat``, a silent stretch prints that text and the time so far.
    Returns the exit code; the caller turns a failure into a specific error.
    """
    started = time.monotonic()
    beat = Heartbeat(heartbeat) if heartbeat else None
    process = subprocess.Popen(
        [str(part) for part in command],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            # Progress bars redraw with \r; keep only the final state of a line.
            line = line.rsplit("\r", 1)[-1]
            if beat is not None:
                beat.last_output = time.monotonic()
            if consume is not None and consume(line):
                continue
            output.detail_line(line)
    except BaseException:
        # Interrupted (SIGTERM, Ctrl-C): do not leave cargo running behind us.
        process.terminate()
        raise
    finally:
        if beat is not None:
            beat.stop()
        process.stdout.close()
        returncode = process.wait()
        clocks.add_tool_time(started)
    return returncode


def run_quietly(
    command: Sequence[str | Path], *, env: Mapping[str, str]
) -> subprocess.CompletedProcess:
    """Run a chatty command whose output only matters when it fails.

    On failure its whole output is shown, indented, so the error above the
    buildpack's own message still explains what happened; it is returned
    (``stdout``, text) for the caller to tell why.
    """
    started = time.monotonic()
    completed = subprocess.run(
        [str(part) for part in command],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    clocks.add_tool_time(started)
    completed.stdout = completed.stdout.decode("utf-8", "replace")
    if completed.returncode != 0:
        output.detail(completed.stdout)
    return completed


def capture(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    text: bool = True,
    counted: bool = True,
) -> subprocess.CompletedProcess:
    """Run a tool for its output (never through a shell); its time counts as tool
    time, unless ``counted`` is false (a tool run in a thread beside another)."""
    started = time.monotonic()
    try:
        return subprocess.run(
            [str(part) for part in command],
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=text,
            timeout=timeout,
            check=False,
        )
    finally:
        if counted:
            clocks.add_tool_time(started)
