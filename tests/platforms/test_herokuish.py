"""Dokku: the buildpack as herokuish's buildpack-build and procfile-start call it.

herokuish runs bin/compile BUILD CACHE ENV, then bin/release BUILD CACHE (two
arguments), as an unprivileged user, on heroku-24 (Ubuntu 24.04, the noble
stand-in) by default; older versions call bin/compile without the env dir.
See scalingo-22-fixtures/tools/herokuish_runner.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from herokuish_runner import herokuish_build
from platform_runner import APPS_DIR, Platform, copy_buildpack, free_port, http_get, write_env_dir
from stack_rootfs import build_rootfs
from stack_runner import StackRunner
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow


def test_dokku_builds_the_app_and_starts_its_web_process(
    tmp_path: Path, rustup_mirror, package_index
) -> None:
    runner = StackRunner(build_rootfs("noble"), copy_buildpack(tmp_path / "buildpack"))
    app = tmp_path / "app"
    shutil.copytree(APPS_DIR / "web-std", app)
    env = write_env_dir(
        tmp_path / "env",
        PIP_INDEX_URL=package_index.url,
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
    )
    port = free_port()
    with herokuish_build(runner, app, tmp_path / "cache", env, process="web", port=port) as process:
        process.wait_for_port(port, timeout=900)
        answer = http_get(f"http://127.0.0.1:{port}/dokku")
        build_log, errors = process.output()
    assert answer == "Hello from a Rust web-std app at /dokku\n"
    assert "-----> Rust app detected" in build_log
    assert "-----> Rust buildpack 0.1.0 on heroku-24" in build_log
    assert "Default types for Rust -> web" in build_log
    assert "Traceback" not in build_log + errors


def test_compile_without_an_env_dir_and_release_with_the_cache_dir(
    mirrored_platform: Platform,
) -> None:
    """Older herokuish: compile BUILD CACHE when the app has no config vars."""
    build_dir = mirrored_platform.new_build_dir("web-std")
    # No env dir at all: the mirror comes from the builder's environment.
    for name in ("RUSTUP_DIST_SERVER", "RUSTUP_UPDATE_ROOT"):
        variable = mirrored_platform.env_dir / name
        mirrored_platform.process_env[name] = variable.read_text()
        variable.unlink()
    compiled = mirrored_platform.run("compile", build_dir, mirrored_platform.cache_dir)
    assert_succeeded(compiled)
    released = mirrored_platform.run("release", build_dir, mirrored_platform.cache_dir)
    assert released.returncode == 0, released.log
    processes = yaml.safe_load(released.stdout)["default_process_types"]
    assert processes == {"web": "/app/bin/web-std"}
    extra = mirrored_platform.run("release", build_dir, mirrored_platform.cache_dir, "more")
    assert extra.stdout == released.stdout


@pytest.mark.parametrize(
    ("script", "usage"),
    [
        ("compile", "Usage: bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]"),
        ("release", "Usage: bin/release BUILD_DIR [CACHE_DIR]"),
        ("detect", "Usage: bin/detect BUILD_DIR"),
    ],
)
def test_missing_arguments_get_a_usage_line(platform: Platform, script: str, usage: str) -> None:
    result = platform.run(script)
    assert result.returncode != 0
    assert usage in result.stderr
    assert "Traceback" not in result.log
