"""Make the buildpack's third-party packages importable, with the stdlib alone.

Runs before click or requests can be imported. The stacks have no pip, so:
- a release tarball vendors the packages (lib/vendor, put on sys.path by boot);
- a git clone fetches the pinned wheels listed in lib/runtime-packages.json
  from a PEP 691/503 simple index (PIP_INDEX_URL, from the app's config or the
  environment, else PyPI), checks each sha256, unpacks them into
  CACHE_DIR/rust-buildpack-python/<pins hash>/ and reuses them on later
  builds; new pins mean a new folder, and old ones are removed.
Nothing is ever installed into the system Python.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .. import errors
from ..platform import output, report
from .urls import index_url, shown_url

RUNTIME_MODULES = ("click", "requests", "rich")
LOCK_PATH = Path(__file__).resolve().parents[2] / "runtime-packages.json"
FETCHING_COMMANDS = ("compile", "test-compile")
COMPLETE_MARKER = ".complete"
# Cache invalidation: the folder is named after the hash of the pins, so new
# pins mean a new folder; the old ones are removed once it is complete. Not a
# layer.Layer: this runs before the modules a Layer uses may be importable.
LAYER_NAME = "python packages"


class FetchError(Exception):
    """A package could not be fetched; the message says which and from where."""


def missing_modules() -> list[str]:
    needed = list(RUNTIME_MODULES)
    if sys.version_info < (3, 11):
        needed.append("tomli")
    return [name for name in needed if importlib.util.find_spec(name) is None]


def lock_key(lock_text: str) -> str:
    return hashlib.sha256(lock_text.encode()).hexdigest()[:16]


class _FetchedList:
    """The fetched packages, printed on one line when all are in.

    Twelve lines of pinned names say less than one; while a slow index keeps
    the build waiting, a count every few seconds shows that it moves.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.names: list[str] = []
        self.last_line = time.monotonic()

    def __call__(self, package: dict[str, str]) -> None:
        self.names.append(f"{package['name']} {package['version']}")
        now = time.monotonic()
        if len(self.names) < self.total and now - self.last_line >= output.PROGRESS_INTERVAL:
            self.last_line = now
            output.detail(f"Fetched {len(self.names)} of {self.total} packages")

    def print(self) -> None:
        output.detail(f"{', '.join(self.names)} (sha256 verified)")


def packages_dir(cache_dir: Path, index: str) -> Path:
    """The folder holding the pinned packages, fetched now if the cache lacks them."""
    lock_text = LOCK_PATH.read_text(encoding="utf-8")
    root = cache_dir / "rust-buildpack-python"
    target = root / lock_key(lock_text)
    if (target / COMPLETE_MARKER).is_file():
        report.cache_decision(LAYER_NAME, "reused")
        return target
    earlier = root.is_dir() and any(old.is_dir() for old in root.iterdir())
    report.cache_decision(
        LAYER_NAME, "discarded: the pinned packages changed" if earlier else "created"
    )
    from .wheels import fetch_wheels  # http.client, zipfile: only when fetching

    output.step("Fetching the buildpack's Python packages")
    output.detail(f"From {shown_url(index)}")
    packages = json.loads(lock_text)["packages"]
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetching-", dir=root))
    fetched = _FetchedList(len(packages))
    try:
        fetch_wheels(index, packages, staging, fetched)
        fetched.print()
        (staging / COMPLETE_MARKER).write_text(lock_key(lock_text) + "\n")
        for old in root.iterdir():
            if old.is_dir() and old != staging:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def ensure_runtime_packages(argv: list[str]) -> None:
    if not missing_modules():
        report.cache_decision(LAYER_NAME, "not used: the packages are importable")
        return
    command = argv[0] if argv else ""
    if command not in FETCHING_COMMANDS or len(argv) < 3:
        output.error(str(errors.runtime_packages_missing(missing_modules())))
        sys.exit(1)
    env_dir = Path(argv[3]) if len(argv) > 3 else None
    index = index_url(env_dir)
    try:
        target = packages_dir(Path(argv[2]).resolve(), index)
    except (FetchError, OSError) as problem:
        failure = errors.runtime_packages_unavailable(str(problem), shown_url(index))
        output.error(str(failure))
        sys.exit(1)
    sys.path.insert(1, str(target))
    importlib.invalidate_caches()
