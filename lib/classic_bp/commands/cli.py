"""The command line: parse arguments, call one function, report errors.

User errors (BuildError) print their message in the platform's error format
and exit 1. Anything else is a bug in the buildpack: it is reported as an
internal error, with the trace, and exits 70 so the two never look alike.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from .. import errors
from ..platform import output, report
from ..platform.guard import run_guarded
from . import ci_test, detect, release
from . import report as report_command_module
from .ci_compile import run_test_compile
from .compile import BuildContext, context_from_arguments, run_compile

BUILDPACK_DIR = Path(__file__).resolve().parents[3]


def _require_dir(role: str, path: str) -> None:
    if not Path(path).is_dir():
        raise errors.missing_directory(role, Path(path))


def _build_context(build_dir: str, cache_dir: str, env_dir: str) -> BuildContext:
    """The platform's three directories, checked; the cache dir may not exist yet."""
    _require_dir("build", build_dir)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    return context_from_arguments(build_dir, cache_dir, env_dir or "/nonexistent", BUILDPACK_DIR)


@click.group()
def cli() -> None:
    """Classic buildpack for Rust apps."""


# Platforms may pass more than the contract (PLATFORM.md: be liberal): ignored.
ignored_extra_arguments = click.argument("ignored", nargs=-1)


def build_arguments(command: Callable[..., None]) -> Callable[..., None]:
    """BUILD_DIR CACHE_DIR [ENV_DIR] and whatever follows, as compile and test-compile take them."""
    for decorator in reversed(
        (
            click.argument("build_dir"),
            click.argument("cache_dir"),
            click.argument("env_dir", required=False, default=""),
            ignored_extra_arguments,
        )
    ):
        command = decorator(command)
    return command


@cli.command("compile")
@build_arguments
def compile_command(build_dir: str, cache_dir: str, env_dir: str, ignored: tuple) -> None:
    """Build the app in BUILD_DIR, keeping reusable work in CACHE_DIR."""
    context = _build_context(build_dir, cache_dir, env_dir)
    try:
        run_compile(context, dict(os.environ))
    except errors.BuildError as problem:
        # failure_detail: the error's first sentence, what a dashboard can show.
        first_line = problem.message.splitlines()[0] if problem.message else None
        report.save(context.cache_dir, "failed", problem.reason, first_line)
        raise
    except KeyboardInterrupt:
        report.save(context.cache_dir, "failed", "interrupted")
        raise
    except BaseException as problem:
        report.save(context.cache_dir, "failed", "internal_error", type(problem).__name__)
        raise
    report.save(context.cache_dir, "succeeded")


@cli.command("test-compile")
@build_arguments
def test_compile_command(build_dir: str, cache_dir: str, env_dir: str, ignored: tuple) -> None:
    """Heroku CI: compile the app's tests, keeping reusable work in CACHE_DIR."""
    run_test_compile(_build_context(build_dir, cache_dir, env_dir), dict(os.environ))


@cli.command("test", context_settings={"ignore_unknown_options": True})
@click.argument("arguments", nargs=-1)
def test_command(arguments: tuple[str, ...]) -> None:
    """Heroku CI: run the tests compiled by test-compile; exit with their result."""
    raise click.exceptions.Exit(ci_test.main(list(arguments)))


@cli.command("report", context_settings={"ignore_unknown_options": True})
@click.argument("arguments", nargs=-1)
def report_command(arguments: tuple[str, ...]) -> None:
    """Print the last build's metadata as YAML (BUILD_DIR CACHE_DIR ENV_DIR). Never fails."""
    report_command_module.main(list(arguments))


@cli.command("release")
@click.argument("build_dir")
@ignored_extra_arguments
def release_command(build_dir: str, ignored: tuple) -> None:
    """Print the release YAML (process types) for a compiled app."""
    raise click.exceptions.Exit(release.main([build_dir]))


@cli.command("detect")
@click.argument("build_dir")
@ignored_extra_arguments
def detect_command(build_dir: str, ignored: tuple) -> None:
    """Print "Rust" and exit 0 when BUILD_DIR is a Rust app."""
    raise click.exceptions.Exit(detect.main([build_dir]))


def _run_click(argv: list[str]) -> int:
    try:
        # Without standalone mode click returns a command's Exit code instead of exiting.
        returned = cli.main(args=argv, prog_name="classic-bp", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.UsageError as problem:
        usage = errors.USAGES.get(argv[0] if argv else "", errors.USAGES["compile"])
        output.error(str(errors.usage_error(usage, problem.format_message())))
        return 1
    except click.ClickException as problem:
        problem.show()
        return problem.exit_code
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    return returned if isinstance(returned, int) else 0


def main(argv: list[str] | None = None) -> int:
    return run_guarded(_run_click, list(sys.argv[1:] if argv is None else argv))
