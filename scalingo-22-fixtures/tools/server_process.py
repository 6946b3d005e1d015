"""A server program the tests run on 127.0.0.1 for a while, in a process of
its own: sccache's backends (redis-server, moto's S3 server). The HTTP
stand-ins the tests serve from their own Python process are another matter.

One way to do it for all of them: a free port, the program started with it,
a wait until the port accepts connections (failing at once, with the
program's own output, if it exits first), and the program stopped after.
"""

from __future__ import annotations

import contextlib
import shlex
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from platform_runner import free_port

START_SECONDS = 30
STOP_SECONDS = 10


@contextlib.contextmanager
def serve(command: Callable[[int], list[str]], log: Path) -> Iterator[int]:
    """Run ``command(port)`` with its output in ``log``; yields the port once it answers."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command(port), stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_listening(process, port, log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{shlex.join(process.args)} exited ({process.returncode}) before listening on"
                f" 127.0.0.1:{port}:\n{log.read_text(errors='replace')}"
            )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{shlex.join(process.args)} did not listen on 127.0.0.1:{port} in time")
