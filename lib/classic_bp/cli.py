"""The command line: parse arguments, call one function, report errors.

User errors (BuildError) print their message in the platform's error format
and exit 1. Anything else is a bug in the buildpack: it is reported as an
internal error, with the trace, and exits 70 so the two never look alike.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from . import errors, output
from .compile import context_from_arguments, run_compile
from .release import release_yaml

BUILDPACK_DIR = Path(__file__).resolve().parents[2]
INTERNAL_ERROR_EXIT = 70


def _require_dir(role: str, path: str) -> None:
    if not Path(path).is_dir():
        raise errors.missing_directory(role, Path(path))


@click.group()
def cli() -> None:
    """Classic buildpack for Rust apps."""


@cli.command("compile")
@click.argument("build_dir")
@click.argument("cache_dir")
@click.argument("env_dir", required=False, default="")
def compile_command(build_dir: str, cache_dir: str, env_dir: str) -> None:
    """Build the app in BUILD_DIR, keeping reusable work in CACHE_DIR."""
    _require_dir("build", build_dir)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    context = context_from_arguments(build_dir, cache_dir, env_dir or "/nonexistent", BUILDPACK_DIR)
    run_compile(context, dict(os.environ))


@cli.command("release")
@click.argument("build_dir")
def release_command(build_dir: str) -> None:
    """Print the release YAML (process types) for a compiled app."""
    _require_dir("build", build_dir)
    sys.stdout.write(release_yaml(Path(build_dir)))


def _report_internal_error() -> None:
    trace = traceback.format_exc().rstrip()
    output.error(
        "Internal error in the Rust buildpack: this is a bug, not a problem with your app.\n"
        "Please report it with the build log.\n\n" + trace
    )


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="classic-bp", standalone_mode=False)
    except errors.BuildError as problem:
        output.error(str(problem))
        return 1
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as problem:
        problem.show()
        return problem.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        output.error(str(errors.build_interrupted()))
        return 130
    except Exception:
        _report_internal_error()
        return INTERNAL_ERROR_EXIT
    return 0
