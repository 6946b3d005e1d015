"""How every command ends: user errors, interruptions and bugs told apart.

Standard library only, so the commands that run before any third-party
package is available (detect, release, test, report) end the same way as
compile. A BuildError is the user's to fix: its message, exit 1. Anything
else is a bug in the buildpack: "Internal error" with the trace, exit 70.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

from .. import errors
from . import output

INTERNAL_ERROR_EXIT = 70
INTERRUPTED_EXIT = 130


def report_internal_error() -> None:
    output.error(errors.internal_error(traceback.format_exc().rstrip()))


def run_guarded(command: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        return command(argv)
    except errors.BuildError as problem:
        output.error(str(problem))
        return 1
    except KeyboardInterrupt:
        output.error(str(errors.build_interrupted()))
        return INTERRUPTED_EXIT
    except Exception:
        report_internal_error()
        return INTERNAL_ERROR_EXIT
