"""Where heavy test fixtures (the rustup mirror, the crates registry, the stack
root filesystems) are cached, and how builders of one share it.

Outside the repository, so that a clean clone stays small and every test run
on the machine reuses one build. ``CLASSIC_BP_FIXTURE_CACHE`` overrides it.
"""

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def fixture_cache_dir() -> Path:
    configured = os.environ.get("CLASSIC_BP_FIXTURE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "classic-bp-fixtures"


@contextlib.contextmanager
def build_lock(dest: Path) -> Iterator[None]:
    """Serialise builders (parallel pytest workers, two shells) of one cached fixture."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / f".{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
