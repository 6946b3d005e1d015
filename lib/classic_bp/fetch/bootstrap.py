"""Make the buildpack's third-party packages importable, with the stdlib alone.

Runs before click or rich can be imported. The stacks have no pip, so:
- a release tarball vendors the packages (lib/vendor, put on sys.path by boot);
- a git clone fetches the pinned wheels listed in lib/runtime-packages.json
  from a PEP 691/503 simple index (PIP_INDEX_URL, from the app's config or the
  environment, else PyPI), checks each sha256, unpacks them into
  CACHE_DIR/rust-buildpack-python/<pins hash>/ and reuses them on later
  builds; new pins mean a new folder, and old ones are removed.
Nothing is ever installed into the system Python.

A platform's build (compile or test-compile, its output a pipe or a file)
needs none of them: the commands are dispatched without click
(commands/platform_main.py), every download goes through the stdlib transport
(transport.py), rich only draws progress bars at a terminal, and TOML is read
with tomllib, or on Python 3.10 with toml_subset.py. So such a build fetches
nothing, and the cache holds no Python package. Only a TOML file beyond what
toml_subset.py reads makes a 3.10 build fetch tomli, then and there
(``import_early``). At a terminal (a local `docker run -it` of the stack
image) a build fetches them all, for rich's bars.

A cold build never waits for them before Rust is installed: tomli is fetched
first and imported on its own as soon as it is in, and
``start_runtime_packages`` starts the fetch in a thread and returns;
``wait_for_packages`` joins it once Rust is installed, or before the first
use of a package, whichever is first.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from .. import errors
from ..digests import sha256
from ..platform import output, progress, report
from .urls import index_url, shown_url

RUNTIME_MODULES = ("click", "rich")
LOCK_PATH = Path(__file__).resolve().parents[2] / "runtime-packages.json"
FETCHING_COMMANDS = ("compile", "test-compile")
COMPLETE_MARKER = ".complete"
# Cache invalidation: the folder is named after the hash of the pins, so new
# pins mean a new folder; the old ones are removed once it is complete. Not a
# layer.Layer: this runs before the modules a Layer uses may be importable.
LAYER_NAME = "python packages"
# Read before Rust is installed (toml_compat.py): fetched first, and importable
# on their own before the others are in.
EARLY = ("tomli",) if sys.version_info < (3, 11) else ()


def missing_modules() -> list[str]:
    """The modules the click command, or a build at a terminal, cannot import."""
    needed = [*RUNTIME_MODULES, *EARLY]
    return [name for name in needed if importlib.util.find_spec(name) is None]


@functools.cache
def _all_pins() -> tuple[dict[str, str], ...]:
    return tuple(json.loads(LOCK_PATH.read_text(encoding="utf-8"))["packages"])


def pinned(at_terminal: bool = True) -> list[dict[str, str]]:
    """The pins to fetch: all of them at a terminal (or for a tarball), else EARLY's
    (tomli on 3.10, when a TOML file needs it)."""
    return [p for p in _all_pins() if at_terminal or p["name"] in EARLY]


def lock_key(packages: list[dict[str, str]]) -> str:
    """The folder name of one selection of pins: another pin, another folder."""
    return sha256(json.dumps(packages, sort_keys=True).encode()).hexdigest()[:16]


class _FetchedList:
    """The fetched packages, printed on one line, in the pins' order, when all are in.

    Seven lines of pinned names say less than one; while a slow index keeps
    the build waiting, a count every few seconds shows that it moves.
    """

    def __init__(self, packages: list[dict[str, str]]) -> None:
        self.names = [f"{package['name']} {package['version']}" for package in packages]
        self.done: set[str] = set()
        self.early = threading.Event()

    def add(self, package: dict[str, str]) -> None:
        """In the fetch's thread: one more package is in."""
        self.done.add(package["name"])
        if self.done.issuperset(EARLY):
            self.early.set()

    def progress(self) -> str:
        return f"Fetched {len(self.done)} of {len(self.names)} packages"

    def print(self) -> None:
        output.detail(f"{', '.join(self.names)} (sha256 verified)")


class _Fetch:
    """The pinned packages fetched into a staging folder, in a thread of their own.

    A cold build starts this before anything else and waits for it only once
    Rust is installed (``wait``): the toolchain never waits for the packages.
    The thread prints nothing (the log would interleave); ``wait`` prints the
    one-line list. The folder is renamed into place only when every wheel is
    in, so a failed or abandoned fetch leaves no folder a later build would
    take for complete (a killed one leaves a ``.fetching-*`` folder, which the
    next fetch removes).
    """

    def __init__(self, root: Path, target: Path, packages: list[dict[str, str]], index: str):
        self.root, self.target, self.index = root, target, index
        self.packages = packages
        self.fetched = _FetchedList(packages)
        self.failure: BaseException | None = None
        self.staging: Path | None = None
        # Held while the staging folder is renamed or removed, and while an
        # early package is imported from it.
        self.moving = threading.Lock()
        # Set when _run ends. Not thread.is_alive(): a signal that interrupts
        # Thread.join() can leave a running thread marked stopped (CPython
        # gh-90882, before 3.13), and a SIGTERM while waiting is exactly that.
        self.done = threading.Event()
        first = sorted(packages, key=lambda package: package["name"] not in EARLY)
        self.thread = threading.Thread(
            target=self._run, args=(first,), name="python-packages", daemon=True
        )
        self.thread.start()

    def _run(self, packages: list[dict[str, str]]) -> None:
        from .wheels import fetch_wheels  # http.client, zipfile: only when fetching

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            staging = self.staging = Path(tempfile.mkdtemp(prefix=".fetching-", dir=self.root))
            fetch_wheels(self.index, packages, staging, self.fetched.add)
            (staging / COMPLETE_MARKER).write_text(lock_key(self.packages) + "\n")
            current = {lock_key(pinned(at_terminal)) for at_terminal in (True, False)}
            for old in self.root.iterdir():
                if old.is_dir() and old != staging and old.name not in current:
                    shutil.rmtree(old, ignore_errors=True)
            with self.moving:
                os.replace(staging, self.target)
        except BaseException as problem:  # handed to wait(), in the build's thread
            self.failure = problem
        finally:
            with self.moving:
                if self.staging is not None:
                    shutil.rmtree(self.staging, ignore_errors=True)
                self.staging = None
            self.done.set()

    def import_early(self, module: str) -> bool:
        """Import ``module`` (one of EARLY) as soon as its wheel is in, whether or
        not the others are; False when the fetch ended without it (a failure)."""
        while not self.fetched.early.wait(0.05):
            if self.done.is_set():
                return False
        with self.moving:
            folder = self.staging or (self.target if self.failure is None else None)
            if folder is None:  # tomli came, then another package failed
                return False
            sys.path.insert(1, str(folder))
            try:
                importlib.invalidate_caches()
                importlib.import_module(module)
            finally:
                sys.path.remove(str(folder))
        return True

    def wait(self) -> Path:
        """The packages' folder once complete; a failure as the build's error."""
        from .wheels import FetchError  # imported already: the fetch ran

        output.step("Fetching the buildpack's Python packages")
        output.detail(f"From {shown_url(self.index)}")
        while not self.done.wait(progress.PROGRESS_INTERVAL):
            output.detail(self.fetched.progress())
        if isinstance(self.failure, FetchError):
            raise errors.runtime_packages_unavailable(str(self.failure), shown_url(self.index))
        if isinstance(self.failure, OSError):
            # The network worked (or was not needed): the cache dir failed us.
            problem = self.failure
            where = Path(problem.filename) if problem.filename else self.root
            raise errors.runtime_packages_not_stored(where, problem.strerror or str(problem))
        if self.failure is not None:
            raise self.failure
        self.fetched.print()
        return self.target


def _folder(cache_dir: Path) -> Path:
    return cache_dir / "rust-buildpack-python"


def _start(cache_dir: Path, index: str, at_terminal: bool = True) -> Path | _Fetch:
    """The packages' folder when the cache has them, else their fetch, started."""
    packages = pinned(at_terminal)
    root = _folder(cache_dir)
    target = root / lock_key(packages)
    if (target / COMPLETE_MARKER).is_file():
        report.cache_decision(LAYER_NAME, "reused")
        return target
    earlier = root.is_dir() and any(old.is_dir() for old in root.iterdir())
    report.cache_decision(
        LAYER_NAME, "discarded: the pinned packages changed" if earlier else "created"
    )
    return _Fetch(root, target, packages, index)


def packages_dir(cache_dir: Path, index: str) -> Path:
    """The folder holding every pinned package, fetched now if the cache lacks them."""
    found = _start(cache_dir, index)
    return found if isinstance(found, Path) else found.wait()


def _drop_unused(cache_dir: Path) -> None:
    """The packages a build not at a terminal does not use (an earlier version's,
    or a terminal's): out of the cache, a read-only one left as it is. On 3.10
    the tomli an earlier build needed stays for the next."""
    root = _folder(cache_dir)
    if not root.is_dir():
        return
    kept = lock_key(pinned(at_terminal=False))
    for old in root.iterdir():
        if old.name != kept:
            shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        root.rmdir()  # when empty


def fetches(argv: list[str]) -> bool:
    """compile or test-compile with a CACHE_DIR: the commands that fetch into it."""
    return len(argv) >= 3 and argv[0] in FETCHING_COMMANDS


_pending: _Fetch | None = None
# (CACHE_DIR, index) of a build that fetched nothing up front: where a TOML file
# toml_subset.py does not read makes it fetch tomli on 3.10.
_on_demand: tuple[Path, str] | None = None


def start_runtime_packages(argv: list[str]) -> None:
    """Make the packages importable, or start fetching them for ``wait_for_packages``.

    ``argv``: the command and its arguments, CACHE_DIR already checked (boot.py)."""
    global _pending, _on_demand
    if not fetches(argv):
        if missing_modules():
            raise errors.runtime_packages_missing(missing_modules())
        return
    cache_dir = Path(argv[2]).resolve()
    env_dir = Path(argv[3]) if len(argv) > 3 and argv[3] else None
    if not sys.stdout.isatty():
        _drop_unused(cache_dir)
        _on_demand = (cache_dir, index_url(env_dir))
        report.cache_decision(LAYER_NAME, "not used: a build not at a terminal needs none")
        return
    if not missing_modules():
        report.cache_decision(LAYER_NAME, "not used: the packages are importable")
        return
    found = _start(cache_dir, index_url(env_dir))
    if isinstance(found, Path):
        _importable(found)
    else:
        _pending = found


def import_early(module: str) -> None:
    """Make ``module``, one of EARLY (tomli on 3.10), importable: at once when a
    fetch runs and has it, else once the packages are there; a build that
    fetched nothing up front fetches (or finds in its cache) EARLY's now."""
    if _pending is not None and module in EARLY and _pending.import_early(module):
        return
    if _pending is None and _on_demand is not None and importlib.util.find_spec(module) is None:
        found = _start(*_on_demand, at_terminal=False)
        _importable(found if isinstance(found, Path) else found.wait())
        return
    wait_for_packages()


def wait_for_packages() -> None:
    """Called before the first use of a package (and at the latest once Rust is
    installed): waits for the fetch, if one runs, and makes them importable."""
    global _pending
    if _pending is None:
        return
    # Still pending while it waits: interrupted, boot.py abandons it (abandon_fetch).
    _importable(_pending.wait())
    _pending = None


def abandon_fetch() -> bool:
    """A fetch nobody waited for (the build ended first): its staging folder is
    removed, and True tells boot.py to exit without joining the fetch's
    threads, which a stalled index could hold for minutes."""
    if _pending is None or _pending.done.is_set():
        return False
    with _pending.moving:
        if _pending.staging is not None:
            shutil.rmtree(_pending.staging, ignore_errors=True)
    return True


def _importable(folder: Path) -> None:
    sys.path.insert(1, str(folder))
    importlib.invalidate_caches()
