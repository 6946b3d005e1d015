"""The one retry loop of every network request: bounded, with exponential backoff.

Standard library only: wheels.py runs it before requests is importable.
A failure worth another attempt (a timeout, a refused connection, HTTP 429
or 5xx) is raised as ``Transient`` carrying the error to report if it was
the last attempt; anything else ends the loop at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

ATTEMPTS = 4
FIRST_BACKOFF_SECONDS = 0.5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

T = TypeVar("T")


class Transient(Exception):
    """Worth another attempt; ``failure`` is raised when none is left."""

    def __init__(self, failure: BaseException) -> None:
        super().__init__(str(failure))
        self.failure = failure


def with_retries(
    once: Callable[[int], T],
    attempts: int = ATTEMPTS,
    first_backoff: float = FIRST_BACKOFF_SECONDS,
) -> T:
    """``once(attempt)`` until it returns, at most ``attempts`` times."""
    delay = first_backoff
    for attempt in range(1, attempts + 1):
        try:
            return once(attempt)
        except Transient as problem:
            if attempt == attempts:
                raise problem.failure from None
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")
