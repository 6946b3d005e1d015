"""bin/test (Heroku CI): run the tests that bin/test-compile compiled.

Standard library only. bin/test is given no cache dir, so test-compile left a
record in the build dir saying where Rust and the compiled tests are; the
tests' exit code is bin/test's exit code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..platform import output, redact, run
from ..platform.env_dir import read_env_dir
from .usages import USAGES

TEST_ENV_PATH = Path(".rust-buildpack") / "test-env.json"


def run_tests(build_dir: Path, env_dir: Path, process_env: Mapping[str, str]) -> int:
    try:
        record = json.loads((build_dir / TEST_ENV_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise errors.tests_not_compiled(build_dir / TEST_ENV_PATH) from None
    app_env = read_env_dir(env_dir)
    redact.redact.add(app_env.secret_values())
    environment = {**process_env, **app_env.variables, **record["environment"]}
    output.step(f"Running the tests: {' '.join(record['command'])}")
    return run.stream_command(record["command"], env=environment, cwd=build_dir)


def main(argv: list[str]) -> int:
    if not argv or not Path(argv[0]).is_dir():
        output.error(str(errors.usage_error(USAGES["test"])))
        return 1
    env_dir = Path(argv[1]) if len(argv) > 1 else Path("/nonexistent")
    try:
        return run_tests(Path(argv[0]), env_dir, dict(os.environ))
    except errors.BuildError as problem:
        output.error(str(problem))
        return 1
