"""Step: read the app's configuration, validate it, and show what was chosen.

Everything is read here, before anything slow, so a typo fails the build in
its first second. The log then lists every setting that decides the build
(packages, the toolchain sources by priority, install arguments), so a user
sees why the build does what it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..platform import output, redact
from ..platform.env_dir import Settings, read_env_dir
from . import credentials, install_args, rustconfig, toolchain_request
from .build_config import BuildConfig, load_config


def read_configuration(
    build_dir: Path, env_dir: Path, process_env: Mapping[str, str]
) -> tuple[Settings, BuildConfig]:
    with output.timed_step("Reading the app's configuration", "configuration"):
        app_env = read_env_dir(env_dir)
        redact.redact.add(app_env.secret_values())
        if app_env.ignored:
            output.warning(errors.ignored_config_vars(app_env.ignored))
        if app_env.skipped:
            output.warning(errors.skipped_config_vars(app_env.skipped))
        migration = rustconfig.migrate(build_dir)
        if migration is not None:
            _describe_migration(migration)
        settings = Settings(app_env, process_env, migration.settings if migration else {})
        redact.redact.add(credentials.secrets_of(settings))
        skip_build = migration.skip_build if migration else False
        config = load_config(
            build_dir,
            settings,
            skip_build=skip_build,
            has_rustconfig=migration is not None,
            project_dir=migration.project_dir if migration else None,
        )
        _describe_config(config, settings, build_dir)
    return settings, config


def _describe_config(config: BuildConfig, settings: Settings, build_dir: Path) -> None:
    project = config.project
    if project.is_workspace:
        output.detail(f"Cargo workspace of {output.plural(len(project.packages), 'package')}:")
    for package in project.packages:
        relative = install_args.relative(package, project.root)
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
    if not config.features.is_default:
        output.detail(config.features.describe())
    if len(config.install.packages) != len(project.binary_packages()):
        names = ", ".join(package.name for package in config.install.packages)
        output.detail(f"Installing only: {names}")
    if config.hooks:
        output.detail(f"Build hooks: {', '.join(hook.shown for hook in config.hooks)}")
    for note in config.notes:
        output.detail(f"Note: {note}")
    for line in config.database.log_lines():
        output.detail(line)
    for warning in config.warnings:
        output.warning(warning)


def _describe_migration(migration: rustconfig.Migration) -> None:
    output.detail("RustConfig (from the old Heroku Rust buildpack) is read, never run:")
    for message in migration.messages:
        output.detail(f"  {message}")
    if migration.ignored:
        output.detail(f"  ignored: {', '.join(migration.ignored)}")
    output.detail("Set the BP_* variables instead to drop RustConfig; they win over it.")
