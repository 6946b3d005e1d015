"""The Cargo features chosen for the app reach every cargo command on it.

BP_CARGO_FEATURES, BP_CARGO_NO_DEFAULT_FEATURES, BP_CARGO_ALL_FEATURES, and
the feature flags of BP_CARGO_INSTALL_ARGS, through bin/compile and
bin/test-compile as the platform runs them, on feature-gated: its binary
prints the features it was built with, and its `loud` feature pulls in an
optional path dependency, `shout`, which the SBOM lists only when it is on.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from classic_bp.cargo import offline
from platform_runner import Platform
from tests.assertions import assert_failed_cleanly, assert_succeeded, assert_user_error

APP = "feature-gated"


def run_binary(build_dir: Path) -> list[str]:
    binary = build_dir / "bin" / APP
    return subprocess.run([binary], capture_output=True, text=True, check=True).stdout.splitlines()


def sbom_components(build_dir: Path) -> list[str]:
    document = json.loads((build_dir / ".rust-buildpack" / "sbom.cdx.json").read_text())
    return sorted(component["name"] for component in document["components"])


@pytest.mark.parametrize(
    ("settings", "fragments"),
    [
        (
            {"BP_CARGO_FEATURES": "loud;rm -rf"},
            ["BP_CARGO_FEATURES has 'loud;rm', which is not a Cargo feature name"],
        ),
        (
            {"BP_CARGO_FEATURES": "loud nope"},
            [
                "BP_CARGO_FEATURES names the feature nope, which no package",
                "feature-gated: default, greeting, loud, polite",
            ],
        ),
        # `loud = ["dep:shout"]` hides the optional dependency's own feature, as in cargo.
        ({"BP_CARGO_FEATURES": "shout"}, ["names the feature shout, which no package"]),
        (
            {"BP_CARGO_ALL_FEATURES": "true", "BP_CARGO_FEATURES": "loud"},
            ["BP_CARGO_ALL_FEATURES=true turns on every feature, and BP_CARGO_FEATURES"],
        ),
        (
            {"BP_CARGO_NO_DEFAULT_FEATURES": "maybe"},
            ["BP_CARGO_NO_DEFAULT_FEATURES='maybe' is not a supported value", "true, false"],
        ),
        (
            {"BP_CARGO_INSTALL_ARGS": "--locked --features"},
            ["Could not read BP_CARGO_INSTALL_ARGS: --features needs feature names"],
        ),
        (
            {"BP_CARGO_INSTALL_ARGS": "--locked -F nope"},
            ["BP_CARGO_INSTALL_ARGS names the feature nope"],
        ),
    ],
)
def test_bad_feature_settings_fail_before_rust_is_installed(
    platform: Platform, settings: dict[str, str], fragments: list[str]
) -> None:
    platform.set_config(**settings)
    _build_dir, result = platform.build(APP)
    assert_user_error(result, *fragments)


@pytest.mark.slow
def test_features_reach_the_binary_and_the_sbom_and_switching_never_mixes_them(
    mirrored_platform: Platform,
) -> None:
    mirrored_platform.set_config(
        BP_CARGO_FEATURES="loud polite", BP_CARGO_NO_DEFAULT_FEATURES="true"
    )
    build_dir, result = mirrored_platform.build(APP)
    assert_succeeded(result)
    assert (
        "Cargo features: loud, polite, without the default ones"
        " (from BP_CARGO_FEATURES, BP_CARGO_NO_DEFAULT_FEATURES)" in result.stdout
    )
    assert (
        "Running: cargo build --release --locked --bins --no-default-features"
        " --features loud,polite -p feature-gated" in result.stdout
    )
    assert run_binary(build_dir) == ["..., IF YOU PLEASE", "features: polite,loud"]
    assert "CycloneDX, 1 component (from cargo metadata)" in result.stdout
    assert sbom_components(build_dir) == ["shout"]

    # The same cache, the default features: nothing of the other build leaks in.
    for name in ("BP_CARGO_FEATURES", "BP_CARGO_NO_DEFAULT_FEATURES"):
        (mirrored_platform.env_dir / name).unlink()
    build_dir, again = mirrored_platform.build(APP)
    assert_succeeded(again)
    assert "Cargo features:" not in again.stdout
    assert "Running: cargo build --release --locked --bins -p feature-gated " in again.stdout
    assert run_binary(build_dir) == ["hello", "features: greeting"]
    assert "CycloneDX, 0 components (from cargo metadata)" in again.stdout

    mirrored_platform.set_config(BP_CARGO_ALL_FEATURES="true")
    build_dir, every = mirrored_platform.build(APP)
    assert_succeeded(every)
    assert "Cargo features: all of them (from BP_CARGO_ALL_FEATURES)" in every.stdout
    assert run_binary(build_dir) == ["HELLO, IF YOU PLEASE", "features: greeting,polite,loud"]


@pytest.mark.slow
def test_install_args_features_reach_the_sbom_and_the_variables_win_over_them(
    mirrored_platform: Platform,
) -> None:
    mirrored_platform.set_config(BP_CARGO_INSTALL_ARGS="--locked --features=loud")
    build_dir, result = mirrored_platform.build(APP)
    assert_succeeded(result)
    assert "cargo install arguments: --locked" in result.stdout
    assert (
        "Cargo features: loud, plus the default ones (from BP_CARGO_INSTALL_ARGS)" in result.stdout
    )
    assert run_binary(build_dir) == ["HELLO", "features: greeting,loud"]
    assert sbom_components(build_dir) == ["shout"]  # the SBOM is of the binary built

    mirrored_platform.set_config(
        BP_CARGO_INSTALL_ARGS="--locked --features loud --no-default-features",
        BP_CARGO_FEATURES="polite",
    )
    build_dir, result = mirrored_platform.build(APP)
    assert_succeeded(result)
    warning = " ".join(line[7:] for line in result.stderr.splitlines())
    assert "BP_CARGO_INSTALL_ARGS has --features loud --no-default-features" in warning
    assert "the BP_CARGO_*FEATURES variables win, those flags are ignored" in warning
    assert "Cargo features: polite, plus the default ones (from BP_CARGO_FEATURES)" in warning
    assert run_binary(build_dir) == ["hello, if you please", "features: greeting,polite"]
    assert sbom_components(build_dir) == []


@pytest.mark.slow
def test_a_workspace_build_gets_the_features_too(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_CARGO_NO_DEFAULT_FEATURES="true")
    _build_dir, result = mirrored_platform.build("workspace")
    assert_succeeded(result)
    assert (
        "Running: cargo build --release --locked --bins --no-default-features"
        " -p web-server -p worker-server" in result.stdout
    )


@pytest.mark.slow
def test_tests_are_compiled_and_run_with_the_features(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_CARGO_FEATURES="loud")
    build_dir = mirrored_platform.new_build_dir(APP)
    cache, env = mirrored_platform.cache_dir, mirrored_platform.env_dir
    compiled = mirrored_platform.run("test-compile", build_dir, cache, env)
    assert_succeeded(compiled)
    assert "Cargo features: loud, plus the default ones" in compiled.stdout

    tested = mirrored_platform.run("test", build_dir, env)
    assert tested.returncode == 0, tested.log
    assert "test tests::loud_is_on ... ok" in tested.stdout
    assert "Compiling" not in tested.stdout  # the features bin/test asks for were compiled


@pytest.mark.slow
def test_a_feature_cargo_refuses_still_fails_cleanly(mirrored_platform: Platform) -> None:
    # A dependency's feature is cargo's to check: the build fails with cargo's words.
    mirrored_platform.set_config(BP_CARGO_FEATURES="shout/no-such-feature")
    _build_dir, result = mirrored_platform.build(APP)
    assert_failed_cleanly(result, "failed (exit code 101)")


def test_the_record_of_crates_a_build_did_without_is_kept_per_feature_selection(
    tmp_path: Path,
) -> None:
    lockfile = tmp_path / "Cargo.lock"
    lockfile.write_text(
        'version = 4\n\n[[package]]\nname = "itoa"\nversion = "1.0.0"\n'
        'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
    )
    cargo_home = tmp_path / "cargo"
    cargo_home.mkdir()
    offline.remember_unneeded(lockfile, cargo_home, ["--no-default-features"])
    assert offline.can_run_offline(lockfile, cargo_home, ["--no-default-features"])
    # Another selection may need the crate that one did without: go online at once.
    assert not offline.can_run_offline(lockfile, cargo_home, [])
    # An older buildpack's record, a plain list, was made without feature flags.
    (cargo_home / offline.RECORD_NAME).write_text('["itoa-1.0.0.crate"]\n')
    assert offline.can_run_offline(lockfile, cargo_home, [])
    assert not offline.can_run_offline(lockfile, cargo_home, ["--features", "x"])
