"""Bad input fails fast, before anything slow, with a specific message.

Each case is a real app or config var pushed through bin/compile. None of
them needs a mirror: configuration is validated before any download.
"""

from __future__ import annotations

import pytest

from platform_runner import Platform
from tests.assertions import assert_user_error


@pytest.mark.parametrize(
    ("app", "fragments"),
    [
        ("broken-cargo-toml", ["Could not read the Cargo manifest Cargo.toml", "Cargo.toml:"]),
        ("no-lockfile", ["No Cargo.lock", "cargo generate-lockfile", "git add Cargo.lock"]),
        ("no-binary", ["no binary target", "Packages found: only-a-lib", "src/main.rs"]),
        (
            "bad-toolchain-file",
            ["rust-toolchain.toml", "'latest-and-greatest' is not a toolchain name", "channel"],
        ),
        ("missing-member", ["lists the member `ghost`", "has no Cargo.toml"]),
    ],
)
def test_broken_apps_fail_with_a_specific_message(
    platform: Platform, app: str, fragments: list[str]
) -> None:
    _build_dir, result = platform.build(app)
    assert_user_error(result, *fragments)


@pytest.mark.parametrize(
    ("variable", "value", "fragments"),
    [
        ("BP_RUST_TOOLCHAIN", "newest", ["BP_RUST_TOOLCHAIN='newest'", "1.95.0"]),
        ("BP_RUST_PROFILE", "tiny", ["BP_RUST_PROFILE='tiny'", "minimal, default, complete"]),
        ("RUSTUP_DIST_SERVER", "ftp://mirror", ["RUSTUP_DIST_SERVER='ftp://mirror'", "http"]),
        ("BP_CARGO_REGISTRY_MIRROR", "mirror.local", ["BP_CARGO_REGISTRY_MIRROR", "sparse+"]),
    ],
)
def test_invalid_settings_name_the_variable(
    platform: Platform, variable: str, value: str, fragments: list[str]
) -> None:
    platform.set_config(**{variable: value})
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, *fragments)


def test_credentials_in_a_mirror_url_are_never_printed(platform: Platform) -> None:
    platform.set_config(BP_CARGO_REGISTRY_MIRROR="ftp://robot:s3cr3t-t0ken@mirror.example/index")
    _build_dir, result = platform.build("web-std")
    assert result.returncode == 1
    assert "s3cr3t-t0ken" not in result.log
    assert "mirror.example" in result.log


def test_missing_build_dir_is_a_usage_error(platform: Platform, tmp_path) -> None:
    result = platform.run("compile", tmp_path / "nope", platform.cache_dir, platform.env_dir)
    assert_user_error(result, "build directory", "does not exist")


def test_blocked_config_vars_are_ignored_with_a_warning(platform: Platform) -> None:
    platform.set_config(PATH="/evil", LD_PRELOAD="/evil.so", PYTHONPATH="/evil")
    # An invalid profile stops the build right after configuration is read.
    platform.set_config(BP_RUST_PROFILE="tiny")
    _build_dir, result = platform.build("web-std")
    assert "These config vars are ignored" in result.stderr
    assert "LD_PRELOAD, PATH, PYTHONPATH" in result.stderr
    assert "BP_RUST_PROFILE='tiny'" in result.stderr
