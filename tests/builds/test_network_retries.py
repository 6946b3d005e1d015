"""Transient network failures: retried within bounds, then a clear message.

The rustup mirror stand-in answers some requests with errors or late: rustup
itself does not retry the channel manifest, so the buildpack reruns it; the
buildpack's own download of rustup-init retries under the same policy
(fetch/retry.py). The downloader's own cases (stalls, drips, redirect loops)
are in test_download.py.
"""

from __future__ import annotations

import time

import pytest

from platform_runner import Platform

pytestmark = pytest.mark.slow

APP = "web-std"


def test_a_mirror_answering_503_a_few_times_does_not_fail_the_build(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    """rustup's first request (the channel's .sha256) and rustup-init's download."""
    rustup_mirror.fail_next(2, 503, "channel-rust-stable.toml.sha256")
    rustup_mirror.fail_next(2, 503, "rustup-init")
    try:
        build_dir, result = mirrored_platform.build(APP)
    finally:
        rustup_mirror.faults.clear()
    assert result.returncode == 0, result.log
    assert "failed on a network error (attempt 1 of 4)" in result.stdout
    assert (build_dir / "bin" / APP).is_file()


def assert_fails_within(platform: Platform, mirror, seconds: float) -> None:
    """The build with the mirror as the test made it: a clear failure, in time."""
    started = time.monotonic()
    try:
        _build_dir, result = platform.build(APP)
    finally:
        mirror.faults.clear()
    assert result.returncode == 1, result.log
    assert time.monotonic() - started < seconds
    assert "rustup could not install the Rust toolchain stable" in result.stderr
    assert "attempt 3 of 4" in result.stdout  # rustup was run 4 times
    assert "Traceback" not in result.log


def test_a_mirror_that_keeps_failing_ends_with_a_clear_message(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    rustup_mirror.fail_next(100, 503, "channel-rust-stable.toml.sha256")
    assert_fails_within(mirrored_platform, rustup_mirror, 60)


def test_a_mirror_that_stalls_fails_within_the_bound(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    """Accepts rustup's request, then sends nothing: rustup's own time limit
    (RUSTUP_DOWNLOAD_TIMEOUT, shortened here by the app) fails each run."""
    mirrored_platform.set_config(RUSTUP_DOWNLOAD_TIMEOUT="2")
    rustup_mirror.delay_next(100, 20, "channel-rust-stable.toml.sha256")
    # 4 runs of at most 2 s each (rustup's own retries of the file aside), 7 s of waiting.
    assert_fails_within(mirrored_platform, rustup_mirror, 90)
