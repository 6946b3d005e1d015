"""A cached program's check runs once, until one of its files changes.

layer.runs with ``known`` (known_runs.py): the answer of a successful run is
reused while the program and the files it depends on are the very files that
answered; any rewrite of one of them, and any failure, means running it again.
Each program here counts its runs in a file, so the test sees whether it ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from classic_bp.cache import CacheLayout
from classic_bp.known_runs import KnownRuns
from classic_bp.layer import runs


def _program(path: Path, answer: str, exit_code: int = 0) -> Path:
    """A program that appends a line to ``<path>.runs`` each time it runs."""
    path.write_text(
        f"#!/bin/sh\necho ran >> '{path}.runs'\necho '{answer}'\nexit {exit_code}\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def _times_run(path: Path) -> int:
    counter = Path(f"{path}.runs")
    return len(counter.read_text().splitlines()) if counter.exists() else 0


@pytest.fixture
def layout(tmp_path: Path) -> CacheLayout:
    return CacheLayout(tmp_path / "cache")


def test_an_unchanged_program_answers_from_the_record(tmp_path: Path, layout) -> None:
    program = _program(tmp_path / "rustc", "rustc 1.95.0 (59807616e 2026-04-14)")
    library = tmp_path / "librustc_driver.so"
    library.write_bytes(b"library")
    for _build in range(3):
        answer: list[str] = []
        known = KnownRuns(layout)  # each build reads the record anew
        assert runs(program, "--version", answer=answer, known=known, depends_on=[library]) is None
        assert answer == ["rustc 1.95.0 (59807616e 2026-04-14)"]
    assert _times_run(program) == 1


@pytest.mark.parametrize("changed", ["program", "library"])
def test_a_rewritten_file_runs_the_program_again(tmp_path: Path, layout, changed: str) -> None:
    program = _program(tmp_path / "rustc", "rustc 1.95.0")
    library = tmp_path / "librustc_driver.so"
    library.write_bytes(b"library")
    assert runs(program, "--version", known=KnownRuns(layout), depends_on=[library]) is None
    if changed == "program":
        _program(tmp_path / "rustc.new", "rustc 1.96.0")
        os.replace(tmp_path / "rustc.new", program)  # as rustup replaces a binary
    else:
        library.write_bytes(b"a library rewritten in place")
    answer: list[str] = []
    assert (
        runs(program, "--version", answer=answer, known=KnownRuns(layout), depends_on=[library])
        is None
    )
    assert _times_run(program) + _times_run(tmp_path / "rustc.new") == 2
    assert answer == ["rustc 1.96.0" if changed == "program" else "rustc 1.95.0"]


def test_a_failure_is_never_remembered(tmp_path: Path, layout) -> None:
    program = _program(tmp_path / "cargo", "", exit_code=3)
    for _ in range(2):
        assert runs(program, "--version", known=KnownRuns(layout)) == (
            "cargo does not run (exit code 3)"
        )
    assert _times_run(program) == 2


def test_a_truncated_program_is_found_though_it_answered_before(tmp_path: Path, layout) -> None:
    program = _program(tmp_path / "cargo", "cargo 1.95.0")
    assert runs(program, "--version", known=KnownRuns(layout)) is None
    with program.open("r+b") as stream:  # in place: same inode, new size and mtime
        stream.truncate(0)
    assert runs(program, "--version", known=KnownRuns(layout)) is not None


def test_an_unreadable_record_means_running_again(tmp_path: Path, layout) -> None:
    program = _program(tmp_path / "rustup", "/cache/rustup")
    assert runs(program, "show", "home", known=KnownRuns(layout)) is None
    record = layout.key_path("known-runs")
    record.write_text('{"half', encoding="utf-8")
    assert runs(program, "show", "home", known=KnownRuns(layout)) is None
    assert _times_run(program) == 2
    assert runs(program, "show", "home", known=KnownRuns(layout)) is None
    assert _times_run(program) == 2  # and the record is whole again
