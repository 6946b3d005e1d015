"""The fixed path cargo compiles through: trusted only when it is ours alone."""

from __future__ import annotations

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
