"""Apps built by the old Heroku Rust buildpack (emk) build and run unchanged.

from-emk has what such apps have: a RustConfig with RUST_INSTALL_DIESEL=1, a
Procfile with `web: ./target/release/todo-app` and
`release: ./target/release/diesel migration run`, and Rocket.toml,
diesel.toml, migrations/ and config/ read from the app directory at run time.
diesel_cli is a stand-in crate on the crates.io stand-in.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from platform_runner import APPS_DIR, Platform, free_port, http_get, write_env_dir
from stack_rootfs import build_rootfs
from stack_runner import StackRunner
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow

MIGRATION = "Running migration 2024-01-01-000000_create_todos\n"
ANSWER = 'Hello from a todo app built by emk; settings {"page_size": 20}\n'


def procfile(build_dir: Path) -> dict[str, str]:
    lines = (build_dir / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def boot(build_dir: Path, command: str, **env: str) -> subprocess.Popen:
    """A Procfile command as the platform runs it: in the app dir, .profile.d sourced."""
    script = 'for f in .profile.d/*.sh; do . "./$f"; done; eval "$1"'
    return subprocess.Popen(
        ["bash", "-c", script, "boot", command],
        cwd=build_dir,
        env={"HOME": str(build_dir), "PATH": "/usr/bin:/bin", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def assert_procfile_processes_run(build_dir: Path) -> None:
    """The release process migrates, the web process answers, both from the slug."""
    processes = procfile(build_dir)
    release = boot(build_dir, processes["release"], DATABASE_URL="postgres://db/todo")
    stdout, stderr = release.communicate(timeout=60)
    assert (release.returncode, stdout) == (0, MIGRATION), stderr
    port = free_port()
    web = boot(build_dir, processes["web"], PORT=str(port))
    try:
        assert http_get(f"http://127.0.0.1:{port}/") == ANSWER
    finally:
        os.killpg(web.pid, 15)
        web.wait(timeout=10)


def test_every_procfile_process_of_an_emk_app_starts_from_the_slug(
    online_platform: Platform,
) -> None:
    build_dir, result = online_platform.build("from-emk")
    assert_succeeded(result)
    assert "RUST_INSTALL_DIESEL=1 -> BP_CARGO_RUNTIME_TOOLS=diesel_cli" in result.stdout
    assert "Runtime tools in bin/ (BP_CARGO_RUNTIME_TOOLS): diesel" in result.stdout
    assert "built by the old Heroku Rust buildpack (it has a RustConfig)" in result.stdout
    assert "Change the line to" not in result.stderr
    for kept in ("Rocket.toml", "diesel.toml", "migrations", "config/settings.json"):
        assert (build_dir / kept).exists(), kept
    assert os.readlink(build_dir / "target" / "release" / "todo-app") == "../../bin/todo-app"
    assert os.readlink(build_dir / "target" / "release" / "diesel") == "../../bin/diesel"
    # diesel is a tool of the slug, not a process type.
    assert "diesel" not in online_platform.release(build_dir).stdout

    assert_procfile_processes_run(build_dir)


def test_include_files_gives_an_emk_app_exactly_what_it_asked_for(
    online_platform: Platform,
) -> None:
    online_platform.set_config(BP_INCLUDE_FILES="Rocket.toml:migrations/*")
    build_dir, result = online_platform.build("from-emk")
    assert_succeeded(result)
    assert "the slug keeps the files BP_INCLUDE_FILES names" in result.stdout
    assert (build_dir / "Rocket.toml").is_file()
    assert (build_dir / "migrations").is_dir()
    assert not (build_dir / "config").exists()
    assert not (build_dir / "src").exists()
    assert (build_dir / "target" / "release" / "todo-app").is_file()  # the link is kept


def test_a_runtime_tool_runs_from_the_slug_on_the_stack(
    tmp_path: Path, buildpack: Path, rustup_mirror, crates_registry, package_index
) -> None:
    """BP_CARGO_RUNTIME_TOOLS on the scalingo-22 stand-in (jammy): built there, run there."""
    runner = StackRunner(build_rootfs("jammy"), buildpack, stack="scalingo-22")
    app = tmp_path / "app"
    subprocess.run(
        [
            "cp",
            "-r",
            str(APPS_DIR / "web-std"),
            str(app),
        ],
        check=True,
    )
    env = write_env_dir(
        tmp_path / "env",
        PIP_INDEX_URL=package_index.url,
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
        BP_CARGO_REGISTRY_MIRROR=crates_registry.index_url,
        BP_CARGO_RUNTIME_TOOLS="bp-hello-tool",
    )
    run = runner.run_buildpack(app, tmp_path / "cache", env)
    assert run.ok, run.log
    assert "Runtime tools in bin/ (BP_CARGO_RUNTIME_TOOLS): bp-hello-tool" in run.log
    ran = runner.run(
        ["/bin/bash", "-c", 'for f in /app/.profile.d/*.sh; do . "$f"; done; bp-hello-tool'],
        app_dir=app,
        app_target="/app",
        cwd="/app",
    )
    assert (ran.returncode, ran.stdout) == (0, "hello from bp-hello-tool 0.1.0\n"), ran.stderr


def test_an_emk_app_in_a_build_path_folder(online_platform: Platform) -> None:
    """RustConfig's BUILD_PATH names the folder holding Cargo.toml; the root has none."""
    build_dir = online_platform.new_build_dir("from-emk")
    server = build_dir / "server"
    server.mkdir()
    for entry in list(build_dir.iterdir()):
        if entry.name not in ("RustConfig", "Procfile", "server"):
            entry.rename(server / entry.name)
    with (build_dir / "RustConfig").open("a") as rustconfig:
        rustconfig.write("BUILD_PATH=server\n")
    (build_dir / "Procfile").write_text(
        "web: cd server && target/release/todo-app\n"
        "release: cd server && ./target/release/diesel migration run\n"
    )
    assert online_platform.detect(build_dir).stdout == "Rust\n"
    result = online_platform.compile(build_dir)
    assert_succeeded(result)
    assert "BUILD_PATH=server -> the Cargo project in server/" in result.stdout
    assert (build_dir / "server" / "target" / "release" / "todo-app").is_file()

    assert_procfile_processes_run(build_dir)
