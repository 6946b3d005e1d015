"""Where a build's wall time goes: inside the tools it runs, inside its own
downloads, or in the buildpack itself.

run.py adds each tool's wall time and each download's here; output.timed_step
reads the two totals as a step starts and ends, so that the build report can
give every step its own time (``<step>_own_duration``) beside its whole
duration. A leaf module, so that both can import it.
"""

from __future__ import annotations

import time

# Wall time spent in rustup, cargo and the other tools (runs that overlapped
# counted once).
tools = 0.0
# Wall time the build waited on its own downloads (rustup-init, a standalone
# Rust): network time, part of Rust's install as rustup-init alone pays it.
downloads = 0.0


def add_tool_time(started: float) -> None:
    global tools
    tools += time.monotonic() - started


def add_download_time(started: float) -> None:
    global downloads
    downloads += time.monotonic() - started


def delegated() -> float:
    """The time spent so far outside the buildpack's own code."""
    return tools + downloads
