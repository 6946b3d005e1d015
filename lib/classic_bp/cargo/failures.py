"""Why a cargo command failed, read from the lines it printed.

cargo exits 101 whatever went wrong; the reason is in the lines that cargo,
rustc, build scripts and git printed before, and their words are not always
enough to act on. So the last lines of every cargo run are kept (bounded),
and when cargo fails each diagnosis reads them in turn: a full disk first
(platform/disk_full.py: a fetch or a link cut short by it fails in other
words too), a private dependency
that could not be fetched (private_failures.py), a registry out of reach
(registry_failures.py), sqlx's query macros
without their offline data (sqlx_failures.py), a system library that a
build script or the linker could not find (library_failures.py). The first
that recognises its case gives the buildpack's own error; otherwise it is
cargo's own failure, its output above.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from .. import errors
from ..platform import disk_full

KEPT_LINES = 400


class OutputWatch:
    """A ``consume`` callback for run.stream_command that keeps the last lines.

    ``stack``: the platform's STACK, so that a missing system library is told
    apart from one the stack carries.
    """

    def __init__(
        self, inner: Callable[[str], bool] | None = None, stack: str | None = None
    ) -> None:
        self.lines: deque[str] = deque(maxlen=KEPT_LINES)
        self._inner = inner
        self.stack = stack

    def __call__(self, line: str) -> bool:
        if not line.startswith("{"):
            self.lines.append(line)
        return self._inner(line) if self._inner is not None else False

    def failure(self, command: str, returncode: int) -> errors.BuildError:
        """The error to raise for a cargo command that exited ``returncode``."""
        # Only a failed build reads them: not imported by every build (5 ms).
        from . import library_failures, private_failures, registry_failures, sqlx_failures

        lines = list(self.lines)
        if disk_full.said_in(lines):
            return errors.DiskFull(f"`{command}`")
        if disk_full.linker_crashed(lines):
            return errors.DiskFull(f"`{command}`", linker_crash=True)
        return (
            private_failures.diagnose(lines, command, returncode)
            or registry_failures.diagnose(lines, command, returncode)
            or sqlx_failures.diagnose(lines, command, returncode)
            or library_failures.diagnose(lines, command, returncode, self.stack)
            or errors.cargo_failed(command, returncode)
        )
