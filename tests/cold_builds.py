"""Apps built cold in a stack stand-in, once each, for the tests of a module.

Each (app, stack, config vars) is built through detect, compile and release
in a stack stand-in (stack_runner.py) with an empty cache the first time a
test asks for it; later tests get that build, and its cache dir as the build
left it (copy it before building on it: ``copied_cache``). The ``cold_builds``
fixture (tests/conftest.py) points them at the rustup mirror and the crates.io
stand-in on 127.0.0.1, as config vars.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from platform_runner import APPS_DIR, write_env_dir
from stack_rootfs import STACK_SUITES, build_rootfs
from stack_runner import BuildpackRun, StackRunner


@dataclass
class ColdBuild:
    """An app built with an empty cache; ``cache`` stays as that build left it."""

    stack: str
    runner: StackRunner
    env: Path
    cache: Path
    app: Path
    run: BuildpackRun
    seconds: float

    def linked_libraries(self, binary: str) -> str:
        """``ldd`` of the slug's ``bin/<binary>``, in the stand-in: the stack's
        libraries the binary would load there."""
        ldd = self.runner.run(
            ["ldd", f"/app/bin/{binary}"], app_dir=self.app, app_target="/app", timeout=60
        )
        assert ldd.returncode == 0, ldd.stderr
        return ldd.stdout


class ColdBuilds:
    """Each (app, stack, config vars) built cold on first use, once."""

    def __init__(self, root: Path, buildpack: Path, env_vars: dict[str, str]) -> None:
        self.root = root
        self.buildpack = buildpack
        self.env_vars = env_vars
        self.done: dict[tuple, ColdBuild] = {}

    def get(self, app: str, stack: str, **config_vars: str) -> ColdBuild:
        """``config_vars``: the app's own, beside the mirrors'."""
        key = (app, stack, tuple(sorted(config_vars.items())))
        if key not in self.done:
            self.done[key] = self._build(app, stack, config_vars)
        return self.done[key]

    def _build(self, app: str, stack: str, config_vars: dict[str, str]) -> ColdBuild:
        work = self.root / f"{app}-{stack}-{len(self.done)}"
        runner = StackRunner(build_rootfs(STACK_SUITES[stack]), self.buildpack, stack=stack)
        env = write_env_dir(work / "env", **self.env_vars, **config_vars)
        cache = work / "cache"
        cache.mkdir()
        checkout = fresh_checkout(work, app)
        started = time.monotonic()
        run = runner.run_buildpack(checkout, cache, env, timeout=1500)
        seconds = time.monotonic() - started
        print(f"{app} on {stack}: cold build in {seconds:.0f} s")
        return ColdBuild(stack, runner, env, cache, checkout, run, seconds)


def fresh_checkout(parent: Path, app: str) -> Path:
    """A copy of the app with every mtime new, as a git clone makes it."""
    destination = parent / f"checkout-{len(list(parent.glob('checkout-*')))}"
    shutil.copytree(APPS_DIR / app, destination, copy_function=shutil.copyfile)
    return destination


def copied_cache(build: ColdBuild, destination: Path) -> Path:
    """The cold build's cache, copied whole (owners, modes, mtimes, links kept)."""
    subprocess.run(["cp", "-a", str(build.cache), str(destination)], check=True)
    return destination
