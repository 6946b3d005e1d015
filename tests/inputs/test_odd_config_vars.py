"""Config vars no process environment can hold are left out, named, and the build goes on.

An entry of the env dir that is not a regular file or not a variable name,
a value with a NUL byte, not UTF-8 or over 128 KiB, is skipped with its
reason; when the values together pass 1 MiB, the largest go first; a fifo
never hangs the build (docs/reliability.md, "Config vars of unusual size or
shape").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from classic_bp.platform.env_dir import MAX_VARIABLE_BYTES, read_env_dir
from platform_runner import Platform
from tests.assertions import assert_user_error
from tests.inputs.early_stops import STOP


@pytest.fixture
def odd_env_dir(tmp_path: Path) -> Path:
    env = tmp_path / "odd-env"
    env.mkdir()
    (env / "GOOD").write_text("value\n")
    (env / "LINKED").symlink_to(env / "GOOD")
    (env / "A_DIR").mkdir()
    os.mkfifo(env / "A_FIFO")  # opened for reading, a fifo would block forever
    (env / "DANGLING").symlink_to(tmp_path / "nowhere")
    (env / "not-a-name").write_text("x")
    (env / "WITH_NUL").write_bytes(b"a\0b")
    (env / "NOT_UTF8").write_bytes(b"caf\xe9")
    (env / "HUGE").write_bytes(b"x" * (MAX_VARIABLE_BYTES + 10))
    (env / "JUST_UNDER").write_bytes(b"y" * (MAX_VARIABLE_BYTES - 100))
    (env / ".hidden").write_text("platform file")
    (env / "LD_PRELOAD").write_text("/evil.so")
    return env


def test_each_odd_entry_of_the_env_dir_is_skipped_by_name(odd_env_dir: Path) -> None:
    app_env = read_env_dir(odd_env_dir)
    assert app_env.variables["GOOD"] == "value"
    assert app_env.variables["LINKED"] == "value"  # ENV_DIR is the platform's: links are fine
    assert len(app_env.variables["JUST_UNDER"]) == MAX_VARIABLE_BYTES - 100
    skipped = dict(app_env.skipped)
    assert skipped["A_DIR"] == "it is not a regular file"
    assert skipped["A_FIFO"] == "it is not a regular file"
    assert "cannot be read" in skipped["DANGLING"]
    assert skipped["not-a-name"] == "it is not a valid variable name"
    assert "NUL byte" in skipped["WITH_NUL"]
    assert "not UTF-8" in skipped["NOT_UTF8"]
    assert "over 128 KiB" in skipped["HUGE"]
    assert ".hidden" not in skipped and ".hidden" not in app_env.variables
    assert app_env.ignored == ("LD_PRELOAD",)


def test_config_vars_over_the_environment_budget_drop_the_largest(tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.mkdir()
    for index in range(12):  # 12 x 100 KiB: each fits, together they do not
        (env / f"BUNDLE_{index:02}").write_bytes(b"z" * (100 * 1024 + index))
    (env / "SMALL").write_text("kept")
    app_env = read_env_dir(env)
    skipped = [name for name, _ in app_env.skipped]
    assert skipped[:2] == ["BUNDLE_11", "BUNDLE_10"]  # the largest first
    assert "SMALL" in app_env.variables
    size = sum(len(n) + len(v) + 2 for n, v in app_env.variables.items())
    assert size <= 1024 * 1024


def test_a_build_with_odd_config_vars_warns_and_never_hangs(
    platform: Platform, odd_env_dir: Path
) -> None:
    for entry in odd_env_dir.iterdir():
        target = platform.env_dir / entry.name
        if entry.is_symlink():
            target.symlink_to(os.readlink(entry))
        elif entry.is_dir():
            target.mkdir()
        elif entry.name == "A_FIFO":
            os.mkfifo(target)
        else:
            target.write_bytes(entry.read_bytes())
    platform.set_config(**STOP)
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, "BP_RUST_TOOLCHAIN")
    for name in ("A_DIR", "A_FIFO", "not-a-name", "WITH_NUL", "NOT_UTF8", "HUGE"):
        assert f"  - {name}: " in result.stderr, result.stderr
    assert "left out of the build environment" in result.stderr
    assert "E2BIG" not in result.log and "Argument list too long" not in result.log
