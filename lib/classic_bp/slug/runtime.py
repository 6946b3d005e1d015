"""Step: the files that shape the app's runtime and the next buildpack's build.

``.profile.d/rust.sh`` is sourced at boot and puts the installed binaries on
PATH. The buildpack's ``export`` file is sourced by multi-buildpack runners
after compile, handing the cached Rust toolchain to later buildpacks. The
default process types are recorded for bin/release, and an app's Procfile
is checked for commands that only work in the build dir.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..config import procfile
from ..platform import output
from ..rust.environment import HANDED_OVER
from . import process_types

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from ..config.project import CargoProject

PROFILE_SCRIPT = Path(".profile.d") / "rust.sh"
PROFILE_CONTENTS = (
    "# Written by the Rust buildpack: the app's binaries are in $HOME/bin.\n"
    'export PATH="$HOME/bin:$PATH"\n'
)


def write_profile_script(build_dir: Path) -> None:
    path = build_dir / PROFILE_SCRIPT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PROFILE_CONTENTS, encoding="utf-8")


def write_export(buildpack_dir: Path, environment: Mapping[str, str]) -> None:
    lines = [
        f"export {name}={shlex.quote(environment[name])}"
        for name in HANDED_OVER
        if name in environment
    ]
    try:
        (buildpack_dir / "export").write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as problem:
        # Some runners mount the buildpack read-only; only later buildpacks lose out.
        output.warning(errors.export_not_written(buildpack_dir / "export", problem.strerror))


def write_runtime(
    build_dir: Path,
    buildpack_dir: Path,
    project: CargoProject | None,
    binaries: tuple[str, ...],
    environment: Mapping[str, str],
    target_links: bool = False,
) -> None:
    """Everything the slug needs to run; ``project`` is None when nothing was compiled.

    ``target_links``: the slug has the old buildpack's target/release/ links."""
    if project is None:
        write_profile_script(build_dir)
        write_export(buildpack_dir, environment)
        return
    with output.timed_step("Writing runtime configuration", "runtime"):
        choice = process_types.choose_web(project, binaries)
        web = choice.binary
        if web is not None and len(binaries) > 1:
            output.detail(f"The web process runs {web}: {choice.reason}")
        web_env = process_types.web_environment(project, web)
        process_types.write_metadata(build_dir, web, binaries, web_env)
        write_profile_script(build_dir)
        write_export(buildpack_dir, environment)
        for name, command in process_types.process_types(web, binaries, web_env).items():
            output.detail(f"Default process type {name}: {command}")
        _check_procfile(build_dir, choice, binaries, target_links)


def _check_procfile(
    build_dir: Path, choice: process_types.WebChoice, binaries: tuple[str, ...], links: bool
) -> None:
    declared = procfile.read_process_types(build_dir)
    if declared:
        output.detail("The app's Procfile is kept and wins over the default process types")
    for problem in procfile.problems(build_dir, choice.binary, binaries, links):
        output.warning(
            errors.procfile_runs_cargo(
                problem.process_type, problem.command, problem.suggestion, links
            )
        )
    if choice.binary is None and not declared:
        output.warning(errors.no_web_process(choice.candidates))
