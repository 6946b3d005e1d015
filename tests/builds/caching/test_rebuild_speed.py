"""Rebuilds from a fresh checkout compile only what changed.

Every build dir here is a fresh checkout (new path, every mtime new, see
Platform.new_build_dir) with the same cache, as on a platform.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from crates_registry import bump_lockfile
from platform_runner import APPS_DIR, Platform
from tests.assertions import assert_succeeded

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


def compiled_crates(log: str) -> list[str]:
    return re.findall(r"^ +Compiling (\S+) v", log, flags=re.MULTILINE)


def test_an_unchanged_checkout_compiles_nothing(mirrored_platform: Platform) -> None:
    first = mirrored_platform.compile(mirrored_platform.new_build_dir("workspace"))
    assert_succeeded(first)
    # Both members in one cargo invocation: the shared library compiles once.
    assert sorted(compiled_crates(first.stdout)) == ["shared", "web-server", "worker-server"]
    assert "Running: cargo build --release --locked --bins -p web-server -p worker-server" in (
        first.stdout
    )

    second = mirrored_platform.compile(mirrored_platform.new_build_dir("workspace"))
    assert_succeeded(second)
    assert compiled_crates(second.stdout) == []
    assert "changed or new: 0" in second.stdout


def test_one_changed_file_rebuilds_its_crate_and_dependents_only(
    mirrored_platform: Platform,
) -> None:
    assert_succeeded(mirrored_platform.compile(mirrored_platform.new_build_dir("workspace")))
    build_dir = mirrored_platform.new_build_dir("workspace")
    main = build_dir / "crates" / "worker" / "src" / "main.rs"
    main.write_text(main.read_text().replace('"worker"', '"busy worker"'))
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert compiled_crates(result.stdout) == ["worker-server"]
    assert "changed or new: 1" in result.stdout


def test_a_failed_build_never_leaves_stale_code_behind(mirrored_platform: Platform) -> None:
    """Content A builds; B compiles the worker but fails elsewhere; A again must rebuild."""
    assert_succeeded(mirrored_platform.compile(mirrored_platform.new_build_dir("workspace")))

    broken = mirrored_platform.new_build_dir("workspace")
    worker = broken / "crates" / "worker" / "src" / "main.rs"
    worker.write_text(worker.read_text().replace('"worker"', '"changed worker"'))
    web = broken / "crates" / "web" / "src" / "main.rs"
    web.write_text(web.read_text().replace("fn main() {", "fn main() { let x: u8 = 'no';"))
    mirrored_platform.set_config(BP_CARGO_WORKSPACE_MEMBERS="worker-server,web-server")
    assert mirrored_platform.compile(broken).returncode == 1

    reverted = mirrored_platform.new_build_dir("workspace")
    result = mirrored_platform.compile(reverted)
    assert_succeeded(result)
    output = subprocess.run([reverted / "bin" / "worker"], capture_output=True, text=True)
    assert output.stdout == "hello from the worker of the workspace\n"


def test_a_dependency_bump_rebuilds_it_and_prunes_the_old_artifacts(
    online_platform: Platform, crates_registry
) -> None:
    first = online_platform.compile(online_platform.new_build_dir("bumps-dependency"))
    assert_succeeded(first)
    deps = online_platform.cache_dir / "rust-buildpack" / "target" / "release" / "deps"
    old = sorted(path.name for path in deps.glob("libbp_bump-*.rlib"))
    assert len(old) == 1

    build_dir = online_platform.new_build_dir("bumps-dependency")
    bump_lockfile(build_dir, crates_registry.root, "bp-bump", "0.1.1")
    result = online_platform.compile(build_dir)
    assert_succeeded(result)
    assert sorted(compiled_crates(result.stdout)) == ["bp-bump", "bumps-dependency"]
    assert re.search(r"Pruned \d+ stale artifacts of earlier builds", result.stdout)
    assert "Cache: " in result.stdout  # the summary: size and budget
    new = sorted(path.name for path in deps.glob("libbp_bump-*.rlib"))
    assert len(new) == 1 and new != old
    output = subprocess.run(
        [build_dir / "bin" / "bumps-dependency"], capture_output=True, text=True
    )
    assert '"bp_bump":"0.1.1"' in output.stdout
    # serde_json and its dependencies were neither rebuilt nor pruned.
    assert list(deps.glob("libserde_json-*.rlib"))


def test_the_cache_budget_discards_the_build_artifacts(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_CACHE_MAX_SIZE="100M")  # less than a toolchain
    _build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "over its budget of 100.0 MiB (BP_CACHE_MAX_SIZE): discarded the build" in result.stdout
    assert not (mirrored_platform.cache_dir / "rust-buildpack" / "target").exists()
    _build_dir, again = mirrored_platform.build("web-std")
    assert_succeeded(again)


def test_a_warm_build_sends_no_request_despite_windows_only_locked_crates(
    online_platform: Platform, crates_registry
) -> None:
    """bench-service's Cargo.lock lists winapi and its target crates, which no Linux
    build downloads: they must not send a warm build to the registry."""
    lockfile = (APPS_DIR / "bench-service" / "Cargo.lock").read_text()
    assert 'name = "winapi-x86_64-pc-windows-gnu"' in lockfile
    assert_succeeded(online_platform.compile(online_platform.new_build_dir("bench-service")))
    crates_registry.clear_log()
    result = online_platform.compile(online_platform.new_build_dir("bench-service"))
    assert_succeeded(result)
    assert "Every crate this build needs is in the cache: no registry request" in result.stdout
    assert crates_registry.requests == []
    assert compiled_crates(result.stdout) == []
