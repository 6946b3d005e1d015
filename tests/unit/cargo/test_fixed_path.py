"""The fixed path cargo compiles through: trusted only when it is ours alone."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

from classic_bp.cargo import fixed_path


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def shared_root(tmp: Path) -> Path:
    return tmp / f"classic-bp-{os.getuid()}"


def test_the_shared_root_is_private_and_links_to_the_build_dir(private_tmp: Path) -> None:
    build_dir = private_tmp / "build_1"
    (build_dir / ".cargo").mkdir(parents=True)
    (build_dir / ".cargo" / "config.toml").write_text("")
    fixed = fixed_path.claim(build_dir)
    try:
        assert fixed.stable and fixed.root == shared_root(private_tmp)
        assert fixed.root.stat().st_mode & 0o777 == 0o700
        assert fixed.app.resolve() == build_dir
        assert fixed.translate(build_dir / "crates" / "a") == fixed.app / "crates" / "a"
        assert fixed.app_config_files() == [fixed.app / ".cargo" / "config.toml"]
    finally:
        fixed.release()
    assert not fixed.app.is_symlink()

    again = fixed_path.claim(private_tmp / "build_2")  # the next build, another path
    assert again.stable and again.root == fixed.root
    again.release()


def test_a_second_build_at_the_same_time_gets_a_private_root(private_tmp: Path) -> None:
    first = fixed_path.claim(private_tmp / "one")
    second = fixed_path.claim(private_tmp / "two")
    try:
        assert first.stable and not second.stable
        assert second.root.parent == first.root
        assert first.app.resolve() == private_tmp / "one"
        assert second.app.resolve() == private_tmp / "two"
    finally:
        second.release()
        first.release()
    assert not second.root.exists()


@pytest.mark.parametrize("plant", ["writable dir", "symlink"])
def test_a_root_planted_by_someone_else_is_never_used(private_tmp: Path, plant: str) -> None:
    elsewhere = private_tmp / "attacker"
    elsewhere.mkdir()
    if plant == "symlink":
        shared_root(private_tmp).symlink_to(elsewhere)
    else:
        shared_root(private_tmp).mkdir()
        shared_root(private_tmp).chmod(0o777)
    fixed = fixed_path.claim(private_tmp / "build")
    try:
        assert not fixed.stable
        assert shared_root(private_tmp) not in fixed.root.parents
        assert list(elsewhere.iterdir()) == []
    finally:
        fixed.release()


def a_build_dir(tmp: Path, name: str = "build_1") -> Path:
    build_dir = tmp / name
    (build_dir / "src").mkdir(parents=True)
    (build_dir / ".cargo").mkdir()
    (build_dir / ".cargo" / "config.toml").write_text("")
    (build_dir / "Cargo.toml").write_text("[package]\n")
    (build_dir / "src" / "lib.rs").write_text("")
    os.utime(build_dir / "src" / "lib.rs", ns=(10**18, 10**18))
    return build_dir


def listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_with_sccache_the_app_itself_is_at_the_fixed_path_while_cargo_runs(
    private_tmp: Path,
) -> None:
    build_dir = a_build_dir(private_tmp)
    before = listing(build_dir)
    fixed = fixed_path.claim(build_dir, move_app=True)
    try:
        with fixed.app_in_place():
            # A real folder: a working directory in it is the fixed path itself.
            assert not fixed.app.is_symlink() and listing(fixed.app) == before
            assert os.listdir(build_dir) == []
            assert (fixed.app / "src" / "lib.rs").stat().st_mtime_ns == 10**18
            (fixed.app / "Cargo.lock").touch()  # what cargo writes into the app
            assert fixed.app_config_files() == [fixed.app / ".cargo" / "config.toml"]
        assert listing(build_dir) == sorted([*before, "Cargo.lock"])
        assert (build_dir / "src" / "lib.rs").stat().st_mtime_ns == 10**18
        assert fixed.app.is_symlink() and fixed.app.resolve() == build_dir
        assert not (fixed.root / fixed_path.MOVED_FROM).exists()
    finally:
        fixed.release()
    assert not fixed.app.exists()


def test_the_app_goes_back_when_cargo_fails(private_tmp: Path) -> None:
    build_dir = a_build_dir(private_tmp)
    before = listing(build_dir)
    fixed = fixed_path.claim(build_dir, move_app=True)
    try:
        with pytest.raises(KeyboardInterrupt), fixed.app_in_place():
            raise KeyboardInterrupt  # Ctrl-C, or SIGTERM (guard.Terminated), mid-cargo
        assert listing(build_dir) == before
    finally:
        fixed.release()


def test_without_sccache_cargo_goes_through_the_link(private_tmp: Path) -> None:
    build_dir = a_build_dir(private_tmp)
    fixed = fixed_path.claim(build_dir)
    try:
        with fixed.app_in_place():
            assert fixed.app.is_symlink() and (build_dir / "Cargo.toml").is_file()
    finally:
        fixed.release()


def test_on_another_file_system_the_link_is_used_and_the_log_says_why(
    private_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build_dir = a_build_dir(private_tmp)
    before = listing(build_dir)
    real_rename, calls = os.rename, []

    def rename(source, destination) -> None:
        calls.append(source)
        if len(calls) == 2:  # the first entry moved, the second one cannot
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    fixed = fixed_path.claim(build_dir, move_app=True)
    try:
        with fixed.app_in_place():
            assert fixed.app.is_symlink() and listing(build_dir) == before
    finally:
        fixed.release()
    log = capsys.readouterr().out
    assert log.count("could not be moved") == 1
    assert "(another file system)" in log
    assert "only dependency crates come from the shared cache" in log


def killed_with_the_app_moved(build_dir: Path) -> Path:
    """What a SIGKILL during cargo leaves: the app at the fixed path, the lock gone."""
    fixed = fixed_path.claim(build_dir, move_app=True)
    fixed_path._move_in(fixed.root, build_dir)
    assert os.listdir(build_dir) == []
    os.close(fixed._lock)  # the process is gone, and its lock with it
    return fixed.root


def test_after_a_kill_the_next_build_puts_the_app_back_into_its_empty_build_dir(
    private_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    killed = a_build_dir(private_tmp, "killed")
    before = listing(killed)
    killed_with_the_app_moved(killed)
    fixed = fixed_path.claim(a_build_dir(private_tmp, "next"), move_app=True)
    try:
        assert listing(killed) == before
        assert fixed.app.resolve() == private_tmp / "next"
        assert f"moved back to {killed}" in capsys.readouterr().out
    finally:
        fixed.release()


@pytest.mark.parametrize("then", ["removed", "a new checkout"])
def test_a_leftover_app_whose_build_dir_moved_on_is_deleted(private_tmp: Path, then: str) -> None:
    killed = a_build_dir(private_tmp, "killed")
    root = killed_with_the_app_moved(killed)
    killed.rmdir()
    if then == "a new checkout":  # the same path (Dokku: /tmp/build), new files
        (killed / "new").mkdir(parents=True)
    fixed = fixed_path.claim(a_build_dir(private_tmp, "next"), move_app=True)
    try:
        assert fixed.app.is_symlink()
        assert not (root / fixed_path.MOVED_FROM).exists()
        assert listing(killed) == (["new"] if then == "a new checkout" else [])
    finally:
        fixed.release()
