"""Pure pieces whose rules users rely on: cache reasons, toolchain choice, targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from classic_bp import cache, errors
from classic_bp.config import toolchain_request
from classic_bp.config.project import load_project


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


@pytest.mark.parametrize(
    ("channel", "exact"),
    [
        ("stable", False),
        ("1.95", False),
        ("1.95.0", True),
        ("nightly-2026-01-01", True),
        ("beta", False),
        ("1.95.0-x86_64-unknown-linux-gnu", True),
    ],
)
def test_toolchain_names(tmp_path: Path, channel: str, exact: bool) -> None:
    request = toolchain_request.resolve(tmp_path, channel)
    assert request.channel == channel
    assert request.is_exact is exact


def test_toolchain_files_win_over_the_variable_in_rustups_order(tmp_path: Path) -> None:
    (tmp_path / "rust-toolchain.toml").write_text(
        '[toolchain]\nchannel = "1.95.0"\ncomponents = ["clippy"]\ntargets = ["wasm32-wasip1"]\n'
    )
    request = toolchain_request.resolve(tmp_path, "nightly")
    assert (request.channel, request.components, request.targets) == (
        "1.95.0",
        ("clippy",),
        ("wasm32-wasip1",),
    )
    (tmp_path / "rust-toolchain").write_text("1.94.1\n")  # legacy file: rustup prefers it
    assert toolchain_request.resolve(tmp_path, None).channel == "1.94.1"


def test_a_path_toolchain_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rust-toolchain.toml").write_text('[toolchain]\npath = "/opt/rust"\n')
    with pytest.raises(errors.BuildError, match="`path` toolchains"):
        toolchain_request.resolve(tmp_path, None)


def write(path: Path, text: str = "fn main() {}\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_binary_targets_are_found_as_cargo_finds_them(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml",
        '[package]\nname = "app"\nversion = "0.1.0"\n\n'
        '[[bin]]\nname = "server"\npath = "src/server.rs"\n',
    )
    write(tmp_path / "src" / "main.rs")
    write(tmp_path / "src" / "server.rs")
    write(tmp_path / "src" / "bin" / "migrate.rs")
    write(tmp_path / "src" / "bin" / "worker" / "main.rs")
    write(tmp_path / "src" / "bin" / "helpers" / "util.rs")  # no main.rs: not a binary
    project = load_project(tmp_path)
    assert project.binaries() == ("server", "app", "migrate", "worker")


def test_autobins_false_keeps_only_declared_binaries(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml",
        '[package]\nname = "app"\nversion = "0.1.0"\nautobins = false\n\n'
        '[[bin]]\nname = "only"\npath = "src/main.rs"\n',
    )
    write(tmp_path / "src" / "main.rs")
    write(tmp_path / "src" / "bin" / "extra.rs")
    assert load_project(tmp_path).binaries() == ("only",)


def test_workspace_members_with_globs_and_excludes(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml", '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/old"]\n'
    )
    for name in ("api", "old", "core"):
        write(tmp_path / "crates" / name / "Cargo.toml", f'[package]\nname = "{name}"\n')
    write(tmp_path / "crates" / "api" / "src" / "main.rs")
    write(tmp_path / "crates" / "core" / "src" / "lib.rs", "")
    project = load_project(tmp_path)
    assert [p.name for p in project.packages] == ["api", "core"]
    assert [p.name for p in project.binary_packages()] == ["api"]


def test_an_unexpected_crash_is_reported_as_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug must never look like the user's fault: distinct text and exit code."""
    from classic_bp.commands import cli, release
    from classic_bp.platform import guard

    def broken_release(build_dir: Path) -> str:
        raise KeyError("process_types")

    monkeypatch.setattr(release, "release_yaml", broken_release)
    assert cli.main(["release", str(tmp_path)]) == guard.INTERNAL_ERROR_EXIT
    stderr = capsys.readouterr().err
    assert " !     Internal error in the Rust buildpack: this is a bug" in stderr
    assert "KeyError: 'process_types'" in stderr


def test_every_error_links_to_a_section_that_exists() -> None:
    """Each error's link names a file of the buildpack and one of its headings."""
    import re

    root = Path(__file__).resolve().parents[1]

    def anchors(page: Path) -> set[str]:
        """GitHub's anchors: lowercase, punctuation but - and _ dropped, spaces to -."""
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        return {
            re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.M)
        }

    unexplained = set(errors.Reason) - set(errors.README_SECTIONS)
    assert not unexplained, f"errors without a section: {unexplained}"
    for reason, link in errors.README_SECTIONS.items():
        path, _, anchor = link.partition("#")
        assert (root / path).is_file(), f"{reason}: {path} is not a file of the buildpack"
        assert anchor in anchors(root / path), f"{reason}: {path} has no section #{anchor}"
    missing = errors.missing_lockfile(Path("/app"))
    assert str(missing).endswith(
        "See the buildpack's README.md#cargolock-is-missing-or-out-of-date"
    )
    assert isinstance(
        errors.download_failed("https://x", "the server answered HTTP 404", 1, not_found=True),
        errors.DownloadNotFound,
    )


def test_a_layer_is_created_reused_then_discarded_with_its_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The one cached-layer sequence: read, compare, explain, discard, write."""
    from classic_bp.layer import Layer
    from classic_bp.platform import report

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


def test_an_error_reason_is_a_member_of_the_catalogue_not_a_string() -> None:
    """A misspelt reason would fail the build report's consumers silently."""
    with pytest.raises(TypeError, match="not 'cargo_faild'"):
        errors.BuildError("cargo_faild", "text")  # type: ignore[arg-type]
    error = errors.BuildError(errors.Reason.CARGO_FAILED, "text")
    assert str(error.reason) == "cargo_failed" and f"{error.reason}" == "cargo_failed"
