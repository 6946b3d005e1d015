"""A full disk, told apart from every other failure.

A tool that runs out of room fails with its own words (rustup's "failed to
unpack", cargo's "failed to write", LLVM's "IO failure on output stream"), all
of them ending in the system's own: "No space left on device" (ENOSPC, which Rust
prints with "(os error 28)"), or "Disk quota exceeded" (EDQUOT) on a builder
with quotas; rust-lld, which writes through a memory map, dies of SIGBUS
instead. The buildpack's own writes raise OSError with those errno.
Either way the fix is room on the disk, not in the app, so the build says so
(errors.DiskFull) instead of blaming the toolchain's name or the code.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable

# How glibc words ENOSPC and EDQUOT, the only words every tool shares.
NO_ROOM_WORDS = ("No space left on device", "Disk quota exceeded")
NO_ROOM_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def said_in(lines: Iterable[str]) -> bool:
    """Whether a tool's output says that a disk was full."""
    return any(words in line for line in lines for words in NO_ROOM_WORDS)


def linker_crashed(lines: Iterable[str]) -> bool:
    """Whether the linker died of SIGBUS. rust-lld (the default linker on x86_64
    Linux since Rust 1.90) writes its output through a memory map: when the disk
    fills up under it, the kernel kills it with SIGBUS before any "No space left"
    can be printed. ``collect2`` words it "terminated with signal 7 [Bus error]",
    rustc "signal: 7 (SIGBUS)"."""
    lines = list(lines)
    linking = any("error: linking with" in line for line in lines)
    return linking and any("Bus error" in line or "SIGBUS" in line for line in lines)


def raised(problem: BaseException) -> bool:
    """Whether an exception of the buildpack's own is a write that found no room."""
    return isinstance(problem, OSError) and problem.errno in NO_ROOM_ERRNOS


class Watch:
    """A ``consume`` callback for run.stream_command that notes a full disk and
    hands every line on (to ``inner`` when given, else to the log)."""

    def __init__(self, inner: Callable[[str], bool] | None = None) -> None:
        self.seen = False
        self._inner = inner

    def __call__(self, line: str) -> bool:
        if not self.seen and said_in((line,)):
            self.seen = True
        return self._inner(line) if self._inner is not None else False
