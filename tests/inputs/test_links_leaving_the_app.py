"""No app file is read through a link that leaves the app (app_files.py).

Cargo.toml, Cargo.lock, the toolchain files, RustConfig and cargo's config
are refused by name when they resolve outside the app, their content never
shown, and so is a workspace member reached through such a link; links
inside the app are followed, and a broken one is told apart
(docs/reliability.md, "Links and files").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classic_bp import app_files, errors
from classic_bp.config.procfile import read_process_types
from platform_runner import Platform
from tests.assertions import assert_user_error


@pytest.mark.parametrize(
    "relative",
    [
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain",
        "rust-toolchain.toml",
        "RustConfig",
        ".cargo/config.toml",
        ".cargo/config",
    ],
)
def test_an_app_file_linked_outside_the_app_is_refused_unread(
    platform: Platform, tmp_path: Path, relative: str
) -> None:
    leak = tmp_path / "credentials"
    leak.write_text("AWS_SECRET=do-not-print-me\n[[[ not toml")
    build_dir = platform.new_build_dir("web-std")
    path = build_dir / relative
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    path.symlink_to(leak)
    result = platform.compile(build_dir)
    assert_user_error(result, f"The app's {relative} leads outside the app")
    assert "do-not-print-me" not in result.log


def test_a_member_reached_through_a_link_outside_the_app_is_refused(
    platform: Platform, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "src").mkdir(parents=True)
    (outside / "Cargo.toml").write_text('[package]\nname = "leak"\nversion = "0.1.0"\n')
    build_dir = platform.new_build_dir("workspace")
    (build_dir / "crates" / "linked").symlink_to(outside)
    result = platform.compile(build_dir)
    assert_user_error(result, "crates/linked/Cargo.toml leads outside the app")


def test_links_inside_the_app_and_broken_links_are_told_apart(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "real").mkdir(parents=True)
    (app / "real" / "Procfile").write_text("web: bin/web\n")
    (app / "Procfile").symlink_to("real/Procfile")
    assert read_process_types(app) == {"web": "bin/web"}
    (app / "RustConfig").symlink_to(app / "missing")
    with pytest.raises(errors.BuildError, match="RustConfig cannot be read"):
        app_files.read_text(app, app / "RustConfig")
    (app / "loop").symlink_to("loop")
    with pytest.raises(errors.BuildError, match="broken link"):
        app_files.check_inside(app, app / "loop")
