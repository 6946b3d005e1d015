"""Which binary is the web process, when nothing names it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from classic_bp.config.project import load_project
from classic_bp.slug.process_types import choose_web
from platform_runner import Platform
from tests.assertions import assert_succeeded


def workspace(root: Path, members: dict[str, str]) -> Path:
    """members: directory -> the [dependencies] lines of its Cargo.toml; a member
    whose name starts with `lib-` is a library, the others a binary of that name."""
    names = ", ".join(f'"{name}"' for name in members)
    (root / "Cargo.toml").write_text(f"[workspace]\nmembers = [{names}]\n")
    for name, dependencies in members.items():
        (root / name / "src").mkdir(parents=True)
        (root / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\n\n[dependencies]\n{dependencies}\n'
        )
        source = "lib.rs" if name.startswith("lib-") else "main.rs"
        (root / name / "src" / source).write_text("")
    return root


def test_the_binary_using_a_web_framework_through_a_workspace_library(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        {
            "lib-http": 'axum = "0.7"',
            "api": 'lib-http = { path = "../lib-http" }',
            "worker": 'serde = "1"',
        },
    )
    choice = choose_web(load_project(root), ("api", "worker"))
    assert choice.binary == "api"
    assert (
        choice.reason
        == "it is the only binary that depends on a workspace library that serves HTTP"
    )


@pytest.mark.parametrize("crate", ["axum", "actix-web", "rocket", "warp", "poem", "salvo", "tide"])
def test_each_known_http_server_crate(tmp_path: Path, crate: str) -> None:
    root = workspace(tmp_path, {"api": f'{crate} = "1"', "worker": ""})
    choice = choose_web(load_project(root), ("api", "worker"))
    assert (choice.binary, choice.reason) == (
        "api",
        f"it is the only binary that depends on {crate}",
    )


def test_two_servers_are_ambiguous_and_name_the_candidates(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"api": 'axum = "0.7"', "admin": 'warp = "0.3"', "cli": ""})
    choice = choose_web(load_project(root), ("admin", "api", "cli"))
    assert choice.binary is None
    assert choice.candidates == ("admin", "api")


def test_a_binary_named_web_wins_over_a_server_dependency(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"api": 'axum = "0.7"', "web": ""})
    assert choose_web(load_project(root), ("api", "web")).binary == "web"


@pytest.mark.slow
def test_a_hyper_service_workspace_gets_its_web_process(online_platform: Platform) -> None:
    """bench-service with its HTTP binary renamed `api`: binaries `api` (hyper, with
    the workspace's libraries) and `worker`, none named web, no Procfile."""
    build_dir = online_platform.new_build_dir("bench-service")
    manifest = build_dir / "crates" / "http" / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('name = "web"', 'name = "api"'))
    result = online_platform.compile(build_dir)
    assert_succeeded(result)
    assert "The web process runs api: it is the only binary that depends on hyper" in result.stdout
    assert "no default web process" not in result.stderr
    processes = yaml.safe_load(online_platform.release(build_dir).stdout)
    assert processes["default_process_types"] == {
        "web": "/app/bin/api",
        "worker": "/app/bin/worker",
    }
    worker = subprocess.run([build_dir / "bin" / "worker"], capture_output=True, text=True)
    assert worker.stdout.startswith("worker processed 2 jobs")
