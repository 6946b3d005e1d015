"""Heroku CI (bin/test-compile, bin/test) and build reports (bin/report)."""

from __future__ import annotations

import pytest
import yaml

from classic_bp.commands.ci_compile import command_for_tests
from platform_runner import Platform
from tests.assertions import assert_succeeded, error_message


@pytest.mark.slow
def test_tests_are_compiled_then_run(mirrored_platform: Platform) -> None:
    build_dir = mirrored_platform.new_build_dir("workspace")
    compiled = mirrored_platform.run(
        "test-compile", build_dir, mirrored_platform.cache_dir, mirrored_platform.env_dir
    )
    assert_succeeded(compiled)
    assert "bin/test will run them with cargo test" in compiled.stdout

    result = mirrored_platform.run("test", build_dir, mirrored_platform.env_dir)
    assert result.returncode == 0, result.log
    assert "test tests::greeting_names_the_binary ... ok" in result.stdout
    assert "Compiling" not in result.stdout  # test-compile already built everything


@pytest.mark.slow
def test_a_failing_test_fails_bin_test(mirrored_platform: Platform) -> None:
    build_dir = mirrored_platform.new_build_dir("workspace")
    library = build_dir / "crates" / "shared" / "src" / "lib.rs"
    library.write_text(library.read_text().replace('"web")', '"worker")'))
    compiled = mirrored_platform.run(
        "test-compile", build_dir, mirrored_platform.cache_dir, mirrored_platform.env_dir
    )
    assert_succeeded(compiled)
    result = mirrored_platform.run("test", build_dir, mirrored_platform.env_dir)
    assert result.returncode == 101
    assert "test tests::greeting_names_the_binary ... FAILED" in result.stdout


def test_bin_test_needs_test_compile_first(platform: Platform) -> None:
    build_dir = platform.new_build_dir("workspace")
    result = platform.run("test", build_dir, platform.env_dir)
    assert result.returncode == 1
    assert "Run bin/test-compile BUILD_DIR CACHE_DIR ENV_DIR first" in error_message(result)


def test_nextest_runs_the_tests_when_it_is_a_tool() -> None:
    assert command_for_tests("nextest", "/c/target", True, True) == [
        "cargo", "nextest", "run", "--target-dir", "/c/target", "--workspace", "--locked"
    ]  # fmt: skip
    assert command_for_tests("cargo", "/c/target", False, False)[:2] == ["cargo", "test"]


def report_of(platform: Platform, build_dir) -> dict:
    result = platform.run("report", build_dir, platform.cache_dir, platform.env_dir)
    assert result.returncode == 0, result.log
    return yaml.safe_load(result.stdout)


@pytest.mark.slow
def test_the_report_describes_the_last_build(mirrored_platform: Platform) -> None:
    build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    report = report_of(mirrored_platform, build_dir)
    assert report["outcome"] == "succeeded"
    assert report["rustc"].startswith("rustc 1.95.0")
    assert report["toolchain"] == {
        "name": "stable-x86_64-unknown-linux-gnu",
        "source": "the default",
    }
    assert report["binaries"] == ["web-std"]
    assert report["cache"]["toolchain"] == "created"
    # Every cached layer the build used says what became of it.
    assert set(report["cache"]) >= {
        "rustup-init",
        "rustup",
        "toolchain",
        "cargo registry",
        "build artifacts",
        "source times",
        "python packages",
    }
    assert report["slug_bytes"] > 0
    assert "Compiling the app" in report["step_seconds"]

    _build_dir, again = mirrored_platform.build("compile-error")
    assert again.returncode == 1
    report = report_of(mirrored_platform, build_dir)
    assert report["outcome"] == "failed"
    assert report["failure_reason"] == "cargo_failed"
    assert report["cache"]["toolchain"] == "reused"


def test_the_report_never_fails(platform: Platform, tmp_path) -> None:
    damaged = tmp_path / "damaged-cache"
    (damaged / "rust-buildpack").mkdir(parents=True)
    (damaged / "rust-buildpack" / "last-build.json").write_text("[not, a report")
    result = platform.run("report", tmp_path, damaged, platform.env_dir)
    assert result.returncode == 0
    assert yaml.safe_load(result.stdout)["outcome"] == "unknown (no build report)"
    assert platform.run("report").returncode == 0  # even with no arguments at all
