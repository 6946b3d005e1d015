"""Transient network failures: retried within bounds, then a clear message.

The rustup mirror stand-in answers some requests with errors or late: rustup
itself does not retry the channel manifest, so its downloads go through the
buildpack's relay, which retries each file (fetch/relay.py); the buildpack's
own download of rustup-init retries under the same policy (fetch/retry.py).
The downloader's own cases (stalls, drips, redirect loops) are in
test_download.py, the relay's in test_download_relay.py.
"""

from __future__ import annotations

import time

import pytest

from platform_runner import Platform
from tests.assertions import assert_failed_cleanly

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


def assert_fails_within(platform: Platform, mirror, seconds: float, why: str) -> None:
    """The build with the mirror as the test made it: a clear failure naming the
    file and the mirror, in time."""
    started = time.monotonic()
    try:
        _build_dir, result = platform.build(APP)
    finally:
        mirror.faults.clear()
    assert_failed_cleanly(
        result,
        f"Could not download a file of the Rust toolchain from {mirror.dist_server}",
        "(RUSTUP_DIST_SERVER): channel-rust-stable.toml.sha256",
        why,
    )
    assert time.monotonic() - started < seconds


def test_a_mirror_that_keeps_failing_ends_with_a_clear_message(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    rustup_mirror.fail_next(100, 503, "channel-rust-stable.toml.sha256")
    why = "the server answered HTTP 503, after 4 attempts"
    assert_fails_within(mirrored_platform, rustup_mirror, 60, why)


def test_a_mirror_that_stalls_fails_within_the_bound(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    """Accepts the request, then sends nothing: the relay drops the silent
    connection after half of BP_DOWNLOAD_STALL_TIMEOUT (shortened here by the
    app), asks once more, and gives up once nothing came for all of it."""
    mirrored_platform.set_config(BP_DOWNLOAD_STALL_TIMEOUT="2")
    rustup_mirror.delay_next(100, 20, "channel-rust-stable.toml.sha256")
    why = "no byte arrived for 2 s (0 B received), after 2 attempts"
    assert_fails_within(mirrored_platform, rustup_mirror, 60, why)
