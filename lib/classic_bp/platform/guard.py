"""How every command ends: user errors, interruptions and bugs told apart.

Standard library only, so the commands that run before any third-party
package is available (detect, release, test, report) end the same way as
compile. A BuildError is the user's to fix: its message, exit 1. Anything
else is a bug in the buildpack: "Internal error" with the trace, exit 70.

SIGTERM (a platform's build timeout or a cancelled deploy) stops every
process the build started, then ends the build like Ctrl-C: the ``finally``
blocks put the cache back in order, compile records ``failure_reason:
interrupted``, and the exit code is 143. The children are stopped from the
signal handler itself, before Python unwinds: once cargo is gone, the rustc
processes it started are no longer ours to find.

A few moves must never stop halfway (the app's files renamed to the fixed
path and back, cargo/fixed_path.py): ``interrupts_deferred`` holds SIGTERM
and Ctrl-C until such a move is over, then lets them unwind as usual.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator

from .. import errors
from . import output

INTERNAL_ERROR_EXIT = 70
INTERRUPTED_EXIT = 130
TERMINATED_EXIT = 143
# How long children get to exit on SIGTERM before they are killed.
CHILDREN_GRACE_SECONDS = 5.0


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C, so every cleanup path is the same."""


def report_internal_error() -> None:
    import traceback  # only for a bug: its import costs every build otherwise

    output.error(errors.internal_error(traceback.format_exc().rstrip()))


def _children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...), parents first."""
    tree, found, pending = _children_by_parent(), [], [pid]
    while pending:
        for child in tree.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def stop_children(grace: float = CHILDREN_GRACE_SECONDS) -> None:
    """SIGTERM to every descendant (cargo, rustc, rustup, build scripts), then SIGKILL."""
    processes = descendants(os.getpid())
    for pid in processes:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while processes and time.monotonic() < deadline:
        time.sleep(0.05)
        processes = [pid for pid in processes if _alive(pid)]
    for pid in processes:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Running, and not a zombie (a finished child its parent has not waited for yet)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


_terminating = False


def _on_sigterm(signum: int, frame: object) -> None:
    global _terminating
    if _terminating:  # a second SIGTERM while cleaning up: let the cleanup finish
        return
    _terminating = True
    stop_children()
    raise Terminated


def handle_sigterm() -> None:
    """From now on SIGTERM stops the children and unwinds the build."""
    signal.signal(signal.SIGTERM, _on_sigterm)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """SIGTERM and SIGINT arriving inside the block take effect when it ends.

    The signal is noted, then raised again once the usual handlers are back:
    the block is never left half done. Outside the main thread (where no
    handler can be set) the block runs as is.
    """
    wanted = (signal.SIGTERM, signal.SIGINT)
    pending: list[int] = []

    def note(number: int, _frame: object) -> None:
        pending.append(number)

    try:
        previous = {number: signal.signal(number, note) for number in wanted}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(pending):
            signal.raise_signal(number)


def run_guarded(command: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        return command(argv)
    except errors.BuildError as problem:
        output.error(str(problem))
        return 1
    except KeyboardInterrupt:
        output.error(str(errors.build_interrupted()))
        # By the flag, not the exception's type: click turns it into its own Abort.
        return TERMINATED_EXIT if _terminating else INTERRUPTED_EXIT
    except Exception:
        report_internal_error()
        return INTERNAL_ERROR_EXIT
