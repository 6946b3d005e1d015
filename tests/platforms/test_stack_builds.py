"""The buildpack in a stand-in for the stack image, the three ways users get it.

A Debian root filesystem with python3, PyYAML and requests but no pip and
no Rust (scalingo-22-fixtures/tools/stack_rootfs.py), entered like
`docker run ... scalingo/scalingo-22` with the app at /build/<id>, the cache
at /tmp/cache and the env dir at /tmp/env; compile runs as an unprivileged
user, as on Dokku. Each Scalingo stack's own Ubuntu release is one stand-in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from platform_runner import APPS_DIR, copy_buildpack, free_port, http_get, write_env_dir
from safe_tar import extract_all
from stack_rootfs import DEFAULT_SUITE, STACK_SUITES, build_rootfs
from stack_runner import StackRunner

# Each Scalingo stack on its own Ubuntu release (Python 3.10, 3.12, 3.14), and
# the default Debian stand-in (3.11).

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow
STAND_INS = [*STACK_SUITES.items(), ("scalingo-22", DEFAULT_SUITE)]


@pytest.fixture(scope="module", params=STAND_INS, ids=[suite for _, suite in STAND_INS])
def stand_in(request: pytest.FixtureRequest) -> tuple[Path, str]:
    """(root filesystem, the STACK it stands in for)."""
    stack, suite = request.param
    return build_rootfs(suite), stack


def fresh_app(tmp_path: Path, name: str = "web-std") -> Path:
    app = tmp_path / f"app-{len(list(tmp_path.glob('app-*')))}"
    shutil.copytree(APPS_DIR / name, app, copy_function=shutil.copyfile)
    return app


def env_dir(tmp_path: Path, **variables: str) -> Path:
    return write_env_dir(tmp_path / "env", **variables)


def web_command(run) -> str:
    return yaml.safe_load(run.release.stdout)["default_process_types"]["web"]


def test_a_git_clone_on_the_stack_builds_and_serves_with_no_python_package(
    stand_in: tuple[Path, str], tmp_path: Path, rustup_mirror, package_index
) -> None:
    """A platform's build fetches no Python package, on 3.10 (jammy) too, where
    TOML is read by toml_subset.py; a Cargo.toml beyond it makes a 3.10 build
    fetch tomli, once."""
    rootfs, stack = stand_in
    buildpack = copy_buildpack(tmp_path / "buildpack")  # what a git clone holds: no vendor/
    runner = StackRunner(rootfs, buildpack, stack=stack)
    cache = tmp_path / "cache"
    cache.mkdir()
    env = env_dir(
        tmp_path,
        PIP_INDEX_URL=package_index.url,
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
    )
    package_index.clear_log()
    app = fresh_app(tmp_path)
    first = runner.run_buildpack(app, cache, env)
    assert first.ok, first.log
    assert f"-----> Rust buildpack 0.1.0 on {stack}" in first.compile.stdout
    assert "Python packages" not in first.compile.stdout + first.compile.stderr
    assert package_index.requests == []
    assert not (cache / "rust-buildpack-python").exists()
    assert first.detect.stdout == "Rust\n"
    assert web_command(first) == "/app/bin/web-std"

    port = free_port()
    with runner.start_app(app, web_command(first), port=port) as process:
        process.wait_for_port(port)
        assert http_get(f"http://127.0.0.1:{port}/stack") == (
            "Hello from a Rust web-std app at /stack\n"
        )

    # The same app again, at another /build/<id>, with the same cache.
    package_index.clear_log()
    rustup_mirror.clear_log()
    second = runner.run_buildpack(fresh_app(tmp_path), cache, env)
    assert second.ok, second.log
    assert second.build_id != first.build_id
    assert "Fetching the buildpack's Python packages" not in second.compile.stdout
    assert package_index.requests == []
    assert rustup_mirror.requests == [("GET", "/dist/channel-rust-stable.toml.sha256", 200)]
    assert "Reusing rustup from the cache" in second.compile.stdout
    assert "Reusing the cached build artifacts" in second.compile.stdout

    # A date in the manifest's metadata: valid TOML, beyond toml_subset.py.
    dated = fresh_app(tmp_path)
    manifest = (
        dated / "Cargo.toml"
    ).read_text() + "\n[package.metadata.release]\ndate = 2026-11-30\n"
    (dated / "Cargo.toml").write_text(manifest)
    for attempt in range(2):
        package_index.clear_log()
        third = runner.run_buildpack(dated, cache, env)
        assert third.ok, third.log
        wheels = [path for path, _status in package_index.requests if path.startswith("/files/")]
        if rootfs.name.endswith(STACK_SUITES["scalingo-22"]) and attempt == 0:
            assert "       tomli 2.2.1 (sha256 verified)" in third.compile.stdout
            assert [Path(path).name for path in wheels] == ["tomli-2.2.1-py3-none-any.whl"]
        else:  # 3.11+ reads it with tomllib; 3.10 has tomli in its cache now
            assert "Python packages" not in third.compile.stdout
            assert package_index.requests == []
        dated = fresh_app(tmp_path)
        dated.joinpath("Cargo.toml").write_text(manifest)


def test_the_tarball_builds_with_no_package_index(
    tmp_path: Path, rustup_mirror, tarballs: list[Path]
) -> None:
    buildpack = tmp_path / "buildpack"
    extract_all(tarballs[0], buildpack)
    # scalingo-22's own Ubuntu 22.04 and Python 3.10: the vendored packages must run there.
    runner = StackRunner(build_rootfs(STACK_SUITES["scalingo-22"]), buildpack, stack="scalingo-22")
    cache = tmp_path / "cache"
    cache.mkdir()
    env = env_dir(
        tmp_path,
        PIP_INDEX_URL="http://127.0.0.1:9/simple",  # nothing listens there
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
    )
    app = fresh_app(tmp_path)
    run = runner.run_buildpack(app, cache, env)
    assert run.ok, run.log
    assert "Fetching" not in run.compile.stdout
    port = free_port()
    with runner.start_app(app, web_command(run), port=port) as process:
        process.wait_for_port(port)
        assert http_get(f"http://127.0.0.1:{port}/").startswith("Hello from a Rust web-std")


@pytest.mark.parametrize(
    ("stack", "warned"),
    [
        ("scalingo-24", False),
        ("scalingo-26", False),
        ("heroku-22", False),
        ("heroku-24", False),
        ("my-own-stack", True),
    ],
)
def test_every_supported_stack_is_accepted_and_an_unknown_one_warned(
    stack: str, warned: bool, tmp_path: Path, rustup_mirror, tarballs: list[Path]
) -> None:
    workdir = tmp_path
    buildpack = workdir / "buildpack"
    extract_all(tarballs[0], buildpack)
    runner = StackRunner(build_rootfs(DEFAULT_SUITE), buildpack, stack=stack)
    cache = workdir / "cache"
    cache.mkdir()
    env = env_dir(
        workdir,
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
        BP_RUST_TOOLCHAIN="1.95.0",
    )
    run = runner.run_buildpack(fresh_app(workdir, "pinned-toolchain"), cache, env)
    assert run.ok, run.log
    assert f"-----> Rust buildpack 0.1.0 on {stack}" in run.compile.stdout
    assert ("is not one this buildpack is tested on" in run.compile.stderr) is warned
