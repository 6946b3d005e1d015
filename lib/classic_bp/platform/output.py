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
URL passwords and tokens) never reach the log.

Standard library only at import time: bootstrap prints through it before the
buildpack's packages (rich) are importable.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

_SIZE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")

STEP_PREFIX = "-----> "
DETAIL_PREFIX = "       "
ALERT_PREFIX = " !     "
REDACTED = "[redacted]"
# Steps that took less are not followed by a ``Done in`` line.
STEP_DURATION_THRESHOLD = 1.0
# Heroku's classic buildpacks' ANSI codes (bold colours), and the reset.
STEP_COLOUR = "\033[1;36m"
WARNING_COLOUR = "\033[1;33m"
ERROR_COLOUR = "\033[1;31m"
RESET = "\033[0m"
# Threads (the heartbeat of a long silent command) write whole lines.
_write_lock = threading.Lock()


# A URL's userinfo, whoever printed it (cargo and git echo the URLs of
# Cargo.toml, which may carry one): ``scheme://user:password@`` or ``scheme://token@``.
URL_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/?#@:'\"<>`]*)"
    r"(?::(?P<password>[^\s/?#@'\"<>`]+))?@"
)
# A user part alone is a token (``https://ghp_x@github.com``) unless it is one
# of the conventional account names of ssh and git hosting.
PUBLIC_USERS = frozenset({"", "git", "hg", "ssh", "anonymous"})
# Lines of a multi-line secret shorter than this are structure (`-----`), not secret.
_MIN_LINE_LENGTH = 8


def _mask_userinfo(match: re.Match[str]) -> str:
    scheme, user = match["scheme"], match["user"]
    if match["password"] is not None:
        return f"{scheme}{user}:{REDACTED}@"
    return match[0] if user in PUBLIC_USERS else f"{scheme}{REDACTED}@"


def _forms(value: str) -> set[str]:
    """A secret as tools print it: as is, percent-encoded, JSON- or repr-escaped,
    and each long enough line of a multi-line value (a PEM key)."""
    lines = [line.strip() for line in value.splitlines()]
    forms = {value.strip(), *(line for line in lines if len(line) >= _MIN_LINE_LENGTH)}
    for form in list(forms):
        forms.update((quote(form, safe=""), quote(form), json.dumps(form)[1:-1]))
        forms.add(repr(form)[1:-1])
    return {form for form in forms if form}


@dataclass
class Redactor:
    """Masks secrets in log text (the rule: platform/env_dir.py, README: Secrets).

    The secret values in every form (``_forms``), longest first so that
    overlaps mask fully; and every URL's password, or its user part when it
    stands alone as a token.
    """

    secrets: list[str] = field(default_factory=list)

    def add(self, values: Sequence[str]) -> None:
        forms = {form for value in values for form in _forms(value)}
        self.secrets = sorted({*self.secrets, *forms}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if "@" in text:
            text = URL_USERINFO.sub(_mask_userinfo, text)
        return text


redact = Redactor()


@dataclass
class StepTiming:
    """A step's time, under a stable ``key`` (the report's ``<key>_duration``)."""

    title: str
    seconds: float
    key: str = ""


timings: list[StepTiming] = []
# Wall time spent in rustup, cargo and the other tools, so that a report can
# tell the buildpack's own overhead apart from the work it delegates.
subprocess_seconds = 0.0
# Wall time the build waited on its own downloads (rustup-init, a standalone
# Rust): network time, part of Rust's install as rustup-init alone pays it.
download_seconds = 0.0


def _account(started: float) -> None:
    global subprocess_seconds
    subprocess_seconds += time.monotonic() - started


def account_tool_wait(started: float) -> None:
    """Time spent waiting for a tool that ran beside another (its own run was not
    counted: the two overlapped)."""
    _account(started)


def account_download(started: float) -> None:
    global download_seconds
    download_seconds += time.monotonic() - started


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
    yield
    seconds = time.monotonic() - started
    timings.append(StepTiming(title, seconds, key or _key_of(title)))
    if seconds >= STEP_DURATION_THRESHOLD:
        detail(f"Done in {format_seconds(seconds)}")


def _key_of(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title.split(" (")[0].lower())
    return "_".join(words.split())


class _Transfer:
    """Counts the bytes of one download and shows how far it has come.

    In a log (not a terminal): one line per 10 % passed, or every
    PROGRESS_INTERVAL seconds when the size is unknown or the transfer slow;
    nothing for a transfer that ends within QUIET_SECONDS, so quick downloads
    add no lines. At a terminal: rich's progress bar, when rich is importable.
    """

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total = label, total or None
        self.done = 0
        self.started = self.last_line = time.monotonic()
        self.last_tenth = 0
        self.bar = _rich_bar(label, self.total) if sys.stdout.isatty() else None

    def advance(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar[0].update(self.bar[1], completed=self.done)
            return
        now = time.monotonic()
        tenth = self.done * 10 // self.total if self.total else 0
        if now - self.started < QUIET_SECONDS:
            self.last_tenth = tenth
            return
        if tenth > self.last_tenth or now - self.last_line >= PROGRESS_INTERVAL:
            self.last_tenth, self.last_line = tenth, now
            detail(f"{self.label}: {self._amount()}")

    def _amount(self) -> str:
        if not self.total:
            return format_size(self.done)
        percent = min(100, self.done * 100 // self.total)
        return f"{percent} % ({format_size(self.done)} of {format_size(self.total)})"

    def close(self) -> None:
        if self.bar is not None:
            self.bar[0].stop()


# A transfer shorter than this prints no progress in a log; then a line per
# 10 %, and at least one every PROGRESS_INTERVAL seconds.
QUIET_SECONDS = 2.0
PROGRESS_INTERVAL = 5.0


def _rich_bar(label: str, total: int | None):
    """rich's download bar, or None when rich is not importable (bootstrap)."""
    try:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )
    except ImportError:
        return None
    bar = Progress(
        TextColumn(DETAIL_PREFIX + "{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        transient=True,
    )
    task = bar.add_task(label, total=total)
    bar.start()
    return bar, task


@contextmanager
def transfer_progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Progress of a long download: yields ``advance(byte_count)``."""
    transfer = _Transfer(label, total)
    try:
        yield transfer.advance
    finally:
        transfer.close()


class _Heartbeat:
    """A line when a streamed command has been silent for PROGRESS_INTERVAL.

    rustup prints nothing while it downloads a toolchain component when its
    output is not a terminal (and ours is a pipe): without this line a log
    would look stuck for a minute.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = self.last_output = time.monotonic()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            now = time.monotonic()
            if now - self.last_output >= PROGRESS_INTERVAL:
                self.last_output = now
                detail(f"{self.label}, {format_seconds(now - self.started)} so far")

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


def stream_command(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    consume: Callable[[str], bool] | None = None,
    heartbeat: str | None = None,
) -> int:
    """Run a command (never through a shell), streaming its output indented.

    stdout and stderr are merged so that the log keeps the tool's own order.
    ``consume`` sees each line first and keeps the machine-readable ones
    (cargo's JSON messages) out of the log by returning True. With
    ``heartbeat``, a silent stretch prints that text and the time so far.
    Returns the exit code; the caller turns a failure into a specific error.
    """
    started = time.monotonic()
    beat = _Heartbeat(heartbeat) if heartbeat else None
    process = subprocess.Popen(
        [str(part) for part in command],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            # Progress bars redraw with \r; keep only the final state of a line.
            line = line.rsplit("\r", 1)[-1]
            if beat is not None:
                beat.last_output = time.monotonic()
            if consume is not None and consume(line):
                continue
            _write(sys.stdout, (DETAIL_PREFIX + line).rstrip())
    except BaseException:
        # Interrupted (SIGTERM, Ctrl-C): do not leave cargo running behind us.
        process.terminate()
        raise
    finally:
        if beat is not None:
            beat.stop()
        process.stdout.close()
        returncode = process.wait()
        _account(started)
    return returncode


def run_quietly(command: Sequence[str | Path], *, env: Mapping[str, str]) -> int:
    """Run a chatty command whose output only matters when it fails.

    On failure its whole output is shown, indented, so the error above the
    buildpack's own message still explains what happened.
    """
    started = time.monotonic()
    completed = subprocess.run(
        [str(part) for part in command],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    _account(started)
    if completed.returncode != 0:
        detail(completed.stdout.decode("utf-8", "replace"))
    return completed.returncode


def capture(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    text: bool = True,
    counted: bool = True,
) -> subprocess.CompletedProcess:
    """Run a tool for its output (never through a shell); its time counts as tool
    time, unless ``counted`` is false (a tool run in a thread beside another)."""
    started = time.monotonic()
    try:
        return subprocess.run(
            [str(part) for part in command],
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=text,
            timeout=timeout,
            check=False,
        )
    finally:
        if counted:
            _account(started)
