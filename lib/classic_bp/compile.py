"""bin/compile: turn the app in BUILD_DIR into a slug, using CACHE_DIR.

Only orchestration lives here; every step has its own module. The order
matters: configuration is read and validated before anything slow starts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import (
    __version__,
    errors,
    output,
    process_types,
    procfile,
    runtime,
    sbom,
    slug,
    toolchain_request,
)
from .appenv import Settings, read_env_dir
from .cache import CacheLayout, ensure_layout
from .cargo_install import compile_app, prepare_cargo_home, prepare_target_dir
from .config import BuildConfig, load_config
from .rust_env import cargo_environment
from .rustup import install_rustup
from .toolchain import install_toolchain
from .tools import install_tools

SBOM_PATH = Path(".rust-buildpack") / "sbom.cdx.json"


@dataclass(frozen=True)
class BuildContext:
    """The three directories the platform passes, plus where the buildpack lives."""

    build_dir: Path
    cache_dir: Path
    env_dir: Path
    buildpack_dir: Path
    stack: str | None


def _describe_config(config: BuildConfig, settings: Settings, build_dir: Path) -> None:
    project = config.project
    if project.is_workspace:
        output.detail(f"Cargo workspace of {plural(len(project.packages), 'package')}:")
    for package in project.packages:
        relative = package.directory.relative_to(project.root).as_posix()
        bins = ", ".join(package.binaries) or "none"
        indent = "  " if project.is_workspace else ""
        output.detail(f"{indent}Package {package.name} in {relative}/, binaries: {bins}")
    output.detail("Rust toolchain, by priority:")
    variable = settings.get(toolchain_request.TOOLCHAIN_VARIABLE)
    for candidate in toolchain_request.candidates(build_dir, variable):
        output.detail(f"  {candidate.source}: {candidate.value or 'not set'}")
    output.detail(f"Using {config.toolchain.channel}, from {config.toolchain.source}")
    if config.profile_note:
        output.detail(config.profile_note)
    if config.install.from_user:
        output.detail(f"cargo install arguments: {' '.join(config.install.arguments) or '(none)'}")
    if len(config.install.packages) != len(project.binary_packages()):
        names = ", ".join(package.name for package in config.install.packages)
        output.detail(f"Installing only: {names}")
    for note in config.notes:
        output.detail(f"Note: {note}")


def _read_configuration(context: BuildContext, process_env: Mapping[str, str]):
    app_env = read_env_dir(context.env_dir)
    output.redact.add(app_env.secret_values())
    if app_env.ignored:
        output.warning(
            "These config vars are ignored during the build, because they would change\n"
            f"how the builder itself runs: {', '.join(app_env.ignored)}.\n"
            "They still apply to the running app."
        )
    settings = Settings(app_env, process_env)
    config = load_config(context.build_dir, settings)
    _describe_config(config, settings, context.build_dir)
    return settings, config


def _write_sbom(build_dir: Path, layout: CacheLayout, environment: Mapping[str, str]) -> None:
    """A CycloneDX SBOM in the slug; a failure here never fails a build that compiled."""
    destination = build_dir / SBOM_PATH
    try:
        summary = sbom.write_sbom(build_dir, layout.proxies_bin / "cargo", environment, destination)
    except errors.BuildError as problem:
        output.warning(f"No SBOM was written:\n{problem}")
        return
    source = "cargo metadata" if summary.used_cargo_metadata else "Cargo.lock only"
    output.detail(
        f"{SBOM_PATH.as_posix()}: CycloneDX, {plural(summary.component_count, 'component')}"
        f" (from {source})"
    )


def _check_procfile(build_dir: Path, web: str | None, binaries: tuple[str, ...]) -> None:
    if procfile.read_process_types(build_dir):
        output.detail("The app's Procfile is kept and wins over the default process types")
    for problem in procfile.problems(build_dir, web, binaries):
        output.warning(
            f"The Procfile's {problem.process_type} process runs `{problem.command}`.\n"
            "The slug has no cargo and no target/ directory: the binaries are in /app/bin.\n"
            f"Change the line to:  {problem.suggestion}"
        )


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def run_compile(context: BuildContext, process_env: Mapping[str, str]) -> None:
    started = time.monotonic()
    output.step(f"Rust buildpack {__version__} on {context.stack or 'an unnamed stack'}")
    with output.timed_step("Reading the app's configuration"):
        settings, config = _read_configuration(context, process_env)

    layout = CacheLayout(context.cache_dir)
    base_env = settings.build_environment()
    with output.timed_step("Installing rustup"):
        for reason in ensure_layout(layout):
            output.detail(f"Discarding the whole cache: {reason}")
        install_rustup(layout, config, base_env)
    with output.timed_step(f"Installing Rust ({config.toolchain.channel})"):
        rust = install_toolchain(layout, config, base_env)

    environment = cargo_environment(base_env, layout, config, rust.name, context.build_dir)
    with output.timed_step("Restoring cargo's cache"):
        prepare_cargo_home(layout, config)
        prepare_target_dir(layout, config, rust)
    if config.tools.specs:
        with output.timed_step(f"Installing tools ({', '.join(config.tools.specs)})"):
            install_tools(
                layout, config.tools, layout.proxies_bin / "cargo", environment, rust.rustc_version
            )
    with output.timed_step("Compiling the app"):
        app = compile_app(layout, config, context.build_dir, environment)
        output.detail(f"Installed into bin/: {', '.join(app.binaries)}")

    if config.write_sbom:
        with output.timed_step("Writing the SBOM"):
            _write_sbom(context.build_dir, layout, environment)
    with output.timed_step("Writing runtime configuration"):
        web = process_types.choose_web(config.project, app.binaries)
        web_env = process_types.web_environment(config.project, web)
        process_types.write_metadata(context.build_dir, web, app.binaries, web_env)
        runtime.write_profile_script(context.build_dir)
        runtime.write_export(context.buildpack_dir, environment)
        for name, command in process_types.process_types(web, app.binaries, web_env).items():
            output.detail(f"Default process type {name}: {command}")
        _check_procfile(context.build_dir, web, app.binaries)
        if web is None and not procfile.read_process_types(context.build_dir):
            output.warning(
                "No binary is named `web`, and the app has several binaries, so there is\n"
                "no default web process. Name the web server's binary `web`, or add a\n"
                "Procfile such as:  web: /app/bin/<binary>"
            )

    with output.timed_step("Removing the app's sources from the slug"):
        report = slug.clean_slug(context.build_dir, config.include_files, config.exclude_files)
        for link in report.unsafe_links:
            output.warning(f"Removed the symlink {link}: it points outside the app.")
        kept = ", ".join(report.kept) or "none"
        output.detail(f"Kept bin/, .profile.d/, Procfile and files matching the patterns: {kept}")
        output.detail(f"Removed {plural(report.removed_count, 'file')}")
        output.detail(f"Slug size: {slug.format_size(report.size_bytes)}")

    elapsed = output.format_seconds(time.monotonic() - started)
    output.step(
        f"Build succeeded in {elapsed}: {plural(len(app.binaries), 'binary', 'binaries')} "
        f"({', '.join(app.binaries)}) with Rust {rust.version}"
    )


def context_from_arguments(build: str, cache: str, env: str, buildpack_dir: Path) -> BuildContext:
    return BuildContext(
        build_dir=Path(build).resolve(),
        cache_dir=Path(cache).resolve(),
        env_dir=Path(env).resolve(),
        buildpack_dir=buildpack_dir,
        stack=os.environ.get("STACK"),
    )
