"""Sample apps built end to end: detect, compile, release, then run the slug.

Everything outside the buildpack is real: rustup-init and the toolchain come
from the rustup mirror, crates from the registry stand-in, both on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter

import pytest
import yaml

from platform_runner import Platform, http_get, running_web_process
from tests.assertions import INDENT, assert_platform_output, assert_succeeded

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


def release_of(platform: Platform, build_dir) -> dict:
    release = platform.release(build_dir)
    assert release.returncode == 0, release.log
    assert release.stderr == ""
    return yaml.safe_load(release.stdout)


def test_web_app_is_built_and_its_slug_answers_http(online_platform: Platform) -> None:
    platform = online_platform
    build_dir = platform.new_build_dir("web-std")
    assert platform.detect(build_dir).stdout == "Rust\n"

    result = platform.compile(build_dir)
    assert_succeeded(result)
    assert_platform_output(result)
    assert "Using rustc 1.95.0" in result.stdout
    assert "Using stable, from the default" in result.stdout
    assert (
        "Running: cargo build --release --locked --bins -p web-std --target-dir $CACHE_DIR/target"
        in result.stdout
    )
    assert f"{INDENT}   Compiling web-std v0.1.0" in result.stdout  # cargo's output, indented
    assert "Build succeeded in" in result.stdout

    release = platform.release(build_dir)
    assert release.stdout.startswith("---\n")
    assert yaml.safe_load(release.stdout)["default_process_types"] == {"web": "/app/bin/web-std"}
    with running_web_process(release.stdout, build_dir) as url:
        assert http_get(url + "/hello") == "Hello from a Rust web-std app at /hello\n"

    # The slug: binaries and runtime files, never the toolchain or build artifacts.
    assert (build_dir / ".profile.d" / "rust.sh").read_text().count('"$HOME/bin:$PATH"') == 1
    assert not (build_dir / "target").exists()
    assert not (build_dir / ".crates.toml").exists()
    assert not (build_dir / ".crates2.json").exists()
    cache_root = platform.cache_dir / "rust-buildpack"
    assert (cache_root / "rustup" / "toolchains" / "stable-x86_64-unknown-linux-gnu").is_dir()
    assert (cache_root / "target" / "release").is_dir()


def test_workspace_installs_every_binary_member(online_platform: Platform) -> None:
    build_dir, result = online_platform.build("workspace")
    assert_succeeded(result)
    assert "Cargo workspace of 3 packages" in result.stdout
    assert sorted(os.listdir(build_dir / "bin")) == ["web", "worker"]
    assert release_of(online_platform, build_dir)["default_process_types"] == {
        "web": "/app/bin/web",
        "worker": "/app/bin/worker",
    }
    worker = subprocess.run([build_dir / "bin" / "worker"], capture_output=True, text=True)
    assert worker.stdout == "hello from the worker of the workspace\n"


def test_a_toolchain_pinned_in_rust_toolchain_toml_is_installed(
    online_platform: Platform, rustup_mirror
) -> None:
    _build_dir, result = online_platform.build("pinned-toolchain")
    assert_succeeded(result)
    assert "Using 1.95.0, from rust-toolchain.toml (channel = '1.95.0')" in result.stdout
    assert "Using rustc 1.95.0" in result.stdout
    toolchains = online_platform.cache_dir / "rust-buildpack" / "rustup" / "toolchains"
    assert os.listdir(toolchains) == ["1.95.0-x86_64-unknown-linux-gnu"]

    # Rebuilt from a fresh checkout at another path: no request reaches the mirror at all.
    rustup_mirror.clear_log()
    _build_dir, result = online_platform.build("pinned-toolchain")
    assert_succeeded(result)
    assert "Reusing 1.95.0-x86_64-unknown-linux-gnu from the cache" in result.stdout
    assert rustup_mirror.requests == []


def test_mirrors_can_be_set_in_the_builders_environment(platform: Platform, rustup_mirror) -> None:
    """Air-gapped builders set the mirror for every app, not per app config."""
    platform.process_env.update(
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
    )
    build_dir, result = platform.build("pinned-toolchain")
    assert_succeeded(result)
    assert (build_dir / "bin" / "pinned").is_file()


def test_a_compile_error_fails_the_build_with_cargos_message(online_platform: Platform) -> None:
    _build_dir, result = online_platform.build("compile-error")
    assert result.returncode == 1
    assert "Traceback" not in result.log
    assert f"{INDENT}error[E0308]: mismatched types" in result.stdout
    assert "cargo build --release --locked --bins -p compile-error " in result.stderr
    assert "failed (exit code 101)" in result.stderr


def test_app_config_vars_reach_build_scripts_but_never_the_log(
    online_platform: Platform,
) -> None:
    # (Not DATABASE_URL: the one config var build scripts never get, test_database_url_at_build.)
    secret = "redis://app:hunter2-very-secret@cache.internal:6379/0"
    online_platform.set_config(REDIS_URL=secret)
    _build_dir, result = online_platform.build("secret-echo")
    assert_succeeded(result)
    assert "REDIS_URL seen by the build script: [redacted]" in result.stdout
    assert "hunter2" not in result.log


def test_the_export_file_hands_rust_to_the_next_buildpack(
    online_platform: Platform, buildpack
) -> None:
    build_dir, result = online_platform.build("pinned-toolchain")
    assert_succeeded(result)
    probe = subprocess.run(
        ["sh", "-c", f". {buildpack / 'export'} && cargo --version && rustc --version"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=build_dir,
    )
    assert probe.returncode == 0, probe.stderr
    assert "rustc 1.95.0" in probe.stdout


def test_lib_and_bin_app_gets_its_crates_from_the_registry_mirror(
    online_platform: Platform, crates_registry
) -> None:
    crates_registry.clear_log()
    build_dir, result = online_platform.build("lib-and-bin")
    assert_succeeded(result)
    assert "Using the crates registry mirror http://127.0.0.1:" in result.stdout
    assert f"{INDENT}   Compiling serde_json v1.0.87" in result.stdout
    downloads = [path for _, path, _ in crates_registry.requests if path.endswith("/download")]
    assert "/api/v1/crates/serde_json/1.0.87/download" in downloads
    # One cargo run resolves and builds: each index file is read once, never
    # fetched by a lock check and then revalidated by the build.
    index = Counter(path for _, path, _ in crates_registry.requests if path.startswith("/index/"))
    assert "/index/se/rd/serde_json" in index
    assert max(index.values()) == 1, index
    assert sorted(os.listdir(build_dir / "bin")) == ["vs"]
    assert release_of(online_platform, build_dir)["default_process_types"] == {"web": "/app/bin/vs"}
    output = subprocess.run([build_dir / "bin" / "vs"], capture_output=True, text=True).stdout
    assert output == '{"name":"vs","major":1}\n'

    # Rebuilt at another path with the same cache: no crate is fetched again.
    crates_registry.clear_log()
    _build_dir, result = online_platform.build("lib-and-bin")
    assert_succeeded(result)
    assert "Reusing the cached cargo registry" in result.stdout
    assert "Every crate this build needs is in the cache: no registry request" in result.stdout
    assert crates_registry.requests == []


def test_an_app_named_like_a_crate_it_depends_on_builds(online_platform: Platform) -> None:
    """The app's package is `bp-bump` 0.3.0 and depends on the registry's `bp-bump`
    0.1.0: `cargo build -p bp-bump` alone is ambiguous and cargo refuses it,
    where `cargo install --path .` (the old Heroku buildpack's way) never was."""
    build_dir, result = online_platform.build("shares-a-crate-name")
    assert_succeeded(result)
    assert "ambiguous" not in result.log
    assert sorted(os.listdir(build_dir / "bin")) == ["bp-bump"]
    output = subprocess.run([build_dir / "bin" / "bp-bump"], capture_output=True, text=True)
    assert output.stdout == "app 0.3.0 with bp-bump 0.1.0\n"
