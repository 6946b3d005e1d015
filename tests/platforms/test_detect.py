"""bin/detect through the shim, as the platform calls it."""

import time

from platform_runner import Platform


def test_a_cargo_project_is_detected_as_rust(platform: Platform) -> None:
    build_dir = platform.new_build_dir("web-std")
    result = platform.detect(build_dir)
    assert result.returncode == 0
    assert result.stdout == "Rust\n"


def test_other_apps_are_not_detected_and_print_nothing(platform: Platform, tmp_path) -> None:
    app = tmp_path / "node-app"
    app.mkdir()
    (app / "package.json").write_text("{}")
    result = platform.detect(app)
    assert result.returncode == 1
    assert result.stdout == ""


def test_detect_needs_no_third_party_package(platform: Platform) -> None:
    """detect runs before anything is installed: it must not import click & co."""
    build_dir = platform.new_build_dir("web-std")
    platform.process_env["PATH"] = "/usr/bin:/bin"  # the stack's python3, no site packages
    started = time.monotonic()
    result = platform.detect(build_dir)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 5


def test_an_app_with_only_a_rustconfig_is_rust(platform: Platform, tmp_path) -> None:
    """The old Heroku Rust buildpack's apps may keep Cargo.toml in RustConfig's BUILD_PATH."""
    app = tmp_path / "emk-app"
    app.mkdir()
    (app / "RustConfig").write_text("BUILD_PATH=server\n")
    result = platform.detect(app)
    assert (result.returncode, result.stdout) == (0, "Rust\n")
