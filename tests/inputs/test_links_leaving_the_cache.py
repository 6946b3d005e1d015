"""Nothing outside the cache is written or deleted through a link in it (cache.py).

A link that leads out of the cache (the target dir or a folder in it,
cargo's home, the cache's own folder) is removed with a warning before
anything is reused, written or pruned; a link that stays inside is kept
(docs/reliability.md, "Links and files").
"""

from __future__ import annotations

from pathlib import Path

from classic_bp import cache
from platform_runner import Platform
from tests.assertions import assert_failed_cleanly
from tests.inputs.early_stops import UNREACHABLE


def test_links_leaving_the_cache_are_dropped_and_their_targets_untouched(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "deps").mkdir(parents=True)
    (outside / "deps" / "precious-0123456789abcdef.rlib").write_text("keep")
    layout = cache.CacheLayout(tmp_path / "cache")
    (layout.target_dir / "release").mkdir(parents=True)
    (layout.target_dir / "debug").symlink_to(outside)
    (layout.target_dir / "release" / "deps").symlink_to(outside / "deps")
    layout.cargo_home.symlink_to(outside)
    layout.root.joinpath("inside").symlink_to(layout.target_dir)  # inside: kept
    removed = cache.drop_outside_links(layout)
    assert sorted(removed) == ["cargo", "target/debug", "target/release/deps"]
    assert (outside / "deps" / "precious-0123456789abcdef.rlib").read_text() == "keep"
    assert layout.root.joinpath("inside").is_symlink()
    cache.remove_tree(layout.root / "inside")
    assert layout.target_dir.is_dir()


def test_a_cache_folder_that_is_a_link_is_dropped_whole(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "file").write_text("keep")
    layout = cache.CacheLayout(tmp_path / "cache")
    layout.cache_dir.mkdir()
    layout.root.symlink_to(outside)
    assert cache.drop_outside_links(layout) == ["rust-buildpack"]
    assert not layout.root.exists() and (outside / "file").exists()


def test_a_cached_target_dir_linked_outside_is_discarded_with_a_warning(
    platform: Platform, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "file").write_text("keep")
    root = platform.cache_dir / "rust-buildpack"
    root.mkdir()
    (root / "target").symlink_to(outside)
    platform.set_config(**UNREACHABLE)
    _build_dir, result = platform.build("web-std")
    assert_failed_cleanly(result)
    assert "Removed the symlink target from the cache" in result.stderr
    assert not (root / "target").is_symlink()
    assert (outside / "file").read_text() == "keep"
