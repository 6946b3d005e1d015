"""What a cached layer holds is verified before reuse; what is broken is discarded, saying why.

``layer.runs`` is the check of every cached program (rustup, rustc, cargo,
sccache): each way a killed build, a full disk or a platform bug leaves a
binary is caught, and a check that cannot even read the files counts as a
failed one. Real files and processes; no Rust needed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from classic_bp import layer
from classic_bp.cache import CacheLayout


def program(folder: Path, content: bytes, mode: int = 0o755) -> Path:
    path = folder / "tool"
    path.write_bytes(content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("content", "mode", "problem"),
    [
        (b"", 0o755, "tool does not run (Exec format error)"),
        (b"\x7fELF\x02\x01\x01garbage", 0o755, "tool does not run (Exec format error)"),
        (b"#!/bin/sh\nexit 3\n", 0o755, "tool does not run (exit code 3)"),
        (b"#!/bin/sh\nkill -SEGV $$\n", 0o755, "tool does not run (exit code -11)"),
        (b"#!/bin/sh\necho ok\n", 0o644, "tool is not executable"),
        (b"#!/bin/sh\necho rustc 1.95.0\n", 0o755, None),
    ],
)
def test_a_cached_program_must_run(
    tmp_path: Path, content: bytes, mode: int, problem: str | None
) -> None:
    assert layer.runs(program(tmp_path, content, mode), "--version") == problem


def test_a_missing_or_hanging_program_is_broken(tmp_path: Path, monkeypatch) -> None:
    assert layer.runs(tmp_path / "tool", "--version") == "tool is missing"
    monkeypatch.setattr(layer, "VERIFY_TIMEOUT_SECONDS", 0.5)
    hung = program(tmp_path, b"#!/bin/sh\nsleep 30\n")
    assert layer.runs(hung) == "tool did not answer within 0.5 s"


def test_a_real_truncated_binary_is_caught(tmp_path: Path) -> None:
    """What a kill during a copy leaves: the first bytes of a real executable."""
    whole = Path(shutil.which("true") or "/bin/true").read_bytes()
    assert layer.runs(program(tmp_path, whole)) is None
    assert layer.runs(program(tmp_path, whole[:4096])) is not None


DEMO = layer.Layer(name="demo", what="demo tool", paths=lambda layout: [layout.root / "demo"])


def _saved_layer(tmp_path: Path) -> CacheLayout:
    layout = CacheLayout(tmp_path)
    (layout.root / "demo").mkdir(parents=True)
    DEMO.save(layout, {"version": "1"})
    return layout


def test_a_layer_that_fails_its_check_is_discarded_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = _saved_layer(tmp_path)
    binary = program(layout.root / "demo", b"")
    decision = DEMO.open(layout, {"version": "1"}, True, verify=lambda: layer.runs(binary))
    assert not decision.reusable
    assert (
        "Discarding the cached demo tool: tool does not run (Exec format error)"
        in capsys.readouterr().out
    )
    assert not (layout.root / "demo").exists()
    assert DEMO.read(layout) is None  # no key left over half a layer


def test_a_check_that_cannot_read_the_layer_counts_as_failed(tmp_path: Path) -> None:
    layout = _saved_layer(tmp_path)

    def unreadable() -> str | None:
        raise PermissionError(13, "Permission denied")

    decision = DEMO.check(layout, {"version": "1"}, True, verify=unreadable)
    assert decision.reasons == ("it cannot be read (Permission denied)",)


def test_a_layer_that_passes_its_check_is_reused(tmp_path: Path) -> None:
    layout = _saved_layer(tmp_path)
    python = Path(sys.executable)
    decision = DEMO.check(layout, {"version": "1"}, True, verify=lambda: layer.runs(python, "-V"))
    assert decision.reusable
