"""A flaky CDN never fails a build that enough patience would pass.

The mirror answers 503 twice to every path before serving it. Each download
is retried on its own, with the same back-off (1 s, then 2 s): rustup-init
and its .sha256 by the buildpack's downloader, the channel manifest, its
.sha256 and every component by the relay rustup downloads through
(fetch/relay.py). No download starts over because another failed: each path
is asked exactly three times.
"""

from __future__ import annotations

import time
from collections import defaultdict

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow

APP = "web-std"


def test_a_mirror_answering_503_twice_to_every_path_passes(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    rustup_mirror.clear_log()
    rustup_mirror.fail_each_path(2, 503)
    started = time.monotonic()
    try:
        build_dir, result = mirrored_platform.build(APP)
    finally:
        rustup_mirror.faults.clear()
    elapsed = time.monotonic() - started
    assert_succeeded(result)
    assert (build_dir / "bin" / APP).is_file()

    answers = defaultdict(list)
    for _method, path, status in rustup_mirror.requests:
        answers[path].append(status)
    assert {path: statuses for path, statuses in answers.items()} == {
        path: [503, 503, 200] for path in answers
    }
    requested = " ".join(answers)
    for part in ("rustup-init.sha256", "channel-rust-stable.toml.sha256", "rustc-", "cargo-"):
        assert part in requested, requested
    # 3 s of back-off per download, the components two at a time.
    assert elapsed < 120, elapsed
