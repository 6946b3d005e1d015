"""`make run` and `make test` on a machine that lacks something: one sentence, the fix.

dev_env.py (what both commands run first), the demo and the fixture tools
report a missing prerequisite as one sentence naming the fix, never a
traceback. The full fresh-machine run is tests/dev_setup/test_fresh_machine.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import crates_registry
import demo
import dev_env
import prerequisites
from platform_runner import APPS_DIR, REPO_ROOT

TOOLS = REPO_ROOT / "scalingo-22-fixtures" / "tools"


def one_sentence(text: str) -> str:
    """The text, checked to be a single line (a sentence, not a traceback)."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def run_tool(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "HOME": str(home), **env},
        timeout=120,
    )


def test_no_rust_toolchain_is_one_sentence_naming_rustup(tmp_path: Path) -> None:
    for purpose in ("run", "test"):
        result = run_tool([str(TOOLS / "dev_env.py"), purpose], tmp_path)
        assert result.returncode == 1
        sentence = one_sentence(result.stderr)
        assert sentence.startswith("The local rustup mirror is built from the machine's Rust")
        assert f"{tmp_path}/.cargo/bin/rustup is missing" in sentence
        assert "https://sh.rustup.rs" in sentence


def test_the_demo_and_the_mirror_tool_say_the_same_without_a_toolchain(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    for args in ([str(TOOLS / "demo.py")], [str(TOOLS / "rustup_mirror.py"), "build"]):
        result = run_tool(args, tmp_path, CLASSIC_BP_FIXTURE_CACHE=cache)
        assert result.returncode == 1, result.stderr
        assert "https://sh.rustup.rs" in one_sentence(result.stderr)


def test_a_missing_sources_folder_is_one_sentence(tmp_path: Path) -> None:
    # By default the sources are Debian 12's, fetched; --sources names a folder.
    result = run_tool(
        [
            str(TOOLS / "crates_registry.py"),
            "build",
            str(tmp_path / "registry"),
            "--sources",
            str(tmp_path / "none"),
        ],
        tmp_path,
    )
    assert result.returncode == 1
    sentence = one_sentence(result.stderr)
    assert f"{tmp_path / 'none'}, which is missing" in sentence
    assert "leave --sources out to use Debian 12's and 13's crate packages" in sentence
    with pytest.raises(FileNotFoundError):  # what callers caught before stays true
        crates_registry.build_registry(tmp_path / "registry", tmp_path / "none")


def test_an_unreachable_debian_mirror_is_one_sentence_naming_it_and_its_variable(
    tmp_path: Path,
) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused.
    mirror = "http://127.0.0.1:9/debian"
    result = run_tool(
        [str(TOOLS / "crates_registry.py"), "build", str(tmp_path / "registry")],
        tmp_path,
        CLASSIC_BP_DEBIAN_MIRROR=mirror,
        CLASSIC_BP_FIXTURE_CACHE=str(tmp_path / "cache"),
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    progress, sentence = result.stderr.strip().splitlines()  # what it tried, why it stopped
    assert progress == f"fetching Debian bookworm's crate packages from {mirror} (once)"
    assert f"{mirror}/dists/bookworm/main/binary-amd64/Packages.xz could not be fetched" in (
        sentence
    )
    assert "set CLASSIC_BP_DEBIAN_MIRROR to a Debian mirror it reaches" in sentence
    # Nothing half-made is left for the next run to trust.
    assert [path.suffix for path in (tmp_path / "cache").iterdir()] == [".lock"]


def test_the_demo_needs_the_crates_registry_only_for_apps_with_crates() -> None:
    assert demo.registry_crates(APPS_DIR / "web-std") == 0
    assert demo.registry_crates(APPS_DIR / "bench-service") > 10


def test_make_test_without_root_names_sudo_and_the_missing_packages(monkeypatch, capsys) -> None:
    monkeypatch.setattr(dev_env, "is_root", lambda: False)
    monkeypatch.setattr(prerequisites, "is_root", lambda: False)
    monkeypatch.setattr(dev_env, "check_rust_toolchain", lambda: None)
    monkeypatch.setattr(dev_env, "missing_packages", lambda packages: ["debootstrap"])
    assert dev_env.main(["test"]) == 1
    sentence = one_sentence(capsys.readouterr().err)
    assert "needs root: run `sudo make test`" in sentence
    assert "`sudo apt-get install -y --no-install-recommends debootstrap`" in sentence


def test_make_test_as_root_installs_only_the_missing_packages(monkeypatch) -> None:
    commands: list[list[str]] = []

    def fake_run(command, **kwargs):
        commands.append(list(command))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(dev_env, "is_root", lambda: True)
    monkeypatch.setattr(dev_env, "missing_packages", lambda packages: ["redis-server"])
    monkeypatch.setattr(dev_env.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(dev_env.subprocess, "run", fake_run)
    dev_env.ensure_apt_packages(dev_env.test_packages(), "`make test`")
    assert commands == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"],
    ]


def test_the_suite_installs_its_servers_the_stacks_dev_packages_and_no_crate_package() -> None:
    # The crate sources are fetched from the Debian archive (debian_crates.py), so
    # what apt installs has the same names on Debian 12 and Ubuntu 22.04/24.04.
    assert dev_env.test_packages() == [
        "debootstrap",
        "redis-server",
        "git",
        "openssh-server",
        "openssh-client",
        "debian-archive-keyring",
        "postgresql",  # conftest.postgres_url
        "libpq-dev",  # pq-sys, openssl-sys: the -dev packages the stacks carry
        "libssl-dev",
        "pkg-config",
    ]


def test_no_venv_module_is_one_sentence_naming_the_package(
    monkeypatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setattr(dev_env, "check_rust_toolchain", lambda: None)
    monkeypatch.setattr(dev_env, "check_c_compiler", lambda: None)
    monkeypatch.setattr(dev_env.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(dev_env.sys, "executable", "/usr/bin/python3")
    monkeypatch.setattr(prerequisites, "is_root", lambda: False)
    assert dev_env.main(["run", "--venv", str(tmp_path / "venv")]) == 1
    sentence = one_sentence(capsys.readouterr().err)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert "Python's venv module is missing" in sentence
    assert f"`sudo apt-get install -y --no-install-recommends python{version}-venv`" in sentence
    assert not (tmp_path / "venv").exists()


def test_a_venv_another_python_made_is_made_again_then_reused(
    monkeypatch, tmp_path: Path, capsys
) -> None:
    venv = tmp_path / "venv"

    def python_of_venv(made_by: str) -> None:
        """A stand-in for the venv's python: it says which Python it is, and any
        other command (pip) succeeds."""
        python = dev_env.venv_python(venv)
        python.parent.mkdir(parents=True, exist_ok=True)
        python.write_text(f"#!/bin/sh\necho '{made_by}'\n")
        python.chmod(0o755)

    python_of_venv("3.9.2 from /opt/other-python")
    (venv / f"{dev_env.STAMP_PREFIX}run").write_text(dev_env.stamp_text("run"))
    made: list[Path] = []

    def create_venv(path: Path, install_venv_package: bool) -> None:
        made.append(path)
        python_of_venv(dev_env.running_python())

    monkeypatch.setattr(dev_env, "create_venv", create_venv)
    assert dev_env.ensure_venv(venv, "run") == dev_env.venv_python(venv)
    assert made == [venv]
    said = capsys.readouterr().out.splitlines()[0]
    assert said == (
        f"make: the virtual environment {venv} runs Python 3.9.2 from /opt/other-python,"
        f" not this one: making it again with {sys.executable}"
        f" (Python {dev_env.running_python()})"
    )
    assert dev_env.ensure_venv(venv, "run") == dev_env.venv_python(venv)
    assert made == [venv]  # this Python's venv, installed: kept as it is
    assert capsys.readouterr().out == ""


def test_a_venv_says_which_python_it_runs_on_as_this_python_says_it(tmp_path: Path) -> None:
    python = dev_env.venv_python(tmp_path / "venv")
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)  # not a venv, but the same interpreter
    assert dev_env.venv_made_by(tmp_path / "venv") == dev_env.running_python()
    python.unlink()
    python.symlink_to(tmp_path / "gone")
    assert dev_env.venv_made_by(tmp_path / "venv") is None


def test_make_passes_pytest_args_and_uses_the_venv() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "test", "PYTEST_ARGS=-x tests/platforms/test_detect.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ".venv/bin/python -m pytest -x tests/platforms/test_detect.py" in dry_run
    assert "dev_env.py test --venv .venv" in dry_run


def test_nothing_installs_into_the_system_python() -> None:
    for path in (REPO_ROOT / "Makefile", REPO_ROOT / ".ci" / "run"):
        text = path.read_text()
        assert "pip install" not in text, path
        assert "python3 -m pip" not in text, path
