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

from platform_runner import Platform
from tests.assertions import assert_succeeded

REPO_ROOT = Path(__file__).resolve().parents[1]
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
       Checking for updates of stable
       info: syncing channel updates for stable-x86_64-unknown-linux-gnu

         stable-x86_64-unknown-linux-gnu unchanged - rustc X.Y.Z (...)

       Using rustc X.Y.Z (...)
-----> Restoring cargo's cache
       Reusing the cached cargo registry
       Reusing the cached build artifacts
       Source files unchanged since the last build: 3 (timestamps restored); changed or new: 0
-----> Compiling the app
       Running: cargo install --locked --root . --path . --target-dir $CACHE_DIR/target
       Every locked crate is in the cache: no registry request is needed
         Installing web-std v0.1.0 ($FIXED_PATH)
           Finished `release` profile [optimized] target(s) in N.Ns
         Installing $BUILD_DIR/bin/web-std
          Installed package `web-std v0.1.0 ($FIXED_PATH)` (executable `web-std`)
       Installed into bin/: web-std
-----> Writing the SBOM
       .rust-buildpack/sbom.cdx.json: CycloneDX, 0 components (from cargo metadata)
-----> Writing runtime configuration
       Default process type web: /app/bin/web-std
-----> Removing the app's sources from the slug
       Kept bin/, .profile.d/, Procfile and files matching the patterns: none
       Removed 3 files
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
    assert re.search(r"README\.md#\S+\x1b\[0m", shown)
    plain = subprocess.run(arguments, env=_environment(), capture_output=True, text=True)
    assert plain.returncode == 1 and ESCAPE not in plain.stderr
    assert (
        plain.stderr.rstrip().splitlines()[-2].startswith(" !     See the buildpack's README.md#")
    )
