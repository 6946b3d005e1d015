"""How far a long download has come, and a line when a tool is silent.

A build log that stops moving looks stuck: a download prints its progress
(rich's bar at a terminal, a line per 10 % in a log), and a streamed tool
silent for PROGRESS_INTERVAL gets a line with the time so far (run.py).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .output import DETAIL_PREFIX, detail, format_seconds, format_size


class _Transfer:
    """Counts the bytes of one download and shows how far it has come.

    In a log (not a terminal): one line per 10 % passed, or every
    PROGRESS_INTERVAL seconds when the size is unknown or the transfer slow;
    nothing for a transfer that ends within QUIET_SECONDS, so quick downloads
    add no lines. At a terminal: rich's progress bar, when rich is importable.
    """

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total = label, total or None
        self.done = 0
        self.started = self.last_line = time.monotonic()
        self.last_tenth = 0
        self.bar = _rich_bar(label, self.total) if sys.stdout.isatty() else None

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar[0].update(self.bar[1], completed=self.done)
            return
        now = time.monotonic()
        tenth = self.done * 10 // self.total if self.total else 0
        if now - self.started < QUIET_SECONDS:
            self.last_tenth = tenth
            return
        if tenth > self.last_tenth or now - self.last_line >= PROGRESS_INTERVAL:
            self.last_tenth, self.last_line = tenth, now
            detail(f"{self.label}: {self._amount()}")

    def _amount(self) -> str:
        if not self.total:
            return format_size(self.done)
        percent = min(100, self.done * 100 // self.total)
        return f"{percent} % ({format_size(self.done)} of {format_size(self.total)})"

    def close(self) -> None:
        if self.bar is not None:
            self.bar[0].stop()


# A transfer shorter than this prints no progress in a log; then a line per
# 10 %, and at least one every PROGRESS_INTERVAL seconds.
QUIET_SECONDS = 2.0
PROGRESS_INTERVAL = 5.0


def _rich_bar(label: str, total: int | None):
    """rich's download bar, or None when rich is not importable (bootstrap)."""
    try:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )
    except ImportError:
        return None
    bar = Progress(
        TextColumn(DETAIL_PREFIX + "{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        transient=True,
    )
    task = bar.add_task(label, total=total)
    bar.start()
    return bar, task


@contextmanager
def transfer_progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Progress of a long download: yields ``advance(byte_count)``."""
    transfer = _Transfer(label, total)
    try:
        yield transfer.advance
    finally:
        transfer.close()


class Heartbeat:
    """A line when a streamed command has been silent for PROGRESS_INTERVAL.

    rustup prints nothing while it downloads a toolchain component when its
    output is not a terminal (and ours is a pipe): without this line a log
    would look stuck for a minute.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = self.last_output = time.monotonic()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            now = time.monotonic()
            if now - self.last_output >= PROGRESS_INTERVAL:
                self.last_output = now
                detail(f"{self.label}, {format_seconds(now - self.started)} so far")

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()
