"""Build log in the platform's conventions.

Steps are ``-----> Title`` lines, details are indented by seven spaces, and
warnings and errors go to stderr prefixed with `` !     `` (PLATFORM.md).
Build logs are rarely a terminal, so output is plain line-oriented text; only
at a TTY does rich add colour. Every line passes through a redactor so that
secrets (the app's secret config vars, URL userinfo) never reach the log.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
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


@dataclass
class Redactor:
    """Masks secrets in log text (the rule: platform/env_dir.py, README: Secrets).

    The secret values, in every form a tool may print them (percent-encoded
    in a URL, escaped in JSON or a quoted string, each line of a multi-line
    value such as a key), longest first so that overlaps mask fully; and the
    user part of every URL (``https://TOKEN@host``, ``postgres://u:p@db``).
    """

    secrets: list[str] = field(default_factory=list)

    def add(self, values: Sequence[str]) -> None:
        forms = {form for value in values for form in _forms(value)}
        self.secrets = sorted({*self.secrets, *forms}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return URL_USERINFO.sub(rf"\g<scheme>{REDACTED}@", text)


# A URL's userinfo: what comes between `scheme://` and the host's `@`.
URL_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#@'\"<>`]+)@"
)
# Lines of a multi-line secret shorter than this are structure (`-----`), not secret.
_MIN_LINE_LENGTH = 8


def _forms(value: str) -> set[str]:
    lines = [line.strip() for line in value.splitlines()]
    forms = {value.strip(), *(line for line in lines if len(line) >= _MIN_LINE_LENGTH)}
    for form in list(forms):
        forms.add(quote(form, safe=""))
        forms.add(quote(form))
        forms.add(json.dumps(form)[1:-1])
        forms.add(repr(form)[1:-1])
    return {form for form in forms if form}


redact = Redactor()


@dataclass
class StepTiming:
    title: str
    seconds: float


timings: list[StepTiming] = []
# Wall time spent in rustup, cargo and the other tools, so that a report can
# tell the buildpack's own overhead apart from the work it delegates.
subprocess_seconds = 0.0


def _account(started: float) -> None:
    global subprocess_seconds
    subprocess_seconds += time.monotonic() - started


def _write(stream, text: str) -> None:
    stream.write(redact(text) + "\n")
    stream.flush()


def _at_terminal() -> bool:
    return sys.stdout.isatty()


def step(title: str) -> None:
    if _at_terminal():
        from rich.console import Console

        Console(highlight=False).print(f"[bold cyan]{STEP_PREFIX}[/]{redact(title)}", markup=True)
        sys.stdout.flush()
        return
    _write(sys.stdout, STEP_PREFIX + title)


def detail(text: str = "") -> None:
    for line in text.splitlines() or [""]:
        _write(sys.stdout, (DETAIL_PREFIX + line).rstrip())


def warning(text: str | object) -> None:
    """A warning block on stderr, set apart by blank alert lines.

    Takes the catalogue's typed warnings (errors.BuildWarning) as they are.
    """
    _alert_block(str(text))


def error(text: str) -> None:
    _alert_block(text)


def _alert_block(text: str) -> None:
    _write(sys.stderr, ALERT_PREFIX.rstrip())
    for line in text.splitlines():
        _write(sys.stderr, (ALERT_PREFIX + line).rstrip())
    _write(sys.stderr, ALERT_PREFIX.rstrip())


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
def timed_step(title: str) -> Iterator[None]:
    """A step whose duration is printed when it ends and kept for the summary."""
    step(title)
    started = time.monotonic()
    yield
    seconds = time.monotonic() - started
    timings.append(StepTiming(title, seconds))
    detail(f"Done in {format_seconds(seconds)}")


def stream_command(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    consume: Callable[[str], bool] | None = None,
) -> int:
    """Run a command (never through a shell), streaming its output indented.

    stdout and stderr are merged so that the log keeps the tool's own order.
    ``consume`` sees each line first and keeps the machine-readable ones
    (cargo's JSON messages) out of the log by returning True.
    Returns the exit code; the caller turns a failure into a specific error.
    """
    started = time.monotonic()
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
            if consume is not None and consume(line):
                continue
            _write(sys.stdout, (DETAIL_PREFIX + line).rstrip())
    except BaseException:
        # Interrupted (SIGTERM, Ctrl-C): do not leave cargo running behind us.
        process.terminate()
        raise
    finally:
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
) -> subprocess.CompletedProcess:
    """Run a tool for its output (never through a shell); its time counts as tool time."""
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
        _account(started)
