"""How many compilations at once: CARGO_BUILD_JOBS that fits the builder's memory.

Why: cargo runs one rustc per CPU. Builders have 1 to 8 GB (Scalingo,
Heroku), and a release link with LTO, or a big crate, needs a gigabyte or
more; several at once get the rustc or linker process killed by the kernel
(SIGKILL), and cargo only says "signal: 9". So:

- before the build, the memory available to this builder (the cgroup's
  ``memory.max``, else ``/proc/meminfo``'s MemTotal) is divided by
  ``MEMORY_PER_JOB``; when that allows fewer jobs than CPUs, CARGO_BUILD_JOBS
  is set to it, and the log says so;
- when a compilation is killed by SIGKILL all the same, cargo is run once
  more with half the jobs (cargo resumes: what was compiled stays), and
  the log explains it; a second kill fails the build with the settings to
  change.

A CARGO_BUILD_JOBS the user set always wins: it is never changed, and a kill
then fails the build with the explanation at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from .. import lazy_re
from ..records import record

MEMORY_PER_JOB = 3 << 29  # 1.5 GiB
VARIABLE = "CARGO_BUILD_JOBS"
KILLED = lazy_re.compile(r"signal: 9\b|SIGKILL")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def cgroup_limit_files(proc_cgroup: Path = Path("/proc/self/cgroup")) -> list[Path]:
    """The memory limit files of this process's cgroup and of its ancestors, for
    cgroup v2 (``0::/path``: ``memory.max``) and v1 (``N:memory:/path``:
    ``memory.limit_in_bytes``); the tightest one applies."""
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            base, name = CGROUP_ROOT, "memory.max"
        elif "memory" in controllers.split(","):
            base, name = CGROUP_ROOT / "memory", "memory.limit_in_bytes"
        else:
            continue
        folder = base / path.lstrip("/")
        while True:
            found.append(folder / name)
            if folder == base:
                break
            folder = folder.parent
    return found


def memory_bytes(cgroup_files: Iterable[Path] | None = None) -> int | None:
    """The memory this builder may use: the smaller of the cgroup limits and RAM."""
    files = cgroup_limit_files() if cgroup_files is None else cgroup_files
    limits = [value for value in map(_read_int, files) if value]
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    return min(limits) if limits else None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@record
class JobsPlan:
    jobs: int | None  # None: cargo's own default (one per CPU)
    from_user: bool
    note: str | None = None


def plan(environment: Mapping[str, str], memory: int | None = None) -> JobsPlan:
    if environment.get(VARIABLE):
        return JobsPlan(None, from_user=True)
    memory = memory_bytes() if memory is None else memory
    cpus = cpu_count()
    if memory is None:
        return JobsPlan(None, from_user=False)
    fitting = max(1, memory // MEMORY_PER_JOB)
    if fitting >= cpus:
        return JobsPlan(None, from_user=False)
    gib = memory / (1 << 30)
    note = (
        f"{VARIABLE}={fitting}: this builder has {gib:.1f} GiB of memory for {cpus} CPUs,"
        " so fewer compilations run at once (set CARGO_BUILD_JOBS to choose)"
    )
    return JobsPlan(fitting, from_user=False, note=note)


def was_killed(lines: Iterable[str]) -> bool:
    """Whether cargo's output says a compilation was killed (out of memory)."""
    return any(KILLED.search(line) for line in lines)


def current(environment: Mapping[str, str]) -> int | None:
    """The jobs cargo will run with, when CARGO_BUILD_JOBS says a number."""
    value = environment.get(VARIABLE, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def fewer(current: int | None) -> int:
    return max(1, (current or cpu_count()) // 2)
