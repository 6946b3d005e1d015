"""The SBOM's cargo metadata starts only once cargo compiles (slug/early_metadata.py).

Resolving a workspace takes the package cache's download lock. A cargo
metadata started beside cargo's own resolution made cargo print "Blocking
waiting for file lock on package cache" into a warm rebuild's log (seen in a
full CI run). Cargo holds its build-directory lock (``target/release/.cargo-lock``)
from the end of its resolution to the end of its compilation: a start that
finds that lock free came too early.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from classic_bp.cargo import fixed_path
from classic_bp.cargo.build import compile_app
from classic_bp.config.build_config import load_config
from classic_bp.platform.env_dir import AppEnv, Settings
from classic_bp.slug.early_metadata import MetadataBesideBuild
from tests.unit.slug.test_sbom import (
    APPS,
    CARGO,
    registry_root,  # noqa: F401  (a fixture)
    warm_app,
)


def cargo_is_compiling(target_dir: Path) -> bool:
    """Whether a cargo holds the build-directory lock of ``target_dir`` now."""
    lock = target_dir / "release" / ".cargo-lock"
    if not lock.exists():
        return False
    descriptor = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


class RecordingStart(MetadataBesideBuild):
    """The real cargo metadata, recording whether cargo was compiling when it started."""

    def __init__(self, *args, target_dir: Path, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.target_dir = target_dir
        self.starts: list[bool] = []

    def start(self, app_root: Path) -> None:
        if not self.starts:
            self.starts.append(cargo_is_compiling(self.target_dir))
        super().start(app_root)


def test_metadata_starts_after_cargo_resolved_on_a_warm_offline_build(
    registry_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    build_dir = tmp_path / "build"
    shutil.copytree(APPS / "lib-and-bin", build_dir)
    environment = warm_app(registry_root, build_dir, tmp_path / "cargo-home", [])
    target_dir = tmp_path / "target"
    build = ["build", "--release", "--locked", "--offline", "--target-dir", str(target_dir)]
    first = subprocess.run(
        [str(CARGO), *build],
        cwd=build_dir,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 0, first.stderr  # warm: every crate cached and compiled
    main = build_dir / "src" / "bin" / "vs.rs"
    main.write_text(main.read_text() + "\n// changed: cargo compiles the app again\n")

    config = load_config(build_dir, Settings(AppEnv({}, ()), {}))
    early = RecordingStart(CARGO, environment, target_dir=target_dir)
    fixed = fixed_path.claim(build_dir)
    try:
        app = compile_app(config, fixed, CARGO, target_dir, environment, early)
    finally:
        fixed.release()

    assert app.binaries
    assert early.starts == [True], "cargo metadata started before cargo's resolution was over"
    answer = early.answer()
    assert answer is not None and answer.metadata is not None
