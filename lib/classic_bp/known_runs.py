"""What a cached program answered, kept until one of its files changes.

Why: every rebuild checks that the cached rustup, rustc and cargo still run
(layer.runs: a killed build or a full disk can leave a truncated binary), and
takes rustc's version from that check. Three programs started one after the
other cost about 30 ms of each rebuild, a tenth of a no-change build, to
learn what the last build already learnt from the very same files.

So a successful run is recorded with the identity of every file it depends
on (the program, and for rustc the compiler library it loads): inode,
modification time in nanoseconds and size. A file rewritten in any way (an
update by rustup, a truncated copy, a cache restored from an archive) gets a
new identity, and the program runs again. Only successful runs are
recorded; a failure is never remembered.

The record is one small JSON file among the cache's keys, written atomically;
an unreadable one means "remember nothing".
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from . import cache
from .cache import CacheLayout

RECORD = "known-runs"


def identity(path: Path) -> list[int] | None:
    """Which file ``path`` is now, or None when it cannot be looked at."""
    try:
        found = path.stat()
    except OSError:
        return None
    return [found.st_ino, found.st_mtime_ns, found.st_size]


def _identities(files: Sequence[Path]) -> list[list[object]] | None:
    known: list[list[object]] = []
    for path in files:
        found = identity(path)
        if found is None:
            return None
        known.append([str(path), *found])
    return known


class KnownRuns:
    """The answers of programs that ran successfully, by command line."""

    def __init__(self, layout: CacheLayout) -> None:
        self._path = layout.key_path(RECORD)
        stored = cache.read_key(self._path)
        self._runs: dict = stored if isinstance(stored, dict) else {}

    @staticmethod
    def _command(program: Path, arguments: Sequence[str]) -> str:
        return "\0".join([str(program), *arguments])

    def answer(
        self, program: Path, arguments: Sequence[str], depends_on: Sequence[Path] = ()
    ) -> str | None:
        """What the command printed when it last succeeded, if none of its files changed."""
        entry = self._runs.get(self._command(program, arguments))
        if not isinstance(entry, dict) or not isinstance(entry.get("stdout"), str):
            return None
        now = _identities([program, *depends_on])
        if now is None or entry.get("files") != now:
            return None
        return entry["stdout"]

    def remember(
        self,
        program: Path,
        arguments: Sequence[str],
        stdout: str,
        depends_on: Sequence[Path] = (),
        before: list[list[object]] | None = None,
    ) -> None:
        """Record a successful run; ``before``: the identities taken before it ran,
        so that a file replaced while it ran is not recorded as the one that answered."""
        now = _identities([program, *depends_on])
        if now is None or (before is not None and before != now):
            return
        self._runs[self._command(program, arguments)] = {"files": now, "stdout": stdout}
        # A cache that cannot be written only means running it again next time.
        with contextlib.suppress(OSError):
            cache.write_key(self._path, self._runs)

    @staticmethod
    def identities(program: Path, depends_on: Sequence[Path] = ()) -> list[list[object]] | None:
        return _identities([program, *depends_on])
