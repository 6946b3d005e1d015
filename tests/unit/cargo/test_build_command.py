"""BP_CARGO_INSTALL_ARGS, cargo install's arguments, become one `cargo build`
(cargo/build.py): one package or several, the same command, and the app's
files as `cargo install` left them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classic_bp.cargo.build import _copy_binaries, _lockfile_kept, build_command
from classic_bp.cargo.fixed_path import FixedPath
from classic_bp.config.build_config import load_config
from classic_bp.platform.env_dir import AppEnv, Settings

APPS = Path(__file__).resolve().parents[3] / "scalingo-22-fixtures" / "apps"
CARGO = Path("/opt/rust/bin/cargo")


def command(tmp_path: Path, app: str, **variables: str) -> list[str]:
    build_dir = tmp_path / "build"
    shutil.copytree(APPS / app, build_dir)
    config = load_config(build_dir, Settings(AppEnv(variables, ()), {}))
    fixed = FixedPath(tmp_path / "fixed", build_dir, stable=False)
    words = build_command(CARGO, fixed, tmp_path / "target", config)
    manifest = str(fixed.app / "Cargo.toml")
    assert words[:4] == [str(CARGO), "build", "--manifest-path", manifest]
    target = ["--target-dir", str(tmp_path / "target")]
    assert words[-4:] == [*target, "--message-format", "json-render-diagnostics"]
    return words[4:-4]


@pytest.mark.parametrize(
    ("app", "variables", "expected"),
    [
        ("web-std", {}, ["--release", "--locked", "--bins", "-p", "web-std"]),
        (
            "workspace",
            {"BP_CARGO_INSTALL_ARGS": "--locked --path=crates/web"},
            ["--release", "--locked", "--bins", "-p", "web-server"],
        ),
        (
            "web-std",
            {"BP_CARGO_INSTALL_ARGS": "--locked --debug --force --no-track -v"},
            ["--locked", "-v", "--bins", "-p", "web-std"],
        ),
        (
            "web-std",
            {"BP_CARGO_INSTALL_ARGS": "--frozen --profile=dev --bin web-std"},
            ["--frozen", "--profile=dev", "--bin", "web-std", "-p", "web-std"],
        ),
        (  # cargo install --example installs that example only, no binary
            "web-std",
            {"BP_CARGO_INSTALL_ARGS": "--locked --example demo"},
            ["--release", "--locked", "--example", "demo", "-p", "web-std"],
        ),
        (
            "workspace",
            {"BP_CARGO_WORKSPACE_MEMBERS": "worker-server,web-server"},
            ["--release", "--locked", "--bins", "-p", "worker-server", "-p", "web-server"],
        ),
    ],
)
def test_install_arguments_become_one_cargo_build(
    tmp_path: Path, app: str, variables: dict[str, str], expected: list[str]
) -> None:
    assert command(tmp_path, app, **variables) == expected


def test_without_locked_the_apps_lock_is_put_back_or_removed(tmp_path: Path) -> None:
    lockfile = tmp_path / "Cargo.lock"
    with _lockfile_kept(lockfile, locked=False):
        lockfile.write_text("# written by cargo build\n")
    assert not lockfile.exists()

    lockfile.write_text("# the app's\n")
    with _lockfile_kept(lockfile, locked=False):
        lockfile.write_text("# updated by cargo build\n")
    assert lockfile.read_text() == "# the app's\n"

    with pytest.raises(KeyboardInterrupt), _lockfile_kept(lockfile, locked=False):
        lockfile.unlink()
        raise KeyboardInterrupt
    assert lockfile.read_text() == "# the app's\n"


def test_a_binary_replaces_a_link_in_bin_and_never_writes_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("not the app's\n")
    bin_dir = tmp_path / "app" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "web").symlink_to(outside)
    built = tmp_path / "target" / "web"
    built.parent.mkdir()
    built.write_bytes(b"\x7fELF binary")
    _copy_binaries({"web": built}, bin_dir)
    assert outside.read_text() == "not the app's\n"
    assert not (bin_dir / "web").is_symlink()
    assert (bin_dir / "web").read_bytes() == b"\x7fELF binary"
    assert (bin_dir / "web").stat().st_mode & 0o777 == 0o755
    assert sorted(path.name for path in bin_dir.iterdir()) == ["web"]
