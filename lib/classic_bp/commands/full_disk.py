"""A build that ran out of disk says where the room went.

Whatever filled up (rustup unpacking Rust, cargo writing the target dir, the
linker, the buildpack's own records), the build ends with errors.DiskFull,
and only this, the command that knows the build's folders, can say how much
room each has: the cache dir, the build dir and the temporary folder (the
fixed path, cargo/fixed_path.py), one line per disk, and how much of it the
buildpack's cache takes. That tells a cache grown too big for the builder
(lower BP_CACHE_MAX_SIZE, or clear it) from an app too big for it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .. import errors
from ..cache import CacheLayout
from ..cargo.cache_size import tree_size
from ..platform import disk_full
from ..platform.output import format_size
from .compile import BuildContext


@contextlib.contextmanager
def explained(context: BuildContext) -> Iterator[None]:
    """Turns a full disk met in the block into errors.DiskFull with the room left."""
    try:
        yield
    except errors.DiskFull as problem:
        report = room_report(context)
        raise errors.DiskFull(problem.what, report, linker_crash=problem.linker_crash) from None
    except OSError as problem:
        if not disk_full.raised(problem):
            raise
        what = f"writing {problem.filename}" if problem.filename else "writing a file"
        raise errors.DiskFull(what, room_report(context)) from None


def room_report(context: BuildContext) -> str:
    """The room on each disk the build writes to, and the cache's own size."""
    places = [
        ("the cache dir", context.cache_dir),
        ("the build dir", context.build_dir),
        ("the temporary folder", Path(tempfile.gettempdir())),
    ]
    disks: dict[int, list[str]] = {}
    room: dict[int, str] = {}
    for role, path in places:
        try:
            device = os.stat(path).st_dev
            if device not in room:
                usage = shutil.disk_usage(path)
                room[device] = f"{format_size(usage.free)} free of {format_size(usage.total)}"
        except OSError:
            continue
        disks.setdefault(device, []).append(f"{role} {path}")
    lines = ["Room on the build's disks, once the failed step cleaned up:"]
    lines += [f"  {' and '.join(names)}: {room[device]}" for device, names in disks.items()]
    layout = CacheLayout(context.cache_dir)
    with contextlib.suppress(OSError):
        held = format_size(tree_size(layout.root))
        lines.append(f"The buildpack's cache ({layout.root}) holds {held}.")
    return "\n".join(lines)
