"""Rust without rustup: version resolution and install from the combined installer.

The real thing comes from the local rustup mirror (the machine's stable 1.95.0
repacked as upstream's ``rust-1.95.0-<host>.tar.gz``); small hand-made
archives on a throwaway mirror cover the fallbacks and the refusals.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from classic_bp import cache, errors
from classic_bp.cache import CacheLayout
from classic_bp.errors import Reason
from classic_bp.rust.standalone import check_spec, install_standalone, resolve_version
from rustup_mirror import serve_mirror

HOST = "x86_64-unknown-linux-gnu"
REAL = "1.95.0"


# --------------------------------------------------------------------------
# Which version
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [None, "", "stable", "1.*", "1.95.*", "1.95.0"])
def test_resolve_version(rustup_mirror, spec: str | None) -> None:
    assert resolve_version(rustup_mirror.dist_server, spec) == REAL


def test_exact_version_needs_no_request(rustup_mirror) -> None:
    rustup_mirror.clear_log()
    assert resolve_version(rustup_mirror.dist_server, " 1.94.1 ") == "1.94.1"
    assert rustup_mirror.requests == []


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("2.*", "the latest stable release is 1.95.0"),
        ("1.96.*", "the dist server has no Rust 1.96 release"),
        ("0.*", "write 0.<minor>.* or an exact version"),
    ],
)
def test_wildcard_without_release_is_a_clear_error(rustup_mirror, spec: str, problem: str) -> None:
    with pytest.raises(errors.BuildError) as caught:
        resolve_version(rustup_mirror.dist_server, spec)
    assert caught.value.reason is Reason.UNKNOWN_RUST_VERSION
    assert f"BP_RUST_VERSION={spec!r}" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize("spec", ["1.95", "latest", "1.x", "v1.95.0", "1.95.0.1", "1.*.*", ">=1.9"])
def test_malformed_version_fails_before_any_request(rustup_mirror, spec: str) -> None:
    rustup_mirror.clear_log()
    with pytest.raises(errors.BuildError) as caught:
        resolve_version(rustup_mirror.dist_server, spec)
    assert caught.value.reason is Reason.INVALID_SETTING
    assert "BP_RUST_VERSION" in str(caught.value) and "1.95.*" in str(caught.value)
    assert rustup_mirror.requests == []
    with pytest.raises(errors.BuildError, match="BP_RUST_VERSION"):
        check_spec(spec)


# --------------------------------------------------------------------------
# The real toolchain, from the mirror
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(rustup_mirror, module_tmp_path: Path):
    layout = CacheLayout(module_tmp_path / "cache")
    return layout, install_standalone(layout, rustup_mirror.dist_server, REAL, HOST)


def test_installs_a_working_rustc(installed) -> None:
    layout, rust = installed
    assert rust.version == REAL
    assert rust.directory == layout.standalone_rust == layout.root / "rust"
    assert rust.bin_dir == rust.directory / "bin"
    assert rust.rustc_version.startswith(f"rustc {REAL} (")
    answer = subprocess.run(
        [rust.bin_dir / "rustc", "--version"], capture_output=True, text=True, check=True
    )
    assert answer.stdout.strip() == rust.rustc_version
    assert cache.read_key(layout.key_path("standalone-rust")) == {"version": REAL, "host": HOST}
    rustlib = rust.directory / "lib" / "rustlib"
    assert (rustlib / "components").read_text().split() == ["rustc", "cargo", f"rust-std-{HOST}"]
    assert [p.name for p in layout.root.iterdir() if p.name.startswith(".")] == []


def test_installed_cargo_builds_and_the_binary_runs(installed, tmp_path: Path) -> None:
    _, rust = installed
    app = tmp_path / "hello"
    (app / "src").mkdir(parents=True)
    (app / "Cargo.toml").write_text(
        '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (app / "src" / "main.rs").write_text('fn main() { println!("hello from standalone rust"); }\n')
    env = {
        "PATH": os.pathsep.join([str(rust.bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(tmp_path),
        "CARGO_HOME": str(tmp_path / "cargo-home"),
        "RUSTC": str(rust.bin_dir / "rustc"),
        "CARGO_TARGET_DIR": str(tmp_path / "target"),
    }
    build = subprocess.run(
        [rust.bin_dir / "cargo", "build", "--release", "--offline"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    binary = tmp_path / "target" / "release" / "hello"
    ran = subprocess.run([binary], capture_output=True, text=True, check=True)
    assert ran.stdout == "hello from standalone rust\n"


def test_second_install_makes_no_request(installed, rustup_mirror, capsys) -> None:
    layout, first = installed
    capsys.readouterr()
    rustup_mirror.clear_log()
    again = install_standalone(layout, rustup_mirror.dist_server, REAL, HOST)
    assert rustup_mirror.requests == []
    assert again == first
    assert "Reusing Rust 1.95.0 from the cache" in capsys.readouterr().out


def test_corrupted_download_installs_nothing(rustup_mirror, tmp_path: Path) -> None:
    """The real tarball, served next to a .sha256 that does not match it."""
    name = f"rust-{REAL}-{HOST}.tar.gz"
    dist = tmp_path / "mirror" / "dist"
    dist.mkdir(parents=True)
    (dist / name).symlink_to(rustup_mirror.root / "dist" / name)
    (dist / f"{name}.sha256").write_text(f"{'0' * 64}  {name}\n")
    layout = CacheLayout(tmp_path / "cache")
    with serve_mirror(tmp_path / "mirror") as server, pytest.raises(errors.BuildError) as caught:
        install_standalone(layout, server.dist_server, REAL, HOST)
    assert caught.value.reason is Reason.CHECKSUM_MISMATCH
    assert f"expected {'0' * 64}" in str(caught.value)
    assert not layout.standalone_rust.exists()
    assert not layout.key_path("standalone-rust").exists()
    assert list(layout.root.iterdir()) == []  # no temporary tree left behind


# --------------------------------------------------------------------------
# Hand-made archives
# --------------------------------------------------------------------------


def _fake_release(
    mirror: Path,
    version: str,
    suffix: str = ".tar.gz",
    extra: Sequence[tarfile.TarInfo] = (),
    sha256: str | None = None,
) -> None:
    """A tiny rust-installer v3 archive whose rustc is a script printing its version."""
    top = f"rust-{version}-{HOST}"
    files = {
        f"{top}/rust-installer-version": (b"3\n", 0o644),
        f"{top}/components": (b"rustc\nrustfmt-preview\nrust-docs\n", 0o644),
        f"{top}/rustc/manifest.in": (b"file:bin/rustc\nfile:lib/librustc_driver.so\n", 0o644),
        f"{top}/rustc/bin/rustc": (f"#!/bin/sh\necho 'rustc {version} (fake)'\n".encode(), 0o755),
        f"{top}/rustc/lib/librustc_driver.so": (b"\x7fELF", 0o644),
        f"{top}/rustfmt-preview/manifest.in": (b"dir:share/doc/rustfmt\n", 0o644),
        f"{top}/rustfmt-preview/share/doc/rustfmt/README.md": (b"rustfmt", 0o644),
        f"{top}/rust-docs/manifest.in": (b"dir:share/doc/rust/html\n", 0o644),
        f"{top}/rust-docs/share/doc/rust/html/index.html": (b"<html></html>", 0o644),
    }
    buffer = io.BytesIO()
    mode = "w:gz" if suffix == ".tar.gz" else "w:xz"
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.GNU_FORMAT) as tar:
        for name, (data, file_mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), file_mode
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    dist = mirror / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    archive = dist / f"{top}{suffix}"
    archive.write_bytes(buffer.getvalue())
    digest = sha256 or hashlib.sha256(buffer.getvalue()).hexdigest()
    (dist / f"{archive.name}.sha256").write_text(f"{digest}  {archive.name}\n")


@pytest.fixture
def fake_mirror(tmp_path: Path) -> Iterator[object]:
    (tmp_path / "mirror").mkdir()
    with serve_mirror(tmp_path / "mirror") as server:
        yield server


def test_installs_files_and_dirs_with_their_modes_but_no_docs(fake_mirror, tmp_path: Path) -> None:
    _fake_release(fake_mirror.root, "1.2.3")
    layout = CacheLayout(tmp_path / "cache")
    rust = install_standalone(layout, fake_mirror.dist_server, "1.2.3", HOST)
    assert rust.rustc_version == "rustc 1.2.3 (fake)"
    prefix = rust.directory
    assert os.access(prefix / "bin" / "rustc", os.X_OK)
    assert (prefix / "lib" / "librustc_driver.so").stat().st_mode & 0o777 == 0o644
    assert (prefix / "share" / "doc" / "rustfmt" / "README.md").is_file()
    assert not (prefix / "share" / "doc" / "rust").exists()  # rust-docs is left out
    rustlib = prefix / "lib" / "rustlib"
    assert (rustlib / "manifest-rustfmt-preview").read_text() == "dir:share/doc/rustfmt\n"
    assert (rustlib / "components").read_text() == "rustc\nrustfmt-preview\n"
    assert sorted(p.name for p in layout.root.iterdir()) == ["keys", "rust"]


def test_falls_back_to_xz(fake_mirror, tmp_path: Path) -> None:
    _fake_release(fake_mirror.root, "1.2.3", suffix=".tar.xz")
    rust = install_standalone(
        CacheLayout(tmp_path / "cache"), fake_mirror.dist_server, "1.2.3", HOST
    )
    assert rust.rustc_version == "rustc 1.2.3 (fake)"
    assert [(path, status) for _, path, status in fake_mirror.requests] == [
        (f"/dist/rust-1.2.3-{HOST}.tar.gz.sha256", 404),
        (f"/dist/rust-1.2.3-{HOST}.tar.xz.sha256", 200),
        (f"/dist/rust-1.2.3-{HOST}.tar.xz", 200),
    ]


def test_file_url_dist_server(tmp_path: Path) -> None:
    """rustup accepts file:// mirrors; a missing .tar.gz falls back to .tar.xz there too."""
    _fake_release(tmp_path / "mirror", "1.2.3", suffix=".tar.xz")
    dist = (tmp_path / "mirror").as_uri()
    rust = install_standalone(CacheLayout(tmp_path / "cache"), dist, "1.2.3", HOST)
    assert rust.rustc_version == "rustc 1.2.3 (fake)"


def test_unknown_release_names_the_variable(fake_mirror, tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as caught:
        install_standalone(CacheLayout(tmp_path / "cache"), fake_mirror.dist_server, "1.2.9", HOST)
    assert caught.value.reason is Reason.UNKNOWN_RUST_VERSION
    assert "BP_RUST_VERSION" in str(caught.value)
    assert f"/dist/rust-1.2.9-{HOST}.tar.xz" in str(caught.value)


def test_another_version_replaces_the_cached_one_and_says_why(
    fake_mirror, tmp_path: Path, capsys
) -> None:
    layout = CacheLayout(tmp_path / "cache")
    for version in ("1.2.3", "1.2.4"):
        _fake_release(fake_mirror.root, version)
    install_standalone(layout, fake_mirror.dist_server, "1.2.3", HOST)
    capsys.readouterr()
    rust = install_standalone(layout, fake_mirror.dist_server, "1.2.4", HOST)
    out = capsys.readouterr().out
    assert "the Rust version (BP_RUST_VERSION) changed from 1.2.3 to 1.2.4" in out
    assert rust.rustc_version == "rustc 1.2.4 (fake)"
    assert cache.read_key(layout.key_path("standalone-rust"))["version"] == "1.2.4"


def test_failed_replacement_keeps_the_cached_version(fake_mirror, tmp_path: Path) -> None:
    layout = CacheLayout(tmp_path / "cache")
    _fake_release(fake_mirror.root, "1.2.3")
    _fake_release(fake_mirror.root, "1.2.4", sha256="f" * 64)
    install_standalone(layout, fake_mirror.dist_server, "1.2.3", HOST)
    with pytest.raises(errors.BuildError, match="does not match its published sha256"):
        install_standalone(layout, fake_mirror.dist_server, "1.2.4", HOST)
    fake_mirror.clear_log()
    rust = install_standalone(layout, fake_mirror.dist_server, "1.2.3", HOST)
    assert rust.rustc_version == "rustc 1.2.3 (fake)"
    assert fake_mirror.requests == []


def _member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    info.size = 4 if kind == tarfile.REGTYPE else 0
    return info


TOP = f"rust-1.2.3-{HOST}"
UNSAFE = {
    "dotdot": (_member(f"{TOP}/../../evil"), "points outside its folder"),
    "absolute": (_member("/tmp/classic-bp-evil"), "is not a relative path"),
    "outside top": (_member("elsewhere/evil"), "is outside the top folder"),
    "symlink out": (_member(f"{TOP}/rustc/evil", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    "hardlink": (_member(f"{TOP}/rustc/evil", tarfile.LNKTYPE, "/etc/passwd"), "is a link"),
    "device": (_member(f"{TOP}/rustc/evil", tarfile.CHRTYPE), "is a special file"),
}


@pytest.mark.parametrize("case", list(UNSAFE))
def test_unsafe_archive_is_refused(fake_mirror, tmp_path: Path, case: str) -> None:
    member, problem = UNSAFE[case]
    _fake_release(fake_mirror.root, "1.2.3", extra=[member])
    layout = CacheLayout(tmp_path / "cache")
    with pytest.raises(errors.BuildError) as caught:
        install_standalone(layout, fake_mirror.dist_server, "1.2.3", HOST)
    assert caught.value.reason is Reason.INVALID_RUST_ARCHIVE
    assert problem in str(caught.value)
    assert not layout.standalone_rust.exists()
    assert list(layout.root.iterdir()) == []
    assert not (tmp_path / "evil").exists() and not Path("/tmp/classic-bp-evil").exists()


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (b"file:../../evil\n", "points outside its folder"),
        (b"file:/etc/passwd\n", "is not a relative path"),
        (b"file:bin/missing\n", "which is not a file"),
        (b"copy:bin/rustc\n", "unexpected line"),
    ],
)
def test_unsafe_manifest_is_refused(
    fake_mirror, tmp_path: Path, manifest: bytes, problem: str
) -> None:
    info = tarfile.TarInfo(f"{TOP}/rustfmt-preview/manifest.in")
    info.size = len(manifest)
    _fake_release(fake_mirror.root, "1.2.3")
    # A later entry with the same name wins when extracting, as with tar itself.
    archive = fake_mirror.root / "dist" / f"{TOP}.tar.gz"
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in [*members, (info, manifest)]:
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (archive.parent / f"{archive.name}.sha256").write_text(f"{digest}  {archive.name}\n")
    layout = CacheLayout(tmp_path / "cache")
    with pytest.raises(errors.BuildError) as caught:
        install_standalone(layout, fake_mirror.dist_server, "1.2.3", HOST)
    assert caught.value.reason is Reason.INVALID_RUST_ARCHIVE
    assert problem in str(caught.value)
    assert not layout.standalone_rust.exists()
