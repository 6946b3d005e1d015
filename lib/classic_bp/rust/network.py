"""rustup commands run again when they fail on a network error.

rustup retries a component download itself (RUSTUP_MAX_RETRIES), but not
the channel manifest and its ``.sha256``: a mirror answering one 503 there
would fail the build at rustup's first request. So the whole command is run
again, under the buildpack's one retry policy (fetch/retry.py: attempts,
backoff, total time), when its output shows a download failure, and only
then: an unknown toolchain fails at once. Rerunning is safe: rustup installs
into a temporary folder and renames it into place when complete.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import errors
from ..fetch import retry
from ..platform import output, run

# What rustup prints when a transfer failed, rather than the request itself.
NETWORK_FAILURES = (
    "could not download file",
    "error during download",
    "failed to download",
    "http request returned an unsuccessful status code: 5",
    "http request returned an unsuccessful status code: 429",
    "timed out",
    "connection refused",
    "connection reset",
)


def stream_rustup(
    command: Sequence[str | Path], env: Mapping[str, str], what: str, heartbeat: str | None = None
) -> int:
    """``run.stream_command`` for rustup, retried on network failures."""
    deadline = time.monotonic() + retry.TOTAL_SECONDS
    delay = retry.FIRST_BACKOFF_SECONDS
    seen: list[str] = []

    def watch(line: str) -> bool:
        lowered = line.lower()
        if any(failure in lowered for failure in NETWORK_FAILURES):
            seen.append(line)
        return False

    for attempt in range(1, retry.ATTEMPTS + 1):
        seen.clear()
        returncode = run.stream_command(command, env=env, consume=watch, heartbeat=heartbeat)
        last = attempt == retry.ATTEMPTS or time.monotonic() + delay >= deadline
        if returncode == 0 or not seen or last:
            return returncode
        output.detail(f"Note: {errors.note_retrying(what, attempt, retry.ATTEMPTS, delay)}")
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")
