"""Build log in the platform's conventions.

Steps are ``-----> Title`` lines, details are indented by seven spaces, and
warnings and errors go to stderr prefixed with `` !     `` (PLATFORM.md).
Build logs are rarely a terminal, so output is plain line-oriented text:
colour (steps cyan, warnings yellow, errors red, as Heroku's buildpacks do)
only when the stream is a terminal and NO_COLOR (no-color.org) is unset, so
that a saved log never holds escape codes. Steps shorter than
STEP_DURATION_THRESHOLD print no duration: a column of ``Done in 0.0s`` says
nothing, and the summary at the end has every step's time anyway. Every line
passes through a redactor so that secrets (the app's secret config vars,
URL passwords and tokens) never reach the log (redact.py). Progress of long
downloads and silent tools is in progress.py, running the tools in run.py.

Standard library only at import time: bootstrap prints through it before the
buildpack's packages (rich) are importable.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..records import mutable_record
from . import clocks
from .redact import redact

_SIZE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")

STEP_PREFIX = "-----> "
DETAIL_PREFIX = "       "
ALERT_PREFIX = " !     "
# Steps that took less are not followed by a ``Done in`` line.
STEP_DURATION_THRESHOLD = 1.0
# Heroku's classic buildpacks' ANSI codes (bold colours), and the reset.
STEP_COLOUR = "\033[1;36m"
WARNING_COLOUR = "\033[1;33m"
ERROR_COLOUR = "\033[1;31m"
RESET = "\033[0m"
# Threads (the heartbeat of a long silent command) write whole lines.
_write_lock = threading.Lock()


@mutable_record
class StepTiming:
    """A step's time, under a stable ``key`` (the report's ``<key>_duration``),
    and the part of it outside the tools and downloads it waited on (None when
    not measured): the buildpack's own time, ``<key>_own_duration``."""

    title: str
    seconds: float
    key: str = ""
    own_seconds: float | None = None


timings: list[StepTiming] = []


def _write(stream, text: str, colour: str = "") -> None:
    line = redact(text)
    if colour and colours_for(stream):
        line = f"{colour}{line}{RESET}"
    with _write_lock:
        stream.write(line + "\n")
        stream.flush()


def colours_for(stream) -> bool:
    """Colour only for a person at a terminal who has not asked for none.

    Build logs are files or pipes (never coloured); NO_COLOR set to anything
    non-empty and TERM=dumb turn colours off at a terminal too.
    """
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def step(title: str) -> None:
    if colours_for(sys.stdout):
        with _write_lock:
            sys.stdout.write(f"{STEP_COLOUR}{STEP_PREFIX}{RESET}{redact(title)}\n")
            sys.stdout.flush()
        return
    _write(sys.stdout, STEP_PREFIX + title)


def detail(text: str = "") -> None:
    for line in text.splitlines() or [""]:
        detail_line(line)


def detail_line(line: str) -> None:
    """One line of a tool's output, indented as it is (never split further)."""
    _write(sys.stdout, (DETAIL_PREFIX + line).rstrip())


def warning(text: str | object) -> None:
    """A warning block on stderr (yellow at a terminal), set apart by blank alert lines.

    Takes the catalogue's typed warnings (errors.BuildWarning) as they are.
    """
    _alert_block(str(text), WARNING_COLOUR)


def error(text: str) -> None:
    """An error block on stderr, red at a terminal."""
    _alert_block(text, ERROR_COLOUR)


def _alert_block(text: str, colour: str) -> None:
    _write(sys.stderr, ALERT_PREFIX.rstrip(), colour)
    for line in text.splitlines():
        _write(sys.stderr, (ALERT_PREFIX + line).rstrip(), colour)
    _write(sys.stderr, ALERT_PREFIX.rstrip(), colour)


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def format_size(n: int) -> str:
    """Sizes for the log in binary units: ``512 B``, ``4.2 MiB``."""
    value, unit = float(n), 0
    while round(value, 1) >= 1024 and unit < len(_SIZE_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    return f"{n} B" if unit == 0 else f"{value:.1f} {_SIZE_UNITS[unit]}"


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


@contextmanager
def timed_step(title: str, key: str = "") -> Iterator[None]:
    """A step whose duration is kept for the summary and the report (as ``key``).

    The duration is printed when the step ends only when it took
    STEP_DURATION_THRESHOLD or more: that is where a reader looks for time.
    """
    step(title)
    started = time.monotonic()
    delegated = clocks.delegated()
    yield
    seconds = time.monotonic() - started
    own = seconds - (clocks.delegated() - delegated)
    timings.append(StepTiming(title, seconds, key or _key_of(title), max(own, 0.0)))
    if seconds >= STEP_DURATION_THRESHOLD:
        detail(f"Done in {format_seconds(seconds)}")


def _key_of(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title.split(" (")[0].lower())
    return "_".join(words.split())
