"""compile and test-compile as bin/* run them: standard library only.

A cold build from a git clone starts fetching the buildpack's own packages
(fetch/bootstrap.py) and goes straight on to Rust, so nothing here may wait
for them: the platform's arguments (``BUILD_DIR CACHE_DIR [ENV_DIR]``, and
whatever follows, ignored) are read without click. The ``classic-bp``
command (cli.py, click) runs the same functions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .. import errors
from ..platform import report
from ..platform.cache_dir import open_cache_dir
from . import full_disk
from .compile import BuildContext, context_from_arguments, run_compile
from .usages import USAGES

BUILDPACK_DIR = Path(__file__).resolve().parents[3]
ARGUMENT_NAMES = ("BUILD_DIR", "CACHE_DIR")


def _require_dir(role: str, path: str) -> None:
    if not Path(path).is_dir():
        raise errors.missing_directory(role, Path(path))


def _require_writable(build_dir: str) -> None:
    """A read-only checkout fails here, named, rather than midway with a traceback."""
    try:
        handle, probe = tempfile.mkstemp(dir=build_dir, prefix=".classic-bp-write-test-")
    except OSError as problem:
        raise errors.unwritable_build_dir(
            Path(build_dir), problem.strerror or str(problem)
        ) from None
    os.close(handle)
    os.unlink(probe)


def build_context(build_dir: str, cache_dir: str, env_dir: str) -> BuildContext:
    """The platform's three directories, checked; the cache dir may not exist yet,
    or be unusable (then a temporary one is used: platform/cache_dir.py)."""
    _require_dir("build", build_dir)
    _require_writable(build_dir)
    cache_dir = open_cache_dir(cache_dir)
    return context_from_arguments(build_dir, cache_dir, env_dir or "/nonexistent", BUILDPACK_DIR)


def compile_app(build_dir: str, cache_dir: str, env_dir: str) -> None:
    """bin/compile: build the app, and record the outcome for bin/report."""
    context = build_context(build_dir, cache_dir, env_dir)
    try:
        with full_disk.explained(context):
            run_compile(context, dict(os.environ))
    except errors.BuildError as problem:
        # failure_detail: the error's first sentence, what a dashboard can show.
        first_line = problem.message.splitlines()[0] if problem.message else None
        report.save(context.cache_dir, "failed", problem.reason.value, first_line)
        raise
    except KeyboardInterrupt:
        report.save(context.cache_dir, "failed", errors.Reason.INTERRUPTED.value)
        raise
    except BaseException as problem:
        report.save(context.cache_dir, "failed", "internal_error", type(problem).__name__)
        raise
    report.save(context.cache_dir, "succeeded")


def test_compile_app(build_dir: str, cache_dir: str, env_dir: str) -> None:
    """bin/test-compile (Heroku CI). Imported here: compile never needs it."""
    from .ci_compile import run_test_compile

    context = build_context(build_dir, cache_dir, env_dir)
    with full_disk.explained(context):
        run_test_compile(context, dict(os.environ))


COMMANDS = {"compile": compile_app, "test-compile": test_compile_app}


def main(argv: list[str]) -> int:
    """``argv``: the command (compile or test-compile), then the platform's arguments."""
    command, arguments = argv[0], argv[1:]
    if len(arguments) < len(ARGUMENT_NAMES):
        missing = ARGUMENT_NAMES[len(arguments)]
        raise errors.usage_error(USAGES[command], f"Missing argument '{missing}'.")
    env_dir = arguments[2] if len(arguments) > 2 else ""
    COMMANDS[command](arguments[0], arguments[1], env_dir)
    return 0
