"""Heroku CI (bin/test-compile, bin/test) and build reports (bin/report)."""

from __future__ import annotations

import re
import time

import pytest
import yaml

from classic_bp.commands.ci_compile import command_for_tests
from classic_bp.platform import clocks, output, report, run
from classic_bp.platform.report import REPORT_KEYS, STEP_KEYS
from platform_runner import REPO_ROOT, Platform
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
    assert report["rustc_version"].startswith("rustc 1.95.0")
    assert report["rust_version"] == "1.95.0"
    assert report["rust_toolchain"] == "stable-x86_64-unknown-linux-gnu"
    assert report["rust_toolchain_source"] == "the default"
    assert report["binaries"] == "web-std"
    assert report["binaries_bytes"] > 0
    assert report["cache_toolchain"] == "created"
    # Every cached layer the build used says what became of it.
    assert {
        "cache_rustup_init",
        "cache_rustup",
        "cache_toolchain",
        "cache_cargo_registry",
        "cache_build_artifacts",
        "cache_source_times",
        "cache_python_packages",
    } <= set(report)
    assert report["slug_bytes"] > 0
    assert report["cache_bytes"] > 0
    assert report["compile_duration"] > 0
    assert 0 < report["import_duration"] < report["total_duration"]
    assert_flat_snake_case(report)

    _build_dir, again = mirrored_platform.build("compile-error")
    assert again.returncode == 1
    report = report_of(mirrored_platform, build_dir)
    assert report["outcome"] == "failed"
    assert report["failure_reason"] == "cargo_failed"
    assert report["failure_detail"]
    assert report["cache_toolchain"] == "reused"
    assert_flat_snake_case(report)


def test_a_steps_own_time_leaves_out_the_tools_it_ran(monkeypatch) -> None:
    """``<step>_own_duration`` is what the buildpack itself spent in a step: where a
    regression of its fixed time shows (make bench's table by part)."""
    monkeypatch.setattr(report, "_facts", {})
    monkeypatch.setattr(report, "_cache_decisions", {})
    monkeypatch.setattr(output, "timings", [])
    monkeypatch.setattr(clocks, "tools", 0.0)
    monkeypatch.setattr(clocks, "downloads", 0.0)
    with output.timed_step("Compiling the app", "compile"):
        run.run_quietly(["sleep", "0.4"], env={"PATH": "/usr/bin:/bin"})
        time.sleep(0.1)  # the buildpack's own work
    document = report.document("succeeded")
    assert document["compile_duration"] >= 0.5
    assert 0.1 <= document["compile_own_duration"] < 0.3
    assert document["tool_duration"] >= 0.4
    assert_flat_snake_case(document)


def assert_flat_snake_case(report: dict) -> None:
    """Heroku's dialect: one level, snake_case keys, scalar values; every key documented."""
    reports_page = (REPO_ROOT / "docs" / "reports.md").read_text("utf-8")
    for key, value in report.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key), key
        assert isinstance(value, (str, int, float, bool)), (key, value)
        documented = (
            key in REPORT_KEYS
            or (key.startswith("cache_") and f"`{key}`" in reports_page)
            or key.removesuffix("_duration").removesuffix("_own") in STEP_KEYS
        )
        assert documented, f"{key} is not a documented report key"
    for key in (*REPORT_KEYS, *(f"{step}_duration" for step in STEP_KEYS)):
        assert f"`{key}`" in reports_page, f"docs/reports.md does not list {key}"
    assert "`<step>_own_duration`" in reports_page


def test_the_report_never_fails(platform: Platform, tmp_path) -> None:
    damaged = tmp_path / "damaged-cache"
    (damaged / "rust-buildpack").mkdir(parents=True)
    (damaged / "rust-buildpack" / "last-build.json").write_text("[not, a report")
    result = platform.run("report", tmp_path, damaged, platform.env_dir)
    assert result.returncode == 0
    assert yaml.safe_load(result.stdout)["outcome"] == "unknown (no build report)"
    assert platform.run("report").returncode == 0  # even with no arguments at all


def test_the_report_is_flat_and_snake_case(monkeypatch) -> None:
    """Every fact a build records becomes a documented flat key (no build needed)."""
    monkeypatch.setattr(report, "_facts", {})
    monkeypatch.setattr(report, "_cache_decisions", {})
    monkeypatch.setattr(output, "timings", [])
    monkeypatch.setattr(clocks, "tools", 0.0)
    monkeypatch.setattr(clocks, "downloads", 0.0)
    monkeypatch.setattr(report, "_import_seconds", 0.0)
    report.add_import_time(0.0204)
    report.record("toolchain", {"name": "stable-x86_64-unknown-linux-gnu", "source": "default"})
    report.record("rustc", "rustc 1.95.0 (59807616e 2026-04-14)")
    report.record("binaries", ["web", "worker"])
    report.record("binaries_bytes", 2048)
    report.record("slug_bytes", 4096)
    report.record("cache_bytes", 1 << 20)
    report.record("cache_budget_bytes", 4 << 30)
    report.record("sccache", {"hits": 3, "misses": 1})
    report.cache_decision("cargo registry", "reused")
    report.cache_decision("rustup-init", "discarded: the URL changed")
    output.timings.append(output.StepTiming("Compiling the app", 3.25, "compile", 0.0123))
    output.timings.append(output.StepTiming("Installing Rust (stable)", 0.5, "rust"))
    document = report.document("failed", "cargo_failed", "cargo install failed (exit 101).")
    assert document == {
        "buildpack_version": document["buildpack_version"],
        "outcome": "failed",
        "failure_reason": "cargo_failed",
        "failure_detail": "cargo install failed (exit 101).",
        "rust_toolchain": "stable-x86_64-unknown-linux-gnu",
        "rust_toolchain_source": "default",
        "rustc_version": "rustc 1.95.0 (59807616e 2026-04-14)",
        "rust_version": "1.95.0",
        "binaries": "web, worker",
        "binaries_bytes": 2048,
        "slug_bytes": 4096,
        "cache_bytes": 1 << 20,
        "cache_budget_bytes": 4 << 30,
        "sccache_hits": 3,
        "sccache_misses": 1,
        "cache_cargo_registry": "reused",
        "cache_rustup_init": "discarded: the URL changed",
        "compile_duration": 3.25,
        "compile_own_duration": 0.012,
        "rust_duration": 0.5,
        "total_duration": document["total_duration"],
        "tool_duration": 0.0,
        "download_duration": 0.0,
        "import_duration": 0.02,
    }
    assert_flat_snake_case(document)
