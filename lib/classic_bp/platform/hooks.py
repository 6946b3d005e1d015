"""The app's build hooks, ``bin/pre_compile`` and ``bin/post_compile``, run as steps.

The convention of heroku-buildpack-python (its lib/hooks.sh), which users of
classic buildpacks know: when the app has the file, the build announces
``-----> Running bin/pre_compile hook``, runs it in the build dir with the
build's variables (BUILD_DIR, CACHE_DIR, ENV_DIR, STACK) and the app's config
vars in its environment, streams its output indented, and fails when it
fails. Which hook runs when, and with which tools on PATH, is the caller's
(commands/compile.py); this module only runs one.

How it is started, never through a shell and with no user value in a
command string: the file itself is executed, so its ``#!`` line picks the
interpreter. heroku-buildpack-python makes the file executable first
(``chmod +x``), since a repository made on Windows often loses the mode;
so does this, saying so in the log. A file without a ``#!`` line (the kernel
refuses it: ENOEXEC) is run as ``/bin/bash FILE``, as bash runs such a file
for heroku-buildpack-python (``/bin/sh`` on a system without bash).

Stopping: the hook is a child like cargo, so SIGTERM stops it and what it
started (platform/guard.py), and a failed or killed hook fails the build
with its name and exit code or signal. Its output goes through the log's
redaction like every line, so the secret config vars it prints are masked.
"""

from __future__ import annotations

import errno
import signal
import stat
from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..records import record
from . import output, run

PRE_COMPILE = "pre_compile"
POST_COMPILE = "post_compile"
# Interpreters for a hook without a `#!` line, in order (bash first, as on Heroku).
SHELLS = (Path("/bin/bash"), Path("/bin/sh"))
EXECUTABLE_BITS = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


@record
class Hook:
    """One hook the app has: its name and its file, checked to lie inside the app."""

    name: str
    path: Path

    @property
    def shown(self) -> str:
        return f"bin/{self.name}"


def run_hook(hook: Hook, environment: Mapping[str, str], build_dir: Path) -> None:
    """Run ``hook`` in the build dir as a step of the log; a failure raises BuildError."""
    with output.timed_step(f"Running {hook.shown} hook", f"{hook.name}_hook"):
        if not hook.path.is_file():  # removed since the build started (by pre_compile)
            output.detail(f"{hook.shown} is no longer there: nothing to run")
            return
        _make_executable(hook)
        returncode = _start(hook, environment, build_dir)
        if returncode != 0:
            raise errors.hook_failed(hook.shown, returncode, _signal_name(returncode))


def _make_executable(hook: Hook) -> None:
    mode = hook.path.stat().st_mode
    if mode & stat.S_IXUSR:
        return
    try:
        hook.path.chmod(stat.S_IMODE(mode) | EXECUTABLE_BITS)
    except OSError as problem:
        raise errors.unwritable_build_dir(hook.path, problem.strerror or str(problem)) from None
    output.detail(
        f"{hook.shown} is not executable: made it so, as heroku-buildpack-python does"
        f" (commit the mode with `git update-index --chmod=+x {hook.shown}`)"
    )


def _start(hook: Hook, environment: Mapping[str, str], cwd: Path) -> int:
    """The hook's exit code; a file the kernel will not execute runs through a shell."""
    try:
        return run.stream_command([str(hook.path)], env=environment, cwd=cwd)
    except OSError as problem:
        if problem.errno != errno.ENOEXEC:
            raise _not_started(hook, problem) from None
    shell = next((path for path in SHELLS if path.is_file()), None)
    if shell is None:
        raise errors.hook_not_started(hook.shown, "it has no #! line, and there is no shell")
    output.detail(f"{hook.shown} has no #! line: running it with {shell}")
    try:
        return run.stream_command([str(shell), str(hook.path)], env=environment, cwd=cwd)
    except OSError as problem:
        raise _not_started(hook, problem) from None


def _not_started(hook: Hook, problem: OSError) -> errors.BuildError:
    """Why the kernel refused to start the hook, with its ``#!`` line: a missing
    interpreter (or a CRLF line end after its name) reads as "No such file"."""
    try:
        with hook.path.open("rb") as stream:
            first = stream.readline(200).decode("utf-8", "replace").rstrip("\n")
    except OSError:
        first = ""
    shebang = ascii(first)[1:-1] if first.startswith("#!") else None
    return errors.hook_not_started(hook.shown, problem.strerror or str(problem), shebang)


def _signal_name(returncode: int) -> str | None:
    """``SIGKILL`` for a hook killed by signal 9 (exit code -9), else None."""
    if returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def hook_environment(
    environment: Mapping[str, str],
    build_dir: Path,
    cache_dir: Path,
    env_dir: Path,
    stack: str | None,
) -> dict[str, str]:
    """What a hook sees: the build's environment (the app's config vars among it)
    plus the platform's directories, as heroku-buildpack-python exports them."""
    variables = {
        **environment,
        "BUILD_DIR": str(build_dir),
        "CACHE_DIR": str(cache_dir),
        "ENV_DIR": str(env_dir),
    }
    if stack:
        variables["STACK"] = stack
    return variables
