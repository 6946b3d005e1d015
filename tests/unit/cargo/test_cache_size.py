"""The cache's size for BP_CACHE_MAX_SIZE: unpacked crates counted from a record.

A cache laid out as a build leaves it (rustup's toolchain, cargo's unpacked
crates and git checkouts, the target dir), measured against a full walk.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from classic_bp.cache import CacheLayout
from classic_bp.cargo.cache_size import RECORD_NAME, TargetUnits, cache_size, tree_size

REGISTRY_SRC = Path("cargo/registry/src/index.crates.io-1949cf8c6b5b557f")


def write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def unpack(root: Path, crate: str, files: int = 3) -> Path:
    """A crate as cargo unpacks it: a new folder with its files."""
    folder = root / REGISTRY_SRC / crate
    for index in range(files):
        write(folder / "src" / f"file{index}.rs", 1000 + index)
    write(folder / "Cargo.toml", 300)
    return folder


@pytest.fixture
def layout(tmp_path: Path) -> CacheLayout:
    layout = CacheLayout(tmp_path / "cache")
    root = layout.root
    write(root / "rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/librustc.so", 50_000)
    write(root / "rustup-init/rustup-init", 7000)
    os.link(root / "rustup-init/rustup-init", root / "rustup-proxies-cargo")  # counted once
    unpack(root, "serde-1.0.152")
    unpack(root, "tokio-1.24.2", files=5)
    write(root / "cargo/git/checkouts/private-lib-0a1b2c3d4e5f6789/4f1e2d3/src/lib.rs", 2500)
    write(root / "cargo/registry/cache/index.crates.io-1949cf8c6b5b557f/serde-1.0.152.crate", 900)
    write(root / "target/release/deps/libserde-0123456789abcdef.rlib", 40_000)
    return layout


def without_record(layout: CacheLayout) -> int:
    """What a full walk counts, the record itself left out."""
    record = layout.root / RECORD_NAME
    return tree_size(layout.root) - (record.stat().st_size if record.exists() else 0)


def measured(layout: CacheLayout) -> int:
    """cache_size, the record left out as it was when the walk read it."""
    record = layout.root / RECORD_NAME
    before = record.stat().st_size if record.exists() else 0
    return cache_size(layout) - before


def test_the_first_and_later_measures_agree_with_a_full_walk(layout: CacheLayout) -> None:
    assert measured(layout) == without_record(layout)
    assert measured(layout) == without_record(layout)  # now from the record
    recorded = (layout.root / RECORD_NAME).read_text()
    assert "serde-1.0.152" in recorded and "4f1e2d3" in recorded
    assert "librustc" not in recorded and "target" not in recorded  # walked every time


def test_a_newly_unpacked_crate_is_counted_and_a_removed_one_forgotten(
    layout: CacheLayout,
) -> None:
    measured(layout)
    unpack(layout.root, "hyper-0.14.19", files=8)
    shutil.rmtree(layout.root / REGISTRY_SRC / "serde-1.0.152")

    assert measured(layout) == without_record(layout)
    recorded = (layout.root / RECORD_NAME).read_text()
    assert "hyper-0.14.19" in recorded and "serde-1.0.152" not in recorded


def test_without_the_builds_units_the_target_dir_and_the_toolchain_are_walked(
    layout: CacheLayout,
) -> None:
    measured(layout)
    write(layout.root / "target/release/deps/libhyper-fedcba9876543210.rlib", 123_456)
    write(layout.root / "rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/x", 999)

    assert measured(layout) == without_record(layout)


def test_a_crate_unpacked_again_is_walked_again(layout: CacheLayout) -> None:
    """cargo removes a crate's folder before unpacking it anew: a new inode."""
    measured(layout)
    folder = layout.root / REGISTRY_SRC / "tokio-1.24.2"
    shutil.rmtree(folder)
    unpack(layout.root, "tokio-1.24.2", files=9)

    assert measured(layout) == without_record(layout)


def test_an_unpacked_crate_with_its_inode_and_mtime_is_not_read_again(
    layout: CacheLayout,
) -> None:
    """The shortcut is taken: a file grown deep inside (which cargo never does)
    goes unseen while the folder keeps its inode and mtime."""
    before = measured(layout)
    folder = layout.root / REGISTRY_SRC / "serde-1.0.152"
    status = folder.stat()
    write(folder / "src" / "file0.rs", 5000)
    os.utime(folder, ns=(status.st_atime_ns, status.st_mtime_ns))

    assert measured(layout) == before
    assert without_record(layout) == before + 4000


@pytest.mark.parametrize("content", ["{not json", '{"cargo/registry/src/x/y": "big"}', "[]"])
def test_a_damaged_record_means_a_full_walk(layout: CacheLayout, content: str) -> None:
    (layout.root / RECORD_NAME).write_text(content)
    assert measured(layout) == without_record(layout)


@pytest.mark.parametrize("size", [None, "1234", -5, 1.5, True])
def test_a_damaged_size_for_this_very_folder_means_a_walk(layout: CacheLayout, size) -> None:
    """Its inode and mtime match, its size is no size: walked, not trusted or crashed on."""
    measured(layout)
    record = layout.root / RECORD_NAME
    entries = json.loads(record.read_text())
    for entry in entries.values():
        entry[2] = size
    record.write_text(json.dumps(entries))

    assert measured(layout) == without_record(layout)


def test_a_record_that_cannot_be_written_does_not_stop_the_build(layout: CacheLayout) -> None:
    (layout.root / RECORD_NAME).mkdir()  # in the record's place: no file can go there
    assert cache_size(layout) == tree_size(layout.root)
    assert cache_size(layout) == tree_size(layout.root)
    assert not [p for p in layout.root.iterdir() if p.name.startswith(f".{RECORD_NAME}")]


def measured_with(layout: CacheLayout, target: TargetUnits) -> int:
    record = layout.root / RECORD_NAME
    before = record.stat().st_size if record.exists() else 0
    return cache_size(layout, target) - before


HYPER = "target/release/deps/libhyper-fedcba9876543210.rlib"


def test_a_build_that_compiled_nothing_with_the_same_units_reuses_the_target_size(
    layout: CacheLayout,
) -> None:
    """The shortcut is taken: a file that appeared in the target dir without cargo
    compiling goes unseen while the build's units are the recorded ones."""
    first = measured_with(layout, TargetUnits(token=7, kept=False))
    assert first == without_record(layout)
    assert "target" in (layout.root / RECORD_NAME).read_text()
    write(layout.root / HYPER, 123_456)

    assert measured_with(layout, TargetUnits(token=7, kept=True)) == first
    assert without_record(layout) == first + 123_456


@pytest.mark.parametrize(
    "target",
    [
        TargetUnits(token=8, kept=True),  # other units: another feature selection
        TargetUnits(token=7, kept=False),  # something compiled or pruned
        None,  # a caller that does not know
    ],
)
def test_other_units_or_a_compile_walk_the_target_dir(
    layout: CacheLayout, target: TargetUnits | None
) -> None:
    measured_with(layout, TargetUnits(token=7, kept=False))
    write(layout.root / HYPER, 123_456)

    size = measured(layout) if target is None else measured_with(layout, target)
    assert size == without_record(layout)


def test_a_target_dir_made_anew_is_walked(layout: CacheLayout) -> None:
    """Discarded (over the budget, another compiler) and made again: a new inode."""
    measured_with(layout, TargetUnits(token=7, kept=False))
    shutil.rmtree(layout.root / "target")
    write(layout.root / HYPER, 123_456)

    assert measured_with(layout, TargetUnits(token=7, kept=True)) == without_record(layout)
