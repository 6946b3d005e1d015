"""A mistake in the app's files or settings is a user error that says where, never a traceback.

RustConfig read as the old buildpack's bash read it (an unbalanced quote, a
NUL byte, flags split on blanks, nothing run), malformed workspaces, and
malformed mirror URLs, whose credentials the error does not show.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from platform_runner import Platform
from tests.assertions import assert_user_error
from tests.inputs.early_stops import STOP


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("VERSION='1.80\n", "line 1: no closing quotation"),
        ('VERSION=1.80\nRUST_CARGO_BUILD_FLAGS="--features x\n', "line 2: no closing quotation"),
        ("# comment\nBUILD_PATH=a\\\n", "line 2: no escaped character"),
    ],
)
def test_an_unbalanced_quote_in_rustconfig_is_a_user_error(
    platform: Platform, content: str, fragment: str
) -> None:
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "RustConfig").write_text(content)
    result = platform.compile(build_dir)
    assert_user_error(result, "Could not read RustConfig", fragment)


def test_a_nul_byte_in_rustconfig_build_path_is_a_user_error(platform: Platform) -> None:
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "RustConfig").write_bytes(b"BUILD_PATH=serv\0er\n")
    result = platform.compile(build_dir)
    assert_user_error(result, "--path=serv\\0er", "no package of the app is there")


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        # Inside bash's double quotes a single quote is a plain character, and the
        # old buildpack expanded $RUST_CARGO_BUILD_FLAGS unquoted: blanks split it.
        ('"--features \'a"', ["--features", "'a"]),
        ("'--features  a\tb  -v'", ["--features", "a", "b", "-v"]),
        ('"--bin \\"x y\\""', ["--bin", '"x', 'y"']),
    ],
)
def test_rustconfig_flags_split_as_bash_expands_them(
    platform: Platform, flags: str, words: list[str]
) -> None:
    """Each word reaches cargo install as bash would have split it: no quote in
    the value groups words or is dropped, and nothing is run."""
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "RustConfig").write_text(f"RUST_CARGO_BUILD_FLAGS={flags}\n")
    platform.set_config(**STOP)
    result = platform.compile(build_dir)
    # Stopped before anything slow: by STOP, or first by the check of the feature
    # names (web-std has no feature `a`; `'a` is no feature name at all).
    assert_user_error(result)
    # shlex.join quotes each word: the log shows exactly where the value was split.
    expected = shlex.join(["--locked", *words])
    assert f"RUST_CARGO_BUILD_FLAGS -> BP_CARGO_INSTALL_ARGS={expected}" in result.stdout


@pytest.mark.parametrize(
    ("manifest", "fragment"),
    [
        ('[workspace]\nmembers = "crates/*"\n', "`workspace.members` must list paths"),
        ('[workspace]\nmembers = []\nexclude = "x"\n', "`workspace.exclude` must list paths"),
        ('[workspace]\nmembers = ["/abs/*"]\n', "workspace member pattern '/abs/*'"),
        ('[workspace]\nmembers = ["../../x"]\n', "../../x/Cargo.toml leads outside the app"),
    ],
)
def test_malformed_workspaces_are_user_errors(
    platform: Platform, tmp_path: Path, manifest: str, fragment: str
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "Cargo.toml").write_text('[package]\nname = "outside"\n')
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "Cargo.toml").write_text(manifest)
    result = platform.compile(build_dir)
    assert_user_error(result, fragment)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RUSTUP_DIST_SERVER", "http://[mirror"),
        ("RUSTUP_UPDATE_ROOT", "https://tok3n-value@mirror:port/rustup"),
        ("BP_CARGO_REGISTRY_MIRROR", "sparse+https://robot:tok3n-value@[::1/index/"),
    ],
)
def test_malformed_urls_are_user_errors_without_their_credentials(
    platform: Platform, variable: str, value: str
) -> None:
    platform.set_config(**{variable: value})
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, variable)
    assert "tok3n-value" not in result.log
