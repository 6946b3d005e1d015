"""Heroku CI: bin/test-compile builds the tests (bin/test runs them: ci_test.py).

test-compile gets the same Rust, caches and tools as compile and runs
``cargo test --no-run``. bin/test is given no cache dir, so test-compile
leaves a small record in the build dir saying where Rust and the compiled
tests are; bin/test runs ``cargo test`` (or ``cargo nextest run`` when
cargo-nextest is one of BP_CARGO_INSTALL_TOOLS) with it and exits with the
tests' result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from .. import errors
from ..cache import CacheLayout
from ..cargo import source_times
from ..cargo.failures import OutputWatch
from ..cargo.private_access import private_build
from ..platform import output, run
from ..rust.environment import HANDED_OVER
from .ci_test import TEST_ENV_PATH
from .compile import BuildContext, PreparedBuild, prepare_build


def command_for_tests(
    runner: str, target_dir: str, workspace: bool, locked: bool, features: Sequence[str] = ()
) -> list[str]:
    """What bin/test runs; test-compile runs the same with ``--no-run`` (cargo test).

    ``features``: the build's feature flags (config/features.py), the same for
    both, so that bin/test finds every test compiled."""
    command = ["cargo", "nextest", "run"] if runner == "nextest" else ["cargo", "test"]
    command += ["--target-dir", target_dir]
    command += ["--workspace"] if workspace else []
    command += ["--locked"] if locked else []
    command += features
    return command


def run_test_compile(context: BuildContext, process_env: Mapping[str, str]) -> None:
    """The app's bin/pre_compile runs here too (prepare_build), since the tests
    are compiled from what it writes. bin/post_compile does not: it runs once
    the binaries are installed, to make the slug's assets (it may run them),
    and test-compile installs no binary and makes no slug. (heroku-buildpack-
    python's test-compile is its compile, binaries and all: there, both run.)"""
    with private_build(CacheLayout(context.cache_dir).cargo_home) as private:
        _test_compile(context, prepare_build(context, process_env, private))


def _test_compile(context: BuildContext, build: PreparedBuild) -> None:
    config = build.config
    runner = "nextest" if "cargo-nextest" in config.tools.names() else "cargo"
    target_dir = str(build.target_dir)
    workspace = config.project.is_workspace
    with output.timed_step("Compiling the tests", "test_compile"):
        features = config.features.arguments()
        tests = command_for_tests("cargo", target_dir, workspace, config.install.locked, features)
        command = [str(build.rust.cargo), "test", "--no-run", *tests[2:]]
        watch = OutputWatch(stack=build.environment.get("STACK"))
        try:
            returncode = run.stream_command(
                command,
                env=build.rust.cargo_env(build.environment),
                cwd=context.build_dir,
                consume=watch,
            )
        finally:
            build.finish()
        if returncode != 0:
            raise watch.failure("cargo test --no-run", returncode)
        source_times.remember(build.layout, context.build_dir, build.sources)
    # The cache's own paths: the fixed root's (sccache) may be gone when bin/test runs.
    handed_over = build.handed_over()
    cached_target = str(build.layout.target_dir)
    record = {
        "runner": runner,
        "command": command_for_tests(
            runner, cached_target, workspace, config.install.locked, config.features.arguments()
        ),
        "environment": {name: handed_over[name] for name in HANDED_OVER if name in handed_over},
    }
    path = context.build_dir / TEST_ENV_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    output.step(errors.tests_compiled(" ".join(record["command"][:3])))
