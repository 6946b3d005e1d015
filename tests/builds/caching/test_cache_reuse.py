"""Rebuilds reuse the cache, and say exactly why when they can't.

Every rebuild here is a fresh checkout in a different build dir path with
the same cache, as on Scalingo (/build/<request id>).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest

from crates_registry import serve_registry
from platform_runner import Platform, hardlink_tree
from rustup_mirror import build_mirror, default_mirror_dir, serve_mirror

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


def downloads(mirror) -> list[str]:
    return [path for _, path, _ in mirror.requests if not path.endswith(".sha256")]


def test_a_rebuild_downloads_neither_rustup_init_nor_the_toolchain(
    mirrored_platform: Platform, rustup_mirror
) -> None:
    first_dir, first = mirrored_platform.build("web-std")
    assert first.returncode == 0, first.log
    assert "/rustup/dist/x86_64-unknown-linux-gnu/rustup-init" in downloads(rustup_mirror)

    rustup_mirror.clear_log()
    second_dir, second = mirrored_platform.build("web-std")
    assert second.returncode == 0, second.log
    assert second_dir != first_dir
    # A floating channel costs exactly one small request: its .sha256.
    assert rustup_mirror.requests == [("GET", "/dist/channel-rust-stable.toml.sha256", 200)]
    assert "Reusing rustup from the cache" in second.stdout
    assert f"from the cache: stable on {rustup_mirror.dist_server} is unchanged" in second.stdout
    assert "syncing channel updates" not in second.stdout  # rustup did not run
    assert "Reusing the cached build artifacts" in second.stdout
    assert (second_dir / "bin" / "web-std").is_file()


def test_the_install_keeps_the_checks_the_first_rebuild_would_run(
    mirrored_platform: Platform,
) -> None:
    """The build that installs rustup and the toolchain runs their checks (rustup
    show home, rustc and cargo --version) on the files as it leaves them, and
    keeps each answer: the first rebuild finds every one valid and runs none."""
    _build_dir, result = mirrored_platform.build("web-std")
    assert result.returncode == 0, result.log
    record = mirrored_platform.cache_dir / "rust-buildpack" / "keys" / "known-runs.json"
    known = json.loads(record.read_text())
    runs = {key.split("/")[-1].replace("\0", " "): entry for key, entry in known.items()}
    assert sorted(runs) == ["cargo --version", "rustc --version", "rustup show home"]
    for entry in runs.values():
        for path, inode, mtime_ns, size in entry["files"]:
            status = os.stat(path)
            assert [status.st_ino, status.st_mtime_ns, status.st_size] == [inode, mtime_ns, size]


def test_a_changed_channel_on_the_mirror_runs_rustup(platform: Platform, tmp_path) -> None:
    """The update check is rustup's own: the channel's .sha256 against the hash
    rustup recorded when it installed the toolchain. Another manifest upstream
    (here the same release, republished) makes rustup run and sync, as a new
    stable would; only a match skips it."""
    root = tmp_path / "mirror"
    hardlink_tree(build_mirror(default_mirror_dir()), root)
    with serve_mirror(root) as mirror:
        platform.set_config(
            RUSTUP_DIST_SERVER=mirror.dist_server, RUSTUP_UPDATE_ROOT=mirror.update_root
        )
        _build_dir, first = platform.build("web-std")
        assert first.returncode == 0, first.log

        manifest = root / "dist" / "channel-rust-stable.toml"
        republished = manifest.read_text() + "\n# republished\n"
        for path in (manifest, manifest.with_name(manifest.name + ".sha256")):
            path.unlink()  # hard links to the shared mirror: write new files instead
        manifest.write_text(republished)
        digest = hashlib.sha256(republished.encode()).hexdigest()
        manifest.with_name(manifest.name + ".sha256").write_text(f"{digest}  {manifest.name}\n")

        mirror.clear_log()
        build_dir, second = platform.build("web-std")
        assert second.returncode == 0, second.log
        assert "Checking for updates of stable" in second.stdout
        assert "syncing channel updates" in second.stdout  # rustup ran
        assert "/dist/channel-rust-stable.toml" in mirror.paths_requested()
        assert (build_dir / "bin" / "web-std").is_file()


def test_a_toolchain_change_says_why_and_prunes_the_old_one(
    mirrored_platform: Platform,
) -> None:
    _build_dir, first = mirrored_platform.build("web-std")
    assert first.returncode == 0, first.log

    mirrored_platform.set_config(BP_RUST_TOOLCHAIN="1.95.0")
    _build_dir, second = mirrored_platform.build("web-std")
    assert second.returncode == 0, second.log
    assert (
        "Not reusing the cached toolchain: the requested toolchain changed from stable to 1.95.0"
        in second.stdout
    )
    assert "Removing the toolchain stable-x86_64-unknown-linux-gnu, no longer used" in second.stdout
    toolchains = mirrored_platform.cache_dir / "rust-buildpack" / "rustup" / "toolchains"
    assert os.listdir(toolchains) == ["1.95.0-x86_64-unknown-linux-gnu"]
    # Same compiler, so the build artifacts stay.
    assert "Reusing the cached build artifacts" in second.stdout


def test_another_stack_discards_what_was_built_on_the_old_one(
    mirrored_platform: Platform,
) -> None:
    """An app moved from scalingo-22 to scalingo-24 keeps its cache: the toolchain
    (upstream's binaries) is reused, the artifacts linked against the old stack's
    libraries are not, and the log says why."""
    _build_dir, first = mirrored_platform.build("web-std")
    assert first.returncode == 0, first.log

    mirrored_platform.process_env["STACK"] = "scalingo-24"
    _build_dir, second = mirrored_platform.build("web-std")
    assert second.returncode == 0, second.log
    assert "stable on http://127.0.0.1:" in second.stdout  # reused: unchanged upstream
    assert "the stack changed from scalingo-22 to scalingo-24" in second.stdout, second.stdout
    assert "Reusing the cached build artifacts" not in second.stdout

    _build_dir, third = mirrored_platform.build("web-std")
    assert "Reusing the cached build artifacts" in third.stdout


def test_switching_registries_discards_the_cargo_home_with_the_reason(
    online_platform: Platform, crates_registry
) -> None:
    _build_dir, first = online_platform.build("lib-and-bin")
    assert first.returncode == 0, first.log

    with serve_registry(crates_registry.root) as other_registry:
        online_platform.set_config(BP_CARGO_REGISTRY_MIRROR=other_registry.index_url)
        _build_dir, second = online_platform.build("lib-and-bin")
    assert second.returncode == 0, second.log
    assert (
        "Discarding the cached cargo registry: the crates registry (BP_CARGO_REGISTRY_MIRROR)"
        f" changed from {crates_registry.url}/index/ to {other_registry.url}/index/"
        in second.stdout
    )


def test_a_damaged_cache_record_is_discarded_not_trusted(mirrored_platform: Platform) -> None:
    _build_dir, first = mirrored_platform.build("web-std")
    assert first.returncode == 0, first.log
    keys = mirrored_platform.cache_dir / "rust-buildpack" / "keys"
    (keys / "target.json").write_text("{ half written")

    _build_dir, second = mirrored_platform.build("web-std")
    assert second.returncode == 0, second.log
    assert "Discarding the cached build artifacts: its cache record is unreadable" in second.stdout


def test_the_cache_holds_rustup_once(mirrored_platform: Platform) -> None:
    """rustup-init installs a copy of itself as rustup: one file, two names."""
    _build_dir, first = mirrored_platform.build("web-std")
    assert first.returncode == 0, first.log
    root = mirrored_platform.cache_dir / "rust-buildpack"
    init = root / "rustup-init" / "rustup-init"
    installed = root / "rustup-proxies" / "bin" / "rustup"
    assert init.stat().st_ino == installed.stat().st_ino
    _build_dir, again = mirrored_platform.build("web-std")
    assert again.returncode == 0, again.log
    assert "Downloading rustup-init" not in again.stdout


def test_a_cache_from_an_older_version_gets_rustup_stored_once(
    mirrored_platform: Platform,
) -> None:
    """Caches written before the link existed hold two 21 MB copies: the next warm
    build turns them into one file, with nothing downloaded again."""
    _build_dir, first = mirrored_platform.build("web-std")
    assert first.returncode == 0, first.log
    root = mirrored_platform.cache_dir / "rust-buildpack"
    init = root / "rustup-init" / "rustup-init"
    installed = root / "rustup-proxies" / "bin" / "rustup"
    separate_copy = init.with_name("copy")
    shutil.copy2(init, separate_copy)
    separate_copy.replace(init)
    assert init.stat().st_ino != installed.stat().st_ino

    _build_dir, again = mirrored_platform.build("web-std")
    assert again.returncode == 0, again.log
    assert "Downloading rustup-init" not in again.stdout
    assert init.stat().st_ino == installed.stat().st_ino
