"""The one retry policy of every network request: bounded, with exponential backoff.

Standard library only: it runs before the buildpack's own packages are there.
A failure worth another attempt (a timeout, a refused connection, HTTP 429
or 5xx) is raised as ``Transient`` carrying the error to report if it was
the last attempt; anything else ends the loop at once.

The same numbers are handed to rustup (RUSTUP_MAX_RETRIES) and cargo
(CARGO_NET_RETRY, CARGO_HTTP_TIMEOUT, CARGO_HTTP_LOW_SPEED_LIMIT) by
``tool_variables``, so docs/reliability.md can state one policy: ATTEMPTS attempts,
waiting 1, 2, 4 s between them; an attempt whose server sends nothing for
STALL_SECONDS fails; one download (all its attempts) gives up after
TOTAL_SECONDS. rustup's own downloads go through the relay (relay.py), which
applies these attempts and back-off to each file, and bounds a stall by
progress (BP_DOWNLOAD_STALL_TIMEOUT) rather than by a total time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

ATTEMPTS = 4
FIRST_BACKOFF_SECONDS = 1.0
CONNECT_SECONDS = 10
STALL_SECONDS = 30
TOTAL_SECONDS = 900
# cargo's own rule for a slow transfer: under this many bytes a second for
# CARGO_HTTP_TIMEOUT seconds fails the attempt (a drip never ends otherwise).
LOW_SPEED_BYTES_PER_SECOND = 10
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")


class Transient(Exception):
    """Worth another attempt; ``failure`` is raised when none is left."""

    def __init__(self, failure: BaseException) -> None:
        super().__init__(str(failure))
        self.failure = failure


class OutOfTime(Exception):
    """The download's total time limit passed; raised by ``check_deadline``."""


def with_retries(
    once: Callable[[int], T],
    attempts: int | None = None,
    first_backoff: float | None = None,
    total_seconds: float | None = None,
) -> T:
    """``once(attempt)`` until it returns, at most ``attempts`` (ATTEMPTS) times.

    With ``total_seconds``, no attempt starts (nor waits) past that time; the
    last failure is raised then. The defaults are read at each call, so that
    tests may shorten them.
    """
    attempts = attempts or ATTEMPTS
    deadline = time.monotonic() + total_seconds if total_seconds else None
    delay = FIRST_BACKOFF_SECONDS if first_backoff is None else first_backoff
    for attempt in range(1, attempts + 1):
        try:
            return once(attempt)
        except Transient as problem:
            late = deadline is not None and time.monotonic() + delay >= deadline
            if attempt == attempts or late:
                raise problem.failure from None
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


def deadline_after(seconds: float = TOTAL_SECONDS) -> float:
    return time.monotonic() + seconds


def check_deadline(deadline: float) -> None:
    """Called between blocks of a transfer: a slow drip cannot outlast the limit."""
    if time.monotonic() > deadline:
        raise OutOfTime


def tool_variables(environment: dict[str, str]) -> dict[str, str]:
    """The policy for rustup and cargo; a value the app sets itself wins."""
    policy = {
        "RUSTUP_MAX_RETRIES": str(ATTEMPTS - 1),
        "CARGO_NET_RETRY": str(ATTEMPTS - 1),
        "CARGO_HTTP_TIMEOUT": str(STALL_SECONDS),
        "CARGO_HTTP_LOW_SPEED_LIMIT": str(LOW_SPEED_BYTES_PER_SECOND),
    }
    return {**policy, **environment}
