"""The build log as a reader sees it: whole transcripts, and colour only at a terminal.

The transcript test compares the WHOLE log of a warm rebuild (a fresh
checkout in a new build dir, with the cache of a first build), so that a
reviewer reads here exactly what a user reads on the platform. Only what
changes from run to run is normalised: durations, sizes, paths, the rustc
version and the order of the summary's time line.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from classic_bp import errors
from platform_runner import REPO_ROOT, Platform
from tests.assertions import assert_succeeded

ESCAPE = "\x1b["

WARM_REBUILD = """\
-----> Rust buildpack 0.1.0 on scalingo-22
-----> Reading the app's configuration
       Package web-std in ./, binaries: web-std
       Rust toolchain, by priority:
         rust-toolchain: not set
         rust-toolchain.toml: not set
         BP_RUST_TOOLCHAIN: not set
         default: stable
       Using stable, from the default
-----> Installing rustup
       Reusing rustup from the cache
-----> Installing Rust (stable)
       Reusing stable-x86_64-unknown-linux-gnu from the cache: stable on $MIRROR is unchanged
       Using rustc X.Y.Z (...)
-----> Restoring cargo's cache
       Reusing the cached cargo registry
       Reusing the cached build artifacts
       Source files unchanged since the last build: 1 (timestamps restored); changed or new: 0
         Only the files cargo reads were compared: no other file changes its build
-----> Compiling the app
       Running: cargo build --release --locked --bins -p web-std --target-dir $CACHE_DIR/target
       Every crate this build needs is in the cache: no registry request
           Finished `release` profile [optimized] target(s) in N.Ns
       Installed into bin/: web-std
-----> Writing the SBOM
       .rust-buildpack/sbom.cdx.json: CycloneDX, 0 components (kept from the last build)
-----> Writing runtime configuration
       Default process type web: /app/bin/web-std
-----> Removing the app's sources from the slug
       Kept bin/, .profile.d/, Procfile and files matching the patterns: none
       Removed 2 files and 1 folder whole
-----> Build succeeded in N.Ns: 1 binary (web-std) with Rust X.Y.Z
       Binaries: web-std (SIZE)
       Slug: SIZE
       Cache: SIZE of its 4.0 GiB budget (BP_CACHE_MAX_SIZE)
       Time per step: (each step with its time, slowest first)
       Reused: rustup, toolchain, cargo registry, build artifacts, source times
"""


def normalised(log: str, build_dir: Path) -> str:
    """The log with what varies between runs replaced by fixed words."""
    log = log.replace(str(build_dir), "$BUILD_DIR")
    log = re.sub(r"/\S*/classic-bp-\d+/app", "$FIXED_PATH", log)
    log = re.sub(r"http://127\.0\.0\.1:\d+", "$MIRROR", log)
    log = re.sub(r"rustc \d+\.\d+\.\d+ \([^)]*\)", "rustc X.Y.Z (...)", log)
    log = re.sub(r"with Rust \d+\.\d+\.\d+", "with Rust X.Y.Z", log)
    log = re.sub(r"\b\d+(\.\d+)?s\b", "N.Ns", log)
    log = re.sub(r"(?<!budget of )\b\d+(\.\d)? (B|KiB|MiB|GiB)\b(?! budget)", "SIZE", log)
    log = re.sub(
        r"Time per step: .*", "Time per step: (each step with its time, slowest first)", log
    )
    return log


@pytest.mark.slow
def test_the_whole_log_of_a_warm_rebuild(mirrored_platform: Platform) -> None:
    _first_dir, first = mirrored_platform.build("web-std")
    assert_succeeded(first)
    build_dir, again = mirrored_platform.build("web-std")
    assert_succeeded(again)
    assert normalised(again.stdout, build_dir) == WARM_REBUILD
    assert again.stderr == ""
    assert ESCAPE not in again.stdout  # a log is not a terminal


def _in_a_pty(command: list[str], env: dict[str, str]) -> str:
    """What ``command`` writes to a terminal (stdout and stderr both on the pty)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "TERM")}
    return {**env, "TERM": "xterm-256color", **extra}


ALERTS = (
    "from classic_bp.platform import output\n"
    "output.step('Compiling the app')\n"
    "output.warning('Something to look at')\n"
    "output.error('Something went wrong')\n"
)
ALERTS_COMMAND = [
    sys.executable,
    "-c",
    f"import sys; sys.path.insert(0, {str(REPO_ROOT / 'lib')!r})\n{ALERTS}",
]


def test_a_terminal_gets_colours() -> None:
    shown = _in_a_pty(ALERTS_COMMAND, _environment())
    assert "\x1b[1;36m-----> \x1b[0mCompiling the app" in shown
    assert "\x1b[1;33m !     Something to look at\x1b[0m" in shown  # yellow
    assert "\x1b[1;31m !     Something went wrong\x1b[0m" in shown  # red


def test_no_color_and_logs_get_plain_text() -> None:
    shown = _in_a_pty(ALERTS_COMMAND, _environment(NO_COLOR="1"))
    assert "Something went wrong" in shown and ESCAPE not in shown
    piped = subprocess.run(ALERTS_COMMAND, env=_environment(), capture_output=True, text=True)
    assert "Something went wrong" in piped.stderr
    assert ESCAPE not in piped.stdout + piped.stderr


def test_a_real_error_is_red_at_a_terminal_and_ends_with_its_readme_link(tmp_path: Path) -> None:
    compile_script = str(REPO_ROOT / "bin" / "compile")
    arguments = [compile_script, str(tmp_path / "missing"), str(tmp_path / "cache")]
    shown = _in_a_pty(arguments, _environment())
    assert "\x1b[1;31m !     The build directory" in shown
    assert re.search(r"See the buildpack's \S+\.md#\S+\x1b\[0m", shown)
    plain = subprocess.run(arguments, env=_environment(), capture_output=True, text=True)
    assert plain.returncode == 1 and ESCAPE not in plain.stderr
    link = errors.README_SECTIONS["usage"]  # test_error_catalogue checks that it resolves
    assert plain.stderr.rstrip().splitlines()[-2] == f" !     See the buildpack's {link}"


def test_a_long_download_prints_its_progress_in_a_log(monkeypatch, capsys) -> None:
    """A line per 10 % once the transfer has lasted QUIET_SECONDS; none before."""
    from classic_bp.platform import progress

    clock = iter(float(second) for second in range(100))
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(progress, "QUIET_SECONDS", 2.0)
    with progress.transfer_progress("Downloading rust.tar.xz", 100 << 20) as advance:
        for _ in range(4):
            advance(25 << 20)
    assert capsys.readouterr().out == (
        "       Downloading rust.tar.xz: 50 % (50.0 MiB of 100.0 MiB)\n"
        "       Downloading rust.tar.xz: 75 % (75.0 MiB of 100.0 MiB)\n"
        "       Downloading rust.tar.xz: 100 % (100.0 MiB of 100.0 MiB)\n"
    )


def test_a_silent_command_gets_a_heartbeat(monkeypatch, capsys) -> None:
    from classic_bp.platform import progress, run

    monkeypatch.setattr(progress, "PROGRESS_INTERVAL", 0.3)
    command = ["sh", "-c", "echo start; sleep 1; echo end"]
    assert run.stream_command(command, env=os.environ, heartbeat="Still working") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "       start" and lines[-1] == "       end"
    assert any(re.fullmatch(r"       Still working, \d\.\ds so far", line) for line in lines[1:-1])


def test_the_summary_says_what_was_discarded_and_why() -> None:
    from classic_bp.platform import output, summary

    timings = [
        output.StepTiming("Compiling the app", 12.5, "compile"),
        output.StepTiming("Installing Rust (stable)", 3.0, "rust"),
        output.StepTiming("Writing the SBOM", 0.01, "sbom"),
        output.StepTiming("Writing runtime configuration", 0.02, "runtime"),
    ]
    decisions = {
        "python packages": "not used: the packages are importable",
        "rustup": "reused",
        "toolchain": "discarded: the channel changed from 1.94.0 to 1.95.0",
        "build artifacts": "discarded: the compiler changed",
        "source times": "created",
    }
    lines = errors_summary(timings, decisions)
    assert lines == [
        "Binaries: web (1.5 MiB)",
        "Slug: 1.6 MiB",
        "Cache: 600.0 MiB of its 4.0 GiB budget (BP_CACHE_MAX_SIZE)",
        "Time per step: compile 12.5s, rust 3.0s, 2 other steps 0.0s",
        "Reused: rustup",
        "Created: source times",
        "Discarded: toolchain (the channel changed from 1.94.0 to 1.95.0),"
        " build artifacts (the compiler changed)",
    ]
    assert summary.step_times([]) == []


def errors_summary(timings, decisions) -> list[str]:
    from classic_bp.platform import summary

    return summary.summary_lines(
        binaries={"web": "1.5 MiB"},
        slug="1.6 MiB",
        cache=("600.0 MiB", "4.0 GiB"),
        step_times=summary.step_times(timings),
        cache_decisions=summary.grouped_decisions(decisions),
    )


def test_a_download_at_a_terminal_shows_a_progress_bar() -> None:
    pytest.importorskip("rich")
    code = (
        f"import sys; sys.path.insert(0, {str(REPO_ROOT / 'lib')!r})\n"
        "from classic_bp.platform import output, progress\n"
        "with progress.transfer_progress('Downloading rust.tar.xz', 4 << 20) as advance:\n"
        "    for _ in range(4):\n"
        "        advance(1 << 20)\n"
        "output.detail('downloaded')\n"
    )
    shown = _in_a_pty([sys.executable, "-c", code], _environment())
    assert "Downloading rust.tar.xz" in shown and "━" in shown  # rich's bar
    assert "4.0/4.0 MiB" in shown
    assert shown.rstrip().endswith("downloaded")
