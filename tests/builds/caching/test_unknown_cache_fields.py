"""Cache records with fields this version does not know are read, not discarded.

A newer buildpack (same cache layout version) may add fields to its records;
a build with this version on that cache must reuse what its own fields allow
(the toolchain above all), not discard the whole cache once per unknown
field. Only another layout version discards the whole cache.
"""

from __future__ import annotations

import json
import time

import pytest

from classic_bp import cache
from platform_runner import Platform
from tests.assertions import assert_succeeded

APP = "web-std"


def test_unknown_fields_are_no_reason_to_discard() -> None:
    wanted = {"toolchain": "stable", "host": "x86_64-unknown-linux-gnu"}
    stored = {**wanted, "zig_version": "0.14", "sbom_format": "spdx"}
    assert cache.reasons_to_discard(stored, wanted, {}) == []
    assert cache.reasons_to_discard({**stored, "toolchain": "beta"}, wanted, {}) == [
        "the toolchain changed from beta to stable"
    ]


@pytest.mark.slow
def test_a_cache_written_by_a_newer_buildpack_is_reused(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    _build_dir, first = mirrored_platform.build(APP)
    assert_succeeded(first)
    keys = sorted((mirrored_platform.cache_dir / "rust-buildpack" / "keys").glob("*.json"))
    assert "layout.json" in [key.name for key in keys] and len(keys) > 4
    for key in keys:
        record = json.loads(key.read_text())
        record.update(written_by="classic-bp 9.0.0", zig_version="0.14")
        key.write_text(json.dumps(record))

    rustup_mirror.clear_log()
    started = time.monotonic()
    build_dir, result = mirrored_platform.build(APP)
    elapsed = time.monotonic() - started
    assert_succeeded(result)
    assert (build_dir / "bin" / APP).is_file()
    assert "Discarding" not in result.stdout, result.stdout
    assert "Not reusing" not in result.stdout, result.stdout
    assert "Reusing rustup from the cache" in result.stdout
    assert "stable on http://127.0.0.1:" in result.stdout  # the toolchain reused
    # The toolchain stayed: only the channel's .sha256 was asked for.
    assert rustup_mirror.paths_requested() == ["/dist/channel-rust-stable.toml.sha256"]
    assert elapsed < 60, elapsed
