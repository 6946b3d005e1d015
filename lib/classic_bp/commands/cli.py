"""The ``classic-bp`` command line: parse arguments, call one function, report errors.

For working on the buildpack (pip install -e .); bin/* do not run it: their
compile and test-compile are platform_main.py's, without click, so that a
cold build never waits for the buildpack's packages before Rust.

User errors (BuildError) print their message in the platform's error format
and exit 1. Anything else is a bug in the buildpack: it is reported as an
internal error, with the trace, and exits 70 so the two never look alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from .. import errors
from ..platform import output
from ..platform.guard import handle_sigterm, run_guarded
from . import ci_test, detect, platform_main, release
from . import report as report_command_module
from .usages import USAGES


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
    platform_main.compile_app(build_dir, cache_dir, env_dir)


@cli.command("test-compile")
@build_arguments
def test_compile_command(build_dir: str, cache_dir: str, env_dir: str, ignored: tuple) -> None:
    """Heroku CI: compile the app's tests, keeping reusable work in CACHE_DIR."""
    platform_main.test_compile_app(build_dir, cache_dir, env_dir)


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
        usage = USAGES.get(argv[0] if argv else "", USAGES["compile"])
        output.error(str(errors.usage_error(usage, problem.format_message())))
        return 1
    except click.ClickException as problem:
        problem.show()
        return problem.exit_code
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    return returned if isinstance(returned, int) else 0


def main(argv: list[str] | None = None) -> int:
    handle_sigterm()
    return run_guarded(_run_click, list(sys.argv[1:] if argv is None else argv))
