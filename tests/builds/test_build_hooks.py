"""The app's bin/pre_compile and bin/post_compile run as steps of the build.

Through bin/compile and bin/test-compile as the platform runs them, with real
Rust: build-hooks's pre_compile writes the message its binary embeds, its
post_compile makes assets of the binary and a source file. Failing, broken
and stopped hooks are written into a copy of web-std.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from platform_runner import Platform, Result
from tests.assertions import (
    assert_failed_cleanly,
    assert_platform_output,
    assert_succeeded,
    assert_user_error,
    error_message,
    group_is_gone,
)

APP = "build-hooks"
STEP = "-----> "


def steps(result: Result) -> list[str]:
    return [line[len(STEP) :] for line in result.stdout.splitlines() if line.startswith(STEP)]


def with_hook(platform: Platform, name: str, script: bytes, executable: bool = True) -> Path:
    """A fresh web-std checkout with ``bin/<name>`` holding ``script``."""
    build_dir = platform.new_build_dir("web-std")
    hook = build_dir / "bin" / name
    hook.parent.mkdir()
    hook.write_bytes(script)
    hook.chmod(0o755 if executable else 0o644)
    return build_dir


def report_of(platform: Platform, build_dir: Path) -> dict:
    result = platform.run("report", build_dir, platform.cache_dir, platform.env_dir)
    return yaml.safe_load(result.stdout)


@pytest.mark.slow
def test_hooks_run_around_cargo_with_rust_the_config_vars_and_the_sources(
    mirrored_platform: Platform,
) -> None:
    mirrored_platform.set_config(GREETING_NAME="Ada", API_TOKEN="tok-8a1f-do-not-print")
    build_dir, result = mirrored_platform.build(APP)
    assert_succeeded(result)
    assert_platform_output(result)
    assert "       Build hooks: bin/pre_compile, bin/post_compile" in result.stdout
    order = steps(result)
    assert order[order.index("Restoring cargo's cache") :][:5] == [
        "Restoring cargo's cache",
        "Running bin/pre_compile hook",
        "Comparing the app's files with the last build",
        "Compiling the app",
        "Writing the SBOM",
    ]
    assert order.index("Running bin/post_compile hook") == (
        order.index("Removing the app's sources from the slug") - 1
    )
    for line in (
        "cargo on PATH: cargo 1.",
        "rustc on PATH: rustc 1.",
        "running in BUILD_DIR",
        "CACHE_DIR is a folder: yes, ENV_DIR has 4 config vars, STACK=scalingo-22",
        "token: [redacted]",
        "made public/greeting.txt and public/style.css",
    ):
        assert f"\n       {line}" in result.stdout, line
    assert "tok-8a1f-do-not-print" not in result.log

    binary = subprocess.run([build_dir / "bin" / APP], capture_output=True, text=True)
    assert binary.stdout == "hello Ada, from pre_compile\n"
    # post_compile's assets stay in the slug; the sources it made them from are gone.
    assert (build_dir / "public" / "greeting.txt").read_text() == "hello Ada, from pre_compile\n"
    assert (build_dir / "public" / "style.css").is_file()
    assert not (build_dir / "src").exists()
    assert not (build_dir / "assets").exists()

    # A rebuild in a new build dir: the hook writes the same file, nothing is compiled.
    build_dir, again = mirrored_platform.build(APP)
    assert_succeeded(again)
    assert "changed or new: 0" in again.stdout
    assert "Compiling build-hooks" not in again.stdout
    # What the hook writes differs: the crate that embeds it is compiled again.
    mirrored_platform.set_config(GREETING_NAME="Grace")
    build_dir, changed = mirrored_platform.build(APP)
    assert_succeeded(changed)
    assert "Compiling build-hooks" in changed.stdout
    binary = subprocess.run([build_dir / "bin" / APP], capture_output=True, text=True)
    assert binary.stdout == "hello Grace, from pre_compile\n"


@pytest.mark.slow
def test_a_failing_pre_compile_stops_the_build_before_cargo(mirrored_platform: Platform) -> None:
    build_dir = with_hook(
        mirrored_platform, "pre_compile", b"#!/bin/sh\necho 'npm ci: no package.json'\nexit 3\n"
    )
    result = mirrored_platform.compile(build_dir)
    assert_failed_cleanly(
        result,
        "The app's bin/pre_compile hook failed (exit code 3); its output is above.",
        "run it from the app's root: BUILD_DIR=$PWD bin/pre_compile",
    )
    assert "\n       npm ci: no package.json\n" in result.stdout
    assert steps(result)[-1] == "Running bin/pre_compile hook"
    assert report_of(mirrored_platform, build_dir)["failure_reason"] == "hook_failed"


@pytest.mark.slow
def test_a_failing_post_compile_fails_the_build_after_the_binaries(
    mirrored_platform: Platform,
) -> None:
    script = b"#!/bin/sh\nls bin\nkill -9 $$\n"  # killed, as by the system out of memory
    build_dir = with_hook(mirrored_platform, "post_compile", script)
    result = mirrored_platform.compile(build_dir)
    assert_failed_cleanly(result, "The app's bin/post_compile hook was stopped by SIGKILL")
    assert "\n       web-std\n" in result.stdout  # it ran with the binary installed
    assert "Removing the app's sources" not in result.stdout


@pytest.mark.slow
def test_a_hook_without_the_executable_bit_or_a_shebang_still_runs(
    mirrored_platform: Platform,
) -> None:
    script = b'echo "plain script, run by: $(basename "$BASH")"\n'
    build_dir = with_hook(mirrored_platform, "pre_compile", script, executable=False)
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert (
        "bin/pre_compile is not executable: made it so, as heroku-buildpack-python does"
        " (commit the mode with `git update-index --chmod=+x bin/pre_compile`)" in result.stdout
    )
    assert "bin/pre_compile has no #! line: running it with /bin/bash" in result.stdout
    assert "\n       plain script, run by: bash\n" in result.stdout


@pytest.mark.slow
def test_a_hook_with_windows_line_ends_says_why_it_cannot_start(
    mirrored_platform: Platform,
) -> None:
    build_dir = with_hook(mirrored_platform, "pre_compile", b"#!/bin/sh\r\necho hi\r\n")
    result = mirrored_platform.compile(build_dir)
    assert_failed_cleanly(
        result,
        "The app's bin/pre_compile hook could not be started: No such file or directory.",
        "Its first line is #!/bin/sh\\r: the interpreter it names must exist",
        "Unix (LF) line endings",
    )


@pytest.mark.parametrize("shape", ["folder", "link outside the app"])
def test_a_hook_that_cannot_run_fails_before_rust_is_installed(
    platform: Platform, shape: str
) -> None:
    build_dir = platform.new_build_dir("web-std")
    hook = build_dir / "bin" / "post_compile"
    hook.parent.mkdir()
    if shape == "folder":
        hook.mkdir()
        assert_user_error(platform.compile(build_dir), "bin/post_compile, but it is not a file")
    else:
        hook.symlink_to("/bin/true")
        assert_user_error(platform.compile(build_dir), "bin/post_compile", "outside")


@pytest.mark.slow
def test_sigterm_stops_a_hook_and_what_it_started(mirrored_platform: Platform) -> None:
    script = b"#!/bin/sh\necho started\n(trap '' TERM; exec sleep 300) & sleep 301\n"
    build_dir = with_hook(mirrored_platform, "pre_compile", script)
    process = subprocess.Popen(
        mirrored_platform.compile_command(build_dir),
        env=mirrored_platform.environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    log = ""
    while "started" not in log:
        line = process.stdout.readline()
        assert line, log
        log += line
    time.sleep(0.5)  # both sleeps are running
    process.send_signal(signal.SIGTERM)  # to the buildpack alone, as a platform's timeout
    log += process.stdout.read()
    assert process.wait(timeout=30) == 143, log
    assert "The build was interrupted" in log
    assert "Traceback" not in log
    assert group_is_gone(process.pid), "the sleep that ignores SIGTERM survived the build"


@pytest.mark.slow
def test_test_compile_runs_pre_compile_only(mirrored_platform: Platform) -> None:
    """The tests are compiled from what pre_compile writes; test-compile installs no
    binaries and makes no slug, so post_compile (which may run them) is left out."""
    build_dir = mirrored_platform.new_build_dir(APP)
    cache, env = mirrored_platform.cache_dir, mirrored_platform.env_dir
    result = mirrored_platform.run("test-compile", build_dir, cache, env)
    assert_succeeded(result)
    order = steps(result)
    assert order.index("Running bin/pre_compile hook") < order.index("Compiling the tests")
    assert "Running bin/post_compile hook" not in order
    assert (build_dir / "src" / "message.txt").read_text() == "hello nobody, from pre_compile\n"
    assert not error_message(result)
