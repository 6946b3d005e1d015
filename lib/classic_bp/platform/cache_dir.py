"""The platform's CACHE_DIR: checked once, and held by one build at a time.

Standard library only: boot.py runs this before the buildpack's own Python
packages are fetched into the cache.

An unusable cache dir (a file, read-only, owned by another user) does not
fail the build: the cache only makes builds faster, so the build goes on
with an empty temporary cache and warns once that the next build will be
cold too. Blaming the network for it (as fetching the Python packages into
it used to) would send the user looking in the wrong place.

Two builds on one cache dir would delete each other's work (pruning, key
changes). So a build holds an exclusive ``flock`` on a file in CACHE_DIR
for its whole life and says in the log when it waits for another one. The
kernel releases the lock when its holder dies, even by SIGKILL, so a killed
build never blocks the next one. The lock file lives beside the buildpack's
folder, not in it: discarding a whole cache removes that folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from pathlib import Path

from .. import errors
from . import output, report

LOCK_NAME = "rust-buildpack.lock"
# Folders of CACHE_DIR a build writes into, besides CACHE_DIR itself.
OWN_FOLDERS = ("rust-buildpack", "rust-buildpack-python")
POLL_SECONDS = 0.2

_opened: dict[str, Path] = {}
_locks: list[int] = []


def problem_with(cache_dir: Path) -> str | None:
    """Why the build cannot keep its work in ``cache_dir``; None when it can."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "it is not a directory"
    except OSError as failure:
        return f"it cannot be created ({failure.strerror or failure})"
    if not cache_dir.is_dir():
        return "it is not a directory"
    for folder in (cache_dir, *(cache_dir / name for name in OWN_FOLDERS)):
        if not folder.exists():
            continue
        if not folder.is_dir() or folder.is_symlink():
            return f"{folder} is not a directory"
        try:
            handle, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
        except OSError as failure:
            return f"{folder} cannot be written ({failure.strerror or failure})"
        os.close(handle)
        os.unlink(probe)
    try:
        os.close(_open_lock(cache_dir))
    except OSError as failure:
        return f"its lock file {LOCK_NAME} cannot be opened ({failure.strerror or failure})"
    return None


def _open_lock(cache_dir: Path) -> int:
    return os.open(cache_dir / LOCK_NAME, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)


def open_cache_dir(cache_dir: str) -> str:
    """The cache dir this build uses, locked for it; the same answer every call."""
    if cache_dir in _opened:
        return str(_opened[cache_dir])
    given = Path(cache_dir).absolute()
    problem = problem_with(given)
    used = given
    if problem is not None:
        used = Path(tempfile.mkdtemp(prefix="classic-bp-cache-"))
        output.warning(errors.cache_dir_unusable(given, problem, used))
        report.record("cache_dir_problem", problem)
    _lock(used)
    # boot.py passes the answer on as CACHE_DIR: asked again, it is the answer.
    _opened[cache_dir] = _opened[str(used)] = used
    return str(used)


def _lock(cache_dir: Path) -> None:
    """Wait for any other build on this cache dir; hold the lock until exit."""
    path = cache_dir / LOCK_NAME
    handle = _open_lock(cache_dir)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        output.detail(f"Note: {errors.note_waiting_for_cache(path)}")
        started = time.monotonic()
        while True:
            time.sleep(POLL_SECONDS)
            with contextlib.suppress(BlockingIOError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
        waited = output.format_seconds(time.monotonic() - started)
        output.detail(f"Note: {errors.note_cache_acquired(waited)}")
    _locks.append(handle)
