"""Entry point the bin/* shims run with ``python3 -I -S`` (lib/run.sh says why).

Standard library only. It puts the buildpack's own ``lib/`` (and the vendored
packages, when a release tarball ships them) on ``sys.path`` and dispatches.
detect, release, test and report use the standard library only, so they work
on a stack before (or without) any third-party package; compile and
test-compile are dispatched without click and start fetching their packages
into the cache when the buildpack came from a git clone, without waiting for
them before Rust is installed. detect runs on every build
of every app: it imports next to nothing (os.path, no pathlib).
"""

from __future__ import annotations

import os
import sys

LIB_DIR = os.path.dirname(os.path.abspath(__file__))
VENDOR_DIR = os.path.join(LIB_DIR, "vendor")
MINIMUM_PYTHON = (3, 10)
NEWER_PYTHONS = ("python3.14", "python3.13", "python3.12", "python3.11", "python3.10")
PLATFORM_BUILDS = ("compile", "test-compile")
STDLIB_COMMANDS = {
    "release": "classic_bp.commands.release",
    "test": "classic_bp.commands.ci_test",
    "report": "classic_bp.commands.report",
}


def _ensure_supported_python() -> None:
    """On a python3 older than 3.10, run again with a newer python3.X, or explain."""
    if sys.version_info >= MINIMUM_PYTHON:
        return
    import shutil

    for name in NEWER_PYTHONS:
        found = shutil.which(name)
        if found:
            os.execv(found, [found, "-I", "-S", __file__, *sys.argv[1:]])
    sys.stderr.write(
        " !     This buildpack needs python3 3.10 or newer on the stack; found %s.\n"  # noqa: UP031 - runs on old Pythons
        " !     Use a supported stack (scalingo-22 or newer, heroku-22 or newer).\n"
        % sys.version.split()[0]
    )
    sys.exit(1)


def main(argv: list[str]) -> int:
    _ensure_supported_python()
    sys.path.insert(0, LIB_DIR)
    if os.path.isdir(VENDOR_DIR):
        sys.path.insert(1, VENDOR_DIR)
    command = argv[0] if argv else ""
    if command in PLATFORM_BUILDS and len(argv) > 2:
        import bytecode_cache  # the buildpack's modules compiled once, not every build

        bytecode_cache.install(LIB_DIR, argv[2])
    if command == "detect":
        from classic_bp.commands.detect import main as detect_main

        return detect_main(argv[1:])
    if command in STDLIB_COMMANDS:
        import importlib

        from classic_bp.platform.guard import run_guarded

        module = importlib.import_module(STDLIB_COMMANDS[command])
        return run_guarded(module.main, argv[1:])
    from classic_bp.platform.guard import handle_sigterm, run_guarded

    handle_sigterm()
    return run_guarded(_fetch_and_run, argv)


def _fetch_and_run(argv: list[str]) -> int:
    """compile and test-compile: the cache dir first (checked, locked), then the
    fetch of the Python packages into it starts, and the build runs beside it,
    waiting for it only once Rust is installed (fetch/bootstrap.py)."""
    from classic_bp.fetch.bootstrap import fetches, start_runtime_packages

    if fetches(argv):
        from classic_bp.platform.cache_dir import open_cache_dir

        argv = [*argv[:2], open_cache_dir(argv[2]), *argv[3:]]
        start_runtime_packages(argv)
    if argv and argv[0] in PLATFORM_BUILDS:
        import time

        from classic_bp.platform import report

        started = time.monotonic()
        from classic_bp.commands import platform_main  # no click: see its docstring

        report.add_import_time(time.monotonic() - started)
        return platform_main.main(argv)
    start_runtime_packages(argv)  # anything else is click's to answer
    from classic_bp.commands.cli import main as cli_main

    return cli_main(argv)


def _exit(code: int) -> None:
    """A build that ended before it waited for its packages' fetch (a user error
    first) exits without joining the fetch's threads: a stalled index could hold
    them for minutes. The fetch's staging folder is removed (and never taken for
    complete: only a finished fetch renames it into place)."""
    from classic_bp.fetch.bootstrap import abandon_fetch

    if abandon_fetch():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _leave(code)


def _leave(code: int) -> None:
    """Exit without Python's teardown of its modules when nothing needs it.

    Why: that teardown (some 300 modules, their objects, the garbage
    collector's last pass) takes a rebuild about 8 ms, a tenth of its fixed
    time, and frees only memory the kernel takes back anyway. The build's
    files are written and closed by then (``with`` blocks, never
    finalizers). What Python's own exit would still do is kept: when an
    ``atexit`` callback is registered or a thread that is not a daemon still
    runs, or when the output cannot be flushed (a closed pipe), it exits as
    usual.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    callbacks = getattr(__import__("atexit"), "_ncallbacks", None)
    if callbacks is None or callbacks() or _threads_left():
        sys.exit(code)
    os._exit(code)


def _threads_left() -> bool:
    """True while a thread Python's exit would wait for is still running."""
    threading = sys.modules.get("threading")
    if threading is None:
        return False
    main = threading.main_thread()
    return any(
        thread is not main and not thread.daemon and thread.is_alive()
        for thread in threading.enumerate()
    )


def _crash() -> int:
    """Even a broken install (a missing module) must not end in a bare traceback."""
    import traceback

    lines = [
        "Internal error in the Rust buildpack: this is a bug, not a problem with your app.",
        "Please report it with the build log.",
        "",
        *traceback.format_exc().rstrip().splitlines(),
    ]
    for line in lines:
        print(f" !     {line}".rstrip(), file=sys.stderr)
    return 70


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Exception:
        sys.exit(_crash())
    if "classic_bp.fetch.bootstrap" in sys.modules:
        _exit(code)
    _leave(code)
