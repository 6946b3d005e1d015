"""Drive the buildpack's bin/ scripts exactly as a platform does.

Each compile gets a fresh build dir under ``builds/<id>`` (Scalingo's
``/build/<request id>``), the cache and env dirs are plain folders, and the
process environment is the small one a build container has: no Rust on PATH,
only a python3 and the system tools.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = REPO_ROOT / "scalingo-22-fixtures" / "apps"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


def copy_buildpack(destination: Path) -> Path:
    """What a git clone of the buildpack holds: bin/ and lib/, nothing cached."""
    for part in ("bin", "lib"):
        shutil.copytree(
            REPO_ROOT / part,
            destination / part,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return destination


@dataclass
class Platform:
    buildpack: Path
    workdir: Path
    process_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cache_dir = self.workdir / "cache"
        self.env_dir = self.workdir / "env"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.env_dir.mkdir(parents=True, exist_ok=True)

    def environment(self) -> dict[str, str]:
        python_dir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{python_dir}:{SYSTEM_PATH}",
            "HOME": str(self.workdir / "home"),
            "STACK": "scalingo-22",
            "LANG": "C.UTF-8",
            **self.process_env,
        }

    def set_config(self, **variables: str) -> None:
        """App config vars, as the platform writes them into ENV_DIR."""
        for name, value in variables.items():
            (self.env_dir / name).write_text(value)

    def new_build_dir(self, app: str) -> Path:
        build_dir = self.workdir / "builds" / uuid.uuid4().hex[:12]
        shutil.copytree(APPS_DIR / app, build_dir, ignore=shutil.ignore_patterns("target"))
        return build_dir

    def run(self, script: str, *arguments: Path | str, timeout: float = 900) -> Result:
        completed = subprocess.run(
            [str(self.buildpack / "bin" / script), *map(str, arguments)],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def detect(self, build_dir: Path) -> Result:
        return self.run("detect", build_dir)

    def compile(self, build_dir: Path) -> Result:
        return self.run("compile", build_dir, self.cache_dir, self.env_dir)

    def release(self, build_dir: Path) -> Result:
        return self.run("release", build_dir)

    def build(self, app: str) -> tuple[Path, Result]:
        """A fresh checkout of ``app`` compiled with this platform's cache."""
        build_dir = self.new_build_dir(app)
        return build_dir, self.compile(build_dir)


def hardlink_tree(source: Path, destination: Path) -> None:
    """A cheap copy of a read-mostly tree (a toolchain): files are hard links."""
    shutil.copytree(source, destination, copy_function=os.link, symlinks=True)
