"""boot.py leaves without Python's teardown only when nothing needs it (boot._leave).

Skipping the teardown saves a rebuild its last milliseconds; it must never
lose what Python's own exit does: the output still buffered, the exit code,
an ``atexit`` callback, a thread that is not a daemon and still works.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from platform_runner import REPO_ROOT


def leave_after(tmp_path: Path, body: str, code: int = 3) -> subprocess.CompletedProcess:
    """Run ``body`` in a fresh python3 -I -S, then boot._leave(code)."""
    script = tmp_path / "program.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(REPO_ROOT / 'lib')!r})\nimport boot\n"
        + textwrap.dedent(body)
        + f"\nboot._leave({code})\n"
    )
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script)], capture_output=True, text=True, timeout=60
    )


def test_buffered_output_and_the_exit_code_survive(tmp_path: Path) -> None:
    result = leave_after(
        tmp_path,
        """
        sys.stdout.write("no newline at the end on stdout")
        sys.stderr.write("and on stderr")
        """,
    )
    assert result.returncode == 3
    assert result.stdout == "no newline at the end on stdout"
    assert result.stderr == "and on stderr"


def test_an_atexit_callback_still_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = leave_after(
        tmp_path,
        f"""
        import atexit, pathlib
        atexit.register(pathlib.Path({str(marker)!r}).write_text, "yes")
        """,
    )
    assert result.returncode == 3
    assert marker.read_text() == "yes"


def test_a_working_thread_is_waited_for(tmp_path: Path) -> None:
    marker = tmp_path / "done"
    result = leave_after(
        tmp_path,
        f"""
        import pathlib, threading, time
        def work():
            time.sleep(0.3)
            pathlib.Path({str(marker)!r}).write_text("finished")
        threading.Thread(target=work).start()
        """,
        code=0,
    )
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "finished"


def test_a_closed_pipe_exits_as_python_does(tmp_path: Path) -> None:
    """stdout closed by the reader: the flush fails, and Python's own exit answers
    (its exit code 120 for the lost output), never a fast exit that hides it."""
    result = leave_after(
        tmp_path,
        """
        import os
        reader, writer = os.pipe()
        os.close(reader)
        os.dup2(writer, 1)
        sys.stdout.write("lost")
        """,
        code=0,
    )
    assert result.returncode == 120
