"""BP_CARGO_INSTALL_ARGS, BP_CARGO_WORKSPACE_MEMBERS and BP_CARGO_INSTALL_TOOLS.

Through bin/compile as the platform runs it; refusals are checked to happen
before anything slow starts.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from platform_runner import Platform, Result
from tests.assertions import assert_user_error


def binaries(build_dir) -> list[str]:
    return sorted(os.listdir(build_dir / "bin"))


def assert_ok(result: Result) -> None:
    assert result.returncode == 0, result.log


@pytest.mark.parametrize(
    ("settings", "fragments"),
    [
        (
            {"BP_CARGO_INSTALL_ARGS": "--locked --color=always"},
            ["may not contain --color", "not a terminal"],
        ),
        (
            {"BP_CARGO_INSTALL_ARGS": "--root /tmp/elsewhere"},
            ["may not contain --root", "slug's bin/"],
        ),
        ({"BP_CARGO_INSTALL_ARGS": "--target-dir=t"}, ["may not contain --target-dir", "cache"]),
        ({"BP_CARGO_INSTALL_ARGS": "--features 'a b"}, ["Could not read BP_CARGO_INSTALL_ARGS"]),
        (
            {"BP_CARGO_INSTALL_ARGS": "--path=crates/web", "BP_CARGO_WORKSPACE_MEMBERS": "web"},
            ["has --path, and BP_CARGO_WORKSPACE_MEMBERS is set too"],
        ),
        (
            {"BP_CARGO_WORKSPACE_MEMBERS": "web,api"},
            ["names web, api", "shared, web-server, worker-server", "not its directory"],
        ),
        ({"BP_CARGO_WORKSPACE_MEMBERS": "shared"}, ["no binary target to install: shared"]),
        ({"BP_CARGO_INSTALL_ARGS": "--path=../outside"}, ["outside the app"]),
        ({"BP_CARGO_INSTALL_ARGS": "--path crates"}, ["no package of the app is there"]),
        ({"BP_CARGO_INSTALL_TOOLS": "diesel_cli rm;-rf"}, ["'rm;-rf', which is not a crate"]),
        ({"BP_CARGO_INSTALL_TOOLS_ARGS": "--root=/x"}, ["BP_CARGO_INSTALL_TOOLS_ARGS may not"]),
    ],
)
def test_refused_settings(platform: Platform, settings: dict, fragments: list[str]) -> None:
    platform.set_config(**settings)
    _build_dir, result = platform.build("workspace")
    assert_user_error(result, *fragments)


@pytest.mark.slow
def test_workspace_members_pick_packages_by_name(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_CARGO_WORKSPACE_MEMBERS="worker-server")
    build_dir, result = mirrored_platform.build("workspace")
    assert_ok(result)
    assert "Installing only: worker-server" in result.stdout
    assert binaries(build_dir) == ["worker"]


@pytest.mark.slow
def test_a_path_argument_builds_that_member(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_CARGO_INSTALL_ARGS="--locked --path=crates/web")
    build_dir, result = mirrored_platform.build("workspace")
    assert_ok(result)
    assert "Running: cargo build --release --locked --bins -p web-server " in result.stdout
    assert binaries(build_dir) == ["web"]


@pytest.mark.slow
def test_install_args_replace_the_default_and_reach_cargo(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(
        BP_CARGO_INSTALL_ARGS="--locked -v --bin web", BP_CARGO_WORKSPACE_MEMBERS="web-server"
    )
    build_dir, result = mirrored_platform.build("workspace")
    assert_ok(result)
    assert "cargo install arguments: --locked -v --bin web" in result.stdout
    assert "Running `" in result.stdout  # cargo -v shows the rustc command lines
    assert binaries(build_dir) == ["web"]


@pytest.mark.slow
def test_dropping_locked_is_allowed_with_a_note(mirrored_platform: Platform) -> None:
    """cargo build without --locked writes Cargo.lock; the app keeps its own (kept
    in the slug here to be seen), or none, as with `cargo install`."""
    mirrored_platform.set_config(BP_CARGO_INSTALL_ARGS="--bins", BP_INCLUDE_FILES="Cargo.lock")
    build_dir = mirrored_platform.new_build_dir("web-std")
    (build_dir / "Cargo.lock").unlink()  # only --locked builds require it
    result = mirrored_platform.compile(build_dir)
    assert_ok(result)
    assert "has neither --locked nor --frozen" in result.stdout
    assert binaries(build_dir) == ["web-std"]
    assert not (build_dir / "Cargo.lock").exists()

    build_dir = mirrored_platform.new_build_dir("web-std")
    lock = (build_dir / "Cargo.lock").read_text()
    helper = build_dir / "helper"
    (helper / "src").mkdir(parents=True)
    (helper / "src" / "lib.rs").write_text("")
    (helper / "Cargo.toml").write_text('[package]\nname = "helper"\nversion = "0.1.0"\n')
    with (build_dir / "Cargo.toml").open("a") as manifest:
        manifest.write('helper = { path = "helper" }\n')  # Cargo.lock is now stale
    result = mirrored_platform.compile(build_dir)
    assert_ok(result)
    assert "Compiling helper v0.1.0" in result.stdout
    assert (build_dir / "Cargo.lock").read_text() == lock


@pytest.mark.slow
def test_tools_are_on_path_during_the_build_cached_and_kept_out_of_the_slug(
    online_platform: Platform, crates_registry
) -> None:
    online_platform.set_config(
        BP_CARGO_INSTALL_TOOLS="bp-hello-tool@0.1.0", BP_CARGO_INSTALL_TOOLS_ARGS="--features shout"
    )
    build_dir, result = online_platform.build("uses-tool")
    assert_ok(result)
    assert "-----> Installing tools (bp-hello-tool@0.1.0)" in result.stdout
    assert "tool says: HELLO FROM BP-HELLO-TOOL 0.1.0" in result.stdout
    assert binaries(build_dir) == ["uses-tool"]
    app = subprocess.run([build_dir / "bin" / "uses-tool"], capture_output=True, text=True)
    assert app.stdout == "HELLO FROM BP-HELLO-TOOL 0.1.0\n"

    crates_registry.clear_log()
    _build_dir, again = online_platform.build("uses-tool")
    assert_ok(again)
    assert "Reusing the cached tools: bp-hello-tool@0.1.0" in again.stdout
    assert not [path for _, path, _ in crates_registry.requests if "bp-hello-tool" in path]

    online_platform.set_config(BP_CARGO_INSTALL_TOOLS_ARGS="")
    _build_dir, changed = online_platform.build("uses-tool")
    assert_ok(changed)
    assert (
        "Reinstalling the tools: the tool arguments changed from --locked, --features, shout"
        " to --locked" in changed.stdout
    )
    tool = online_platform.cache_dir / "rust-buildpack" / "tools" / "bin" / "bp-hello-tool"
    assert subprocess.run([tool], capture_output=True, text=True).stdout == (
        "hello from bp-hello-tool 0.1.0\n"
    )
