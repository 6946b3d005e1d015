"""The app's binaries and workspace members, found as cargo finds them (config/project.py).

[[bin]] sections, src/main.rs and src/bin/ (a file, or a folder with a
main.rs), `autobins = false`, and the members' globs and excludes.
"""

from __future__ import annotations

from pathlib import Path

from classic_bp.config.project import load_project


def write(path: Path, text: str = "fn main() {}\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_binary_targets_are_found_as_cargo_finds_them(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml",
        '[package]\nname = "app"\nversion = "0.1.0"\n\n'
        '[[bin]]\nname = "server"\npath = "src/server.rs"\n',
    )
    write(tmp_path / "src" / "main.rs")
    write(tmp_path / "src" / "server.rs")
    write(tmp_path / "src" / "bin" / "migrate.rs")
    write(tmp_path / "src" / "bin" / "worker" / "main.rs")
    write(tmp_path / "src" / "bin" / "helpers" / "util.rs")  # no main.rs: not a binary
    project = load_project(tmp_path)
    assert project.binaries() == ("server", "app", "migrate", "worker")


def test_autobins_false_keeps_only_declared_binaries(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml",
        '[package]\nname = "app"\nversion = "0.1.0"\nautobins = false\n\n'
        '[[bin]]\nname = "only"\npath = "src/main.rs"\n',
    )
    write(tmp_path / "src" / "main.rs")
    write(tmp_path / "src" / "bin" / "extra.rs")
    assert load_project(tmp_path).binaries() == ("only",)


def test_workspace_members_with_globs_and_excludes(tmp_path: Path) -> None:
    write(
        tmp_path / "Cargo.toml", '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/old"]\n'
    )
    for name in ("api", "old", "core"):
        write(tmp_path / "crates" / name / "Cargo.toml", f'[package]\nname = "{name}"\n')
    write(tmp_path / "crates" / "api" / "src" / "main.rs")
    write(tmp_path / "crates" / "core" / "src" / "lib.rs", "")
    project = load_project(tmp_path)
    assert [p.name for p in project.packages] == ["api", "core"]
    assert [p.name for p in project.binary_packages()] == ["api"]
