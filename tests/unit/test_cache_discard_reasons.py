"""A cache is reused only when its key matches, and every reason to discard it is named.

cache.py compares a stored key with the wanted one and words each difference;
a record it cannot read, or an older layout of the cache, means discard.
layer.py's Layer is the one sequence every cached thing goes through: read,
compare, explain, discard, write. What a layer's check of its programs finds
is test_layer_verify.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classic_bp import cache
from classic_bp.layer import Layer
from classic_bp.platform import report


def test_cache_reasons_name_every_difference() -> None:
    stored = {"rustc": "rustc 1.94.0", "host": "x86_64-unknown-linux-gnu"}
    wanted = {"rustc": "rustc 1.95.0", "host": "aarch64-unknown-linux-gnu"}
    reasons = cache.reasons_to_discard(stored, wanted, {"rustc": "Rust compiler"})
    assert reasons == [
        "the host changed from x86_64-unknown-linux-gnu to aarch64-unknown-linux-gnu",
        "the Rust compiler changed from rustc 1.94.0 to rustc 1.95.0",
    ]
    assert cache.reasons_to_discard(wanted, wanted, {}) == []
    assert cache.reasons_to_discard(None, wanted, {}) == []


def test_a_damaged_cache_record_means_discard(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text('{"rustc": ')  # a write cut short
    stored = cache.read_key(key)
    assert cache.reasons_to_discard(stored, {"rustc": "x"}, {}) == [
        "its cache record is unreadable"
    ]


def test_an_old_cache_layout_is_discarded_whole(tmp_path: Path) -> None:
    layout = cache.CacheLayout(tmp_path)
    (layout.target_dir / "release").mkdir(parents=True)
    cache.write_key(layout.key_path("layout"), {"layout_version": 0})
    reasons = cache.ensure_layout(layout)
    assert reasons == ["the cache layout version changed from 0 to 1"]
    assert not layout.target_dir.exists()
    assert cache.ensure_layout(layout) == []


def test_a_layer_is_created_reused_then_discarded_with_its_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one cached-layer sequence: read, compare, explain, discard, write."""
    layout = cache.CacheLayout(tmp_path)
    layer = Layer(
        name="demo",
        what="demo files",
        labels={"rustc": "Rust compiler"},
        paths=lambda layout: [layout.root / "demo"],
    )
    directory = layout.root / "demo"

    assert layer.open(layout, {"rustc": "1.95.0"}, present=directory.is_dir()).summary == "created"
    directory.mkdir(parents=True)
    layer.save(layout, {"rustc": "1.95.0"})

    assert layer.open(layout, {"rustc": "1.95.0"}, present=directory.is_dir()).reusable
    assert "Reusing the cached demo files" in capsys.readouterr().out

    decision = layer.open(layout, {"rustc": "1.96.0"}, present=directory.is_dir())
    assert decision.summary == "discarded: the Rust compiler changed from 1.95.0 to 1.96.0"
    assert "Discarding the cached demo files: the Rust compiler changed" in capsys.readouterr().out
    assert not directory.exists()
    assert not layer.key_path(layout).exists()
    assert report._cache_decisions["demo files"] == decision.summary


def test_a_key_is_written_only_when_it_changes(tmp_path: Path) -> None:
    """Most keys are the same from build to build: the file is left as it is (no
    new inode, no fsync); any change replaces it whole."""
    key = tmp_path / "keys" / "target.json"
    cache.write_key(key, {"rustc": "1.95.0", "stack": "scalingo-22"})
    first = key.stat()
    cache.write_key(key, {"stack": "scalingo-22", "rustc": "1.95.0"})
    assert key.stat().st_ino == first.st_ino
    cache.write_key(key, {"rustc": "1.96.0", "stack": "scalingo-22"})
    assert key.stat().st_ino != first.st_ino
    assert cache.read_key(key) == {"rustc": "1.96.0", "stack": "scalingo-22"}
    assert sorted(path.name for path in key.parent.iterdir()) == ["target.json"]
