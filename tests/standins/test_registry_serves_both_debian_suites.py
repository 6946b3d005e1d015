"""The crates.io stand-in serves Debian 12's and Debian 13's crates together, and
Debian 13's change no byte of what it serves from Debian 12.

Why: the older test apps' Cargo.lock files pin the checksums of .crate files
made from bookworm's sources, the framework and database apps' lock trixie's
(axum, actix-web, sqlx, diesel); one registry must hold both, as crates.io
holds every version. A crate is pruned against its own suite's crates only, so
bookworm's bytes are what a bookworm-only registry packs; a name and version
in both suites is served once, bookworm's.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

import crates_registry
import debian_crates


@pytest.fixture(scope="module")
def served() -> tuple[Path, dict[tuple[str, str], dict]]:
    """The registry the tests use (built once per machine) and its summary by crate."""
    root = crates_registry.build_registry()
    summary = json.loads((root / "crates.json").read_text())
    return root, {(entry["name"], entry["vers"]): entry for entry in summary}


def test_each_suites_versions_are_served_side_by_side(served) -> None:
    _root, crates = served
    versions = {vers: entry["from"] for (name, vers), entry in crates.items() if name == "tokio"}
    assert versions == {"1.24.2": "bookworm", "1.43.1": "trixie"}
    origins = {entry["from"] for entry in crates.values()}
    assert origins == {"bookworm", "trixie", "project"}
    assert crates["axum", "0.7.9"]["from"] == "trixie"


def test_a_version_in_both_suites_is_served_once_from_bookworm(served) -> None:
    root, crates = served
    # quickcheck 1.0.3 is packaged in both, trixie's with another Cargo.toml.
    entry = crates["quickcheck", "1.0.3"]
    assert entry["from"] == "bookworm"
    assert entry["shadowed"] == [{"from": "trixie", "same_files": False}]
    index = (root / "index" / crates_registry.index_path("quickcheck")).read_text()
    assert [json.loads(line)["vers"] for line in index.splitlines()] == ["1.0.3"]
    crate = (root / "crates" / "quickcheck" / "1.0.3" / "download").read_bytes()
    with tarfile.open(fileobj=io.BytesIO(crate)) as tar:
        names = tar.getnames()
    # trixie's folder holds a Cargo.toml.orig, bookworm's none.
    assert "quickcheck-1.0.3/Cargo.toml.orig" not in names
    assert "quickcheck-1.0.3/Cargo.toml" in names


def test_adding_trixie_changes_no_crate_or_index_line_served_from_bookworm(
    served, tmp_path: Path
) -> None:
    root, crates = served
    alone = crates_registry.build_registry(tmp_path / "bookworm", debian_crates.crate_sources())
    summary = json.loads((alone / "crates.json").read_text())
    assert len(summary) > 90
    for entry in summary:
        assert crates[entry["name"], entry["vers"]]["cksum"] == entry["cksum"], entry["name"]
    for path in (alone / "index").rglob("*"):
        if path.is_file():
            both = (root / "index" / path.relative_to(alone / "index")).read_text()
            assert set(path.read_text().splitlines()) <= set(both.splitlines()), path.name
