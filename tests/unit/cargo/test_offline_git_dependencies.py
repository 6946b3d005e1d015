"""A locked git dependency with no checkout in cargo's home means going online at once.

Before, a cold build of an app with a git dependency said "Every crate this
build needs is in the cache: no registry request", ran cargo offline, and
only then, after cargo failed with "you are in the offline mode", ran it
again online. Real cargo and a real git repository (a file:// URL) here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from classic_bp.cargo.offline import can_run_offline

CARGO = Path.home() / ".cargo" / "bin" / "cargo"


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def crate(directory: Path, name: str, dependencies: str = "") -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f"[dependencies]\n{dependencies}"
    )
    (directory / "src" / "lib.rs").write_text("pub fn hello() {}\n")
    return directory


def test_a_git_dependency_runs_offline_only_once_checked_out(tmp_path: Path) -> None:
    library = crate(tmp_path / "library", "gitlib")
    git("init", "-q", "-b", "main", cwd=library)
    git("add", ".", cwd=library)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one", cwd=library)
    app = crate(tmp_path / "app", "app", f'gitlib = {{ git = "file://{library}" }}\n')
    cargo_home = tmp_path / "cargo-home"
    environment = {**os.environ, "CARGO_HOME": str(cargo_home), "RUSTUP_TOOLCHAIN": "stable"}
    lock = subprocess.run(
        [str(CARGO), "generate-lockfile"], cwd=app, env=environment, capture_output=True, text=True
    )
    assert lock.returncode == 0, lock.stderr
    assert 'source = "git+file://' in (app / "Cargo.lock").read_text()
    # A fresh cache with the committed Cargo.lock: the dependency is not there.
    fresh_home = tmp_path / "fresh-cargo-home"
    assert can_run_offline(app / "Cargo.lock", fresh_home) is False
    (fresh_home / "git" / "checkouts" / "other-repository-0123" / "abcdef0").mkdir(parents=True)
    assert can_run_offline(app / "Cargo.lock", fresh_home) is False

    environment["CARGO_HOME"] = str(fresh_home)
    fetch = subprocess.run(
        [str(CARGO), "fetch", "--locked"], cwd=app, env=environment, capture_output=True, text=True
    )
    assert fetch.returncode == 0, fetch.stderr
    assert can_run_offline(app / "Cargo.lock", fresh_home) is True
    offline = subprocess.run(
        [str(CARGO), "build", "--locked", "--offline"],
        cwd=app,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert offline.returncode == 0, offline.stderr  # what "can run offline" promises
