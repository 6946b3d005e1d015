"""Checks on build results that many tests share."""

from __future__ import annotations

import os
import time

from platform_runner import Result

STEP = "-----> "
INDENT = " " * 7


def error_message(result: Result) -> str:
    """The text of the ` !     ` lines on stderr, without the prefix."""
    lines = [line for line in result.stderr.splitlines() if line.startswith(" !")]
    return "\n".join(line[7:] for line in lines)


def assert_failed_cleanly(result: Result, *fragments: str) -> None:
    """A user error, found at any point: exit 1, the fragments in the message, no trace."""
    assert result.returncode == 1, result.log
    assert "Traceback" not in result.log
    assert "Internal error" not in result.log
    message = error_message(result)
    for fragment in fragments:
        assert fragment in message, message


def assert_user_error(result: Result, *fragments: str) -> None:
    """A user error found before anything slow started."""
    assert_failed_cleanly(result, *fragments)
    assert "Installing rustup" not in result.stdout


def assert_succeeded(result: Result) -> None:
    assert result.returncode == 0, result.log
    assert "Traceback" not in result.log


def assert_platform_output(result: Result) -> None:
    """Steps, 7-space details, and only ` !` alert lines on stderr."""
    for line in result.stdout.splitlines():
        assert line.startswith((STEP, INDENT)) or line == "", repr(line)
    for line in result.stderr.splitlines():
        assert line.startswith(" !"), repr(line)


def group_is_gone(group: int, within: float = 15.0) -> bool:
    """Every process of a build's process group has exited (within ``within`` s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False
