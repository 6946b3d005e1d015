"""Tests of debian_crates.py: Debian 12's and 13's crate sources fetched from the real archive.

Why these checks: the crates.io stand-in, and with it every test that builds
an app with dependencies, stands on these sources on Debian and Ubuntu alike;
the committed Cargo.lock files only hold if they are exactly bookworm's and
trixie's. The
archive is reachable here (the mirror apt uses, or ``CLASSIC_BP_DEBIAN_MIRROR``),
so nothing is mocked: the index and the .deb files are the real ones.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

import debian_crates
import toml_reader
from platform_runner import APPS_DIR
from prerequisites import MissingPrerequisite

PROJECT_CRATES = APPS_DIR.parent / "crates"


@pytest.fixture(scope="module")
def index() -> dict[str, dict[str, str]]:
    """Bookworm's real main/binary-amd64 Packages index (about 9 MB, a few seconds)."""
    return debian_crates.parse_packages(debian_crates.packages_index(debian_crates.mirror()))


def test_feature_packages_resolve_through_provides_to_the_crates_they_need(index) -> None:
    # librust-serde+serde-derive-dev is a feature package: it ships no crate, and
    # depends on `librust-serde-derive-1+default-dev`, a name only Provides know.
    chosen = {
        s["Package"] for s in debian_crates.resolve(["librust-serde+serde-derive-dev"], index)
    }
    assert {
        "librust-serde+serde-derive-dev",
        "librust-serde-dev",
        "librust-serde-derive-dev",
        "librust-proc-macro2-dev",
        "librust-quote-dev",
        "librust-syn-dev",
        "librust-unicode-ident-dev",
    } <= chosen
    assert all(name.startswith("librust-") for name in chosen)


@pytest.mark.parametrize("suite", list(debian_crates.SUITES))
def test_each_suites_list_is_closed_under_its_rust_dependencies(suite: str, index) -> None:
    # What apt pulled in is written down: the list names every package it needs.
    if suite != debian_crates.DEFAULT_SUITE:
        base = debian_crates.mirror()
        index = debian_crates.parse_packages(debian_crates.packages_index(base, suite))
    listed = debian_crates.listed_packages(suite)
    chosen = debian_crates.resolve(listed, index, suite)
    assert sorted(s["Package"] for s in chosen) == sorted(listed)


def test_an_unknown_package_is_one_sentence_naming_it(index) -> None:
    with pytest.raises(MissingPrerequisite, match="lacks librust-no-such-crate-dev, which"):
        debian_crates.resolve(["librust-serde-dev", "librust-no-such-crate-dev"], index)


def test_a_real_deb_is_verified_and_its_crate_tree_extracted(index, tmp_path: Path) -> None:
    stanza = index["librust-serde-json-dev"]
    deb = debian_crates.fetch_deb(debian_crates.mirror(), stanza, tmp_path)
    assert [name for name in debian_crates.ar_members(deb.read_bytes())][:1] == ["debian-binary"]
    folders = debian_crates.extract_crates(
        debian_crates.data_tar(deb.read_bytes(), deb), tmp_path / "out"
    )
    upstream = stanza["Version"].split("-")[0]  # 1.0.87-2 -> 1.0.87
    assert folders == [f"serde_json-{upstream}"]
    crate = tmp_path / "out" / folders[0]
    manifest = toml_reader.loads((crate / "Cargo.toml").read_text())
    assert manifest["package"]["version"] == upstream
    assert (crate / "src" / "lib.rs").is_file()
    # Only the registry tree: no usr/share/doc, nothing outside out/.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == folders


def test_a_damaged_download_is_refused(index, tmp_path: Path) -> None:
    stanza = {**index["librust-fnv-dev"], "SHA256": "0" * 64}
    with pytest.raises(MissingPrerequisite, match="the download was damaged"):
        debian_crates.fetch_deb(debian_crates.mirror(), stanza, tmp_path)
    assert list(tmp_path.iterdir()) == []


def _tar(*members: tarfile.TarInfo) -> tarfile.TarFile:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for member in members:
            tar.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    buffer.seek(0)
    return tarfile.open(fileobj=buffer)


def test_extraction_refuses_links_and_never_leaves_its_folder(tmp_path: Path) -> None:
    escape = tarfile.TarInfo("./usr/share/cargo/registry/../../../../escaped")
    escape.size = 1
    other = tarfile.TarInfo("./usr/share/doc/librust-x-dev/copyright")
    other.size = 1
    good = tarfile.TarInfo("./usr/share/cargo/registry/x-1.0.0/src/lib.rs")
    good.size = 1
    good.mode = 0o4755
    out = tmp_path / "out"
    assert debian_crates.extract_crates(_tar(escape, other, good), out) == ["x-1.0.0"]
    assert (out / "x-1.0.0" / "src" / "lib.rs").stat().st_mode & 0o7777 == 0o755
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["lib.rs", "out", "src", "x-1.0.0"]
    link = tarfile.TarInfo("./usr/share/cargo/registry/x-1.0.0/LICENSE")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(ValueError, match="a link or special file, refused"):
        debian_crates.extract_crates(_tar(link), tmp_path / "out2")


def test_the_cached_sources_hold_every_crate_the_test_apps_lock() -> None:
    """Built once into the fixture cache (the registry fixture reuses it)."""
    sources = debian_crates.crate_sources()
    assert (sources / debian_crates.STAMP_NAME).is_file()
    trixie = debian_crates.crate_sources(suite="trixie")
    folders = [*sources.iterdir(), *trixie.iterdir(), *PROJECT_CRATES.iterdir()]
    available = {p.name for p in folders if p.is_dir()}
    locked = set()
    for lock in sorted(APPS_DIR.glob("*/Cargo.lock")):
        for package in toml_reader.loads(lock.read_text()).get("package", []):
            if package.get("source", "").startswith("registry+"):
                locked.add(f"{package['name']}-{package['version']}")
    assert locked, "no app locks a registry crate?"
    assert sorted(locked - available) == []
    assert debian_crates.crate_sources() == sources  # reused, not fetched again
