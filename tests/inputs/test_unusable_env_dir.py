"""An ENV_DIR that is there but cannot be read fails the build, naming it.

Taken for empty, it would drop every config var (the mirrors, the BP_*
settings, RUSTFLAGS) without a word, and build something other than what the
app asks for. No ENV_DIR at all is the normal case of an app without config
vars (and of older herokuish versions): no config vars, no error.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.platform.env_dir import read_env_dir
from platform_runner import Platform
from tests.assertions import assert_user_error


def test_a_file_as_env_dir_fails_the_build_at_once_naming_it(
    platform: Platform, tmp_path: Path
) -> None:
    env_file = tmp_path / "env-file"
    env_file.write_text("RUSTUP_DIST_SERVER=https://mirror.example\n")
    build_dir = platform.new_build_dir("web-std")
    started = time.monotonic()
    result = platform.run("compile", build_dir, platform.cache_dir, env_file)
    assert_user_error(
        result, f"The env dir {env_file} (ENV_DIR, the app's config vars)", "not a directory"
    )
    assert "Reading the app's configuration" in result.stdout
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda path: path.write_text("BP_RUST_TOOLCHAIN=nightly"), "it is not a directory"),
        (lambda path: path.symlink_to(path.parent / "gone"), "it is a link to nothing"),
    ],
    ids=["a file", "a broken link"],
)
def test_an_env_dir_that_is_no_directory_is_an_error(tmp_path: Path, make, why: str) -> None:
    env_dir = tmp_path / "env"
    make(env_dir)
    with pytest.raises(errors.BuildError) as raised:
        read_env_dir(env_dir)
    assert raised.value.reason == "unusable_env_dir"
    assert str(env_dir) in str(raised.value) and why in str(raised.value)


def test_no_env_dir_means_no_config_vars(tmp_path: Path) -> None:
    assert dict(read_env_dir(tmp_path / "absent").variables) == {}
