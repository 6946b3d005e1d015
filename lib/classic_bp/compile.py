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
    boot_check,
    emk_layout,
    errors,
    fixed_path,
    output,
    process_types,
    procfile,
    pruning,
    report,
    runtime,
    rustconfig,
    sbom,
    sccache,
    slug,
    source_times,
    toolchain_request,
)
from .appenv import Settings, read_env_dir
from .cache import CacheLayout, ensure_layout
from .cargo_install import compile_app, prepare_cargo_home, prepare_target_dir
from .config import BuildConfig, load_config
from .fixed_path import FixedPath
from .rust_env import RustInstall, cargo_environment
from .rust_install import install_rust
from .tools import install_tools, ship_runtime_tools

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
    migration = rustconfig.migrate(context.build_dir)
    if migration is not None:
        _describe_migration(migration)
    settings = Settings(app_env, process_env, migration.settings if migration else {})
    skip_build = migration.skip_build if migration else False
    config = load_config(
        context.build_dir,
        settings,
        skip_build=skip_build,
        has_rustconfig=migration is not None,
        project_dir=migration.project_dir if migration else None,
    )
    _describe_config(config, settings, context.build_dir)
    return settings, config


def _describe_migration(migration: rustconfig.Migration) -> None:
    output.detail("RustConfig (from the old Heroku Rust buildpack) is read, never run:")
    for message in migration.messages:
        output.detail(f"  {message}")
    if migration.ignored:
        output.detail(f"  ignored: {', '.join(migration.ignored)}")
    output.detail("Set the BP_* variables instead to drop RustConfig; they win over it.")


def _write_sbom(
    build_dir: Path, app_root: Path, rust: RustInstall, environment: Mapping[str, str]
) -> None:
    """A CycloneDX SBOM in the slug; a failure here never fails a build that compiled."""
    destination = build_dir / SBOM_PATH
    try:
        summary = sbom.write_sbom(app_root, rust.cargo, environment, destination)
    except errors.BuildError as problem:
        output.warning(f"No SBOM was written:\n{problem}")
        return
    source = "cargo metadata" if summary.used_cargo_metadata else "Cargo.lock only"
    output.detail(
        f"{SBOM_PATH.as_posix()}: CycloneDX, {plural(summary.component_count, 'component')}"
        f" (from {source})"
    )


def _check_procfile(
    build_dir: Path, web: str | None, binaries: tuple[str, ...], config: BuildConfig
) -> None:
    if procfile.read_process_types(build_dir):
        output.detail("The app's Procfile is kept and wins over the default process types")
    target_links = config.emk_layout is not None
    for problem in procfile.problems(build_dir, web, binaries, target_links):
        where = "" if target_links else " and no target/ directory"
        output.warning(
            f"The Procfile's {problem.process_type} process runs `{problem.command}`.\n"
            f"The slug has no cargo{where}: the binaries are in /app/bin.\n"
            f"Change the line to:  {problem.suggestion}"
        )


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


@dataclass
class PreparedBuild:
    """Everything compile and test-compile share: config, Rust, cargo's caches, tools."""

    config: BuildConfig
    layout: CacheLayout
    rust: RustInstall
    environment: dict[str, str]
    target_dir: Path
    fixed: FixedPath
    sources: source_times.Checkout
    sccache: sccache.Sccache | None = None

    def finish(self) -> None:
        """Print the shared compile cache's statistics and stop its server, then
        give up the fixed path (each once)."""
        self._finish_sccache()
        self.fixed.release()

    def _finish_sccache(self) -> None:
        if self.sccache is not None:
            tool, self.sccache = self.sccache, None
            stats = sccache.finish(tool, self.environment)
            if stats is not None:
                report.record("sccache", {"hits": stats.hits, "misses": stats.misses})


def _describe_restore(sources: source_times.Checkout) -> None:
    output.detail(
        f"Source files unchanged since the last build: {sources.unchanged - sources.held_back}"
        f" (timestamps restored); changed or new: {sources.changed}"
    )
    if sources.rebuilt_packages:
        output.detail(
            f"Rebuilt whole, their {plural(sources.held_back, 'unchanged file')} keeping new"
            " timestamps, because their files differ from the last build:"
        )
        for package, reason in sorted(sources.rebuilt_packages.items()):
            output.detail(f"  {package}/: {reason}")


KNOWN_STACKS = ("scalingo-22", "scalingo-24", "scalingo-26", "heroku-22", "heroku-24")


def _check_stack(stack: str | None) -> None:
    if stack is None:
        output.warning(
            "STACK is not set, so the stack is unknown. The build goes on; platforms\n"
            f"set it ({', '.join(KNOWN_STACKS)})."
        )
    elif stack not in KNOWN_STACKS:
        output.warning(
            f"The stack {stack} is not one this buildpack is tested on"
            f" ({', '.join(KNOWN_STACKS)}).\n"
            "The build goes on; if it fails, try a supported stack."
        )


def prepare_build(context: BuildContext, process_env: Mapping[str, str]) -> PreparedBuild:
    output.step(f"Rust buildpack {__version__} on {context.stack or 'an unnamed stack'}")
    _check_stack(context.stack)
    with output.timed_step("Reading the app's configuration"):
        settings, config = _read_configuration(context, process_env)

    layout = CacheLayout(context.cache_dir)
    for reason in ensure_layout(layout):
        output.detail(f"Discarding the whole cache: {reason}")
    base_env = settings.build_environment()
    # Started now so that its download overlaps the toolchain's.
    sccache_fetch = (
        sccache.BinaryFetch(layout, config.sccache_path, context.env_dir)
        if config.sccache_enabled
        else None
    )
    rust = install_rust(layout, config, base_env)
    environment = cargo_environment(base_env, layout, rust, context.build_dir)
    with output.timed_step("Restoring cargo's cache"):
        prepare_cargo_home(layout, config)
        prepare_target_dir(layout, config, rust)
        sources = source_times.restore(layout, context.build_dir)
        _describe_restore(sources)
    if config.tools.specs:
        with output.timed_step(f"Installing tools ({', '.join(config.tools.specs)})"):
            install_tools(layout, config.tools, rust.cargo, environment, rust.rustc_version)
    # Last: from here on the caller's try/finally puts cargo's home back.
    fixed = fixed_path.claim(context.build_dir)
    if not fixed.stable:
        output.detail(
            f"{fixed_path.shared_root_path()} is in use by another build or not this user's"
            " own:\ncompiling at a private path, so crates that cargo records by absolute"
            " path are rebuilt"
        )
    shared_cache = None
    try:
        if sccache_fetch is not None:
            with output.timed_step("Setting up sccache, the shared compile cache"):
                shared_cache = sccache.set_up(layout, sccache_fetch, fixed.root)
                environment = sccache.environment(shared_cache, layout, environment)
    except BaseException:
        fixed.release()
        raise
    target_dir = shared_cache.target_dir if shared_cache else layout.target_dir
    return PreparedBuild(
        config, layout, rust, environment, target_dir, fixed, sources, shared_cache
    )


def run_compile(context: BuildContext, process_env: Mapping[str, str]) -> None:
    started = time.monotonic()
    build = prepare_build(context, process_env)
    try:
        _compile_prepared(context, build, started)
    finally:
        build.finish()


def _compile_prepared(context: BuildContext, build: PreparedBuild, started: float) -> None:
    config, rust, environment = build.config, build.rust, build.environment
    if config.skip_build:
        runtime.write_profile_script(context.build_dir)
        runtime.write_export(context.buildpack_dir, environment)
        elapsed = output.format_seconds(time.monotonic() - started)
        output.step(f"Installed Rust {rust.version} without compiling the app in {elapsed}")
        return
    with output.timed_step("Compiling the app"):
        app = compile_app(config, build.fixed, rust.cargo, build.target_dir, environment)
        source_times.remember(build.layout, context.build_dir, build.sources, app.binaries)
        output.detail(f"Installed into bin/: {', '.join(app.binaries)}")
        tools = ship_runtime_tools(build.layout, config.tools, context.build_dir)
        if tools:
            output.detail(f"Runtime tools in bin/ (BP_CARGO_RUNTIME_TOOLS): {', '.join(tools)}")
        legacy_links = _emk_layout(context.build_dir, config, (*app.binaries, *tools))
        if app.pruned.removed:
            output.detail(
                f"Pruned {plural(app.pruned.removed, 'stale artifact')} of earlier builds"
                f" ({slug.format_size(app.pruned.freed_bytes)})"
            )
        _report_cache_size(build.layout, config)
        report.record("binaries", list(app.binaries))

    if config.write_sbom:
        with output.timed_step("Writing the SBOM"):
            _write_sbom(context.build_dir, config.project.root, rust, environment)
    with output.timed_step("Writing runtime configuration"):
        _write_runtime(context, config, app.binaries, environment)
    with output.timed_step("Removing the app's sources from the slug"):
        _clean_slug(context.build_dir, config, legacy_links)
    if config.boot_check:
        with output.timed_step("Starting the web process once (BP_BOOT_CHECK)"):
            _check_boot(context.build_dir, config, app.binaries, environment)
    build.finish()

    elapsed = output.format_seconds(time.monotonic() - started)
    output.step(
        f"Build succeeded in {elapsed}: {plural(len(app.binaries), 'binary', 'binaries')} "
        f"({', '.join(app.binaries)}) with Rust {rust.version}"
    )


def _write_runtime(
    context: BuildContext,
    config: BuildConfig,
    binaries: tuple[str, ...],
    environment: Mapping[str, str],
) -> None:
    choice = process_types.choose_web(config.project, binaries)
    web = choice.binary
    if web is not None and len(binaries) > 1:
        output.detail(f"The web process runs {web}: {choice.reason}")
    web_env = process_types.web_environment(config.project, web)
    process_types.write_metadata(context.build_dir, web, binaries, web_env)
    runtime.write_profile_script(context.build_dir)
    runtime.write_export(context.buildpack_dir, environment)
    for name, command in process_types.process_types(web, binaries, web_env).items():
        output.detail(f"Default process type {name}: {command}")
    _check_procfile(context.build_dir, web, binaries, config)
    if web is None and not procfile.read_process_types(context.build_dir):
        lines = "\n".join(f"  web: /app/bin/{name}" for name in choice.candidates)
        output.warning(
            "No binary is named `web`, none is the root package's `default-run`, and\n"
            "not exactly one depends on an HTTP server crate, so there is no default web\n"
            "process. Add a Procfile with one of these lines (or name the server `web`):\n"
            f"{lines}"
        )


def _check_boot(
    build_dir: Path, config: BuildConfig, binaries: tuple[str, ...], environment: Mapping[str, str]
) -> None:
    command = procfile.read_process_types(build_dir).get("web")
    if command is None:
        web = process_types.choose_web(config.project, binaries).binary
        web_env = process_types.web_environment(config.project, web)
        command = process_types.process_types(web, binaries, web_env).get("web")
    if command is None:
        output.warning("BP_BOOT_CHECK is set, but the app has no web process to start.")
        return
    output.detail(f"Running: {command}  (PORT set, .profile.d sourced)")
    result = boot_check.run(command, build_dir, environment, config.boot_check_timeout)
    for line in result.output.splitlines():
        output.detail(f"  {line}")
    if result.listening_on == "every interface":
        output.detail(f"The web process listens on every interface after {result.seconds:.1f} s")
        return
    if result.listening_on is not None:
        problem = f"it listens on {result.listening_on} only"
    elif result.exited is not None:
        problem = f"it exited with code {result.exited} without listening"
    else:
        problem = f"nothing listened on $PORT within {config.boot_check_timeout:g} s"
    raise errors.boot_check_failed(command, problem, result.seconds)


def _report_cache_size(layout: CacheLayout, config: BuildConfig) -> None:
    size, discarded = pruning.enforce_budget(layout, config.cache_max_bytes)
    budget = slug.format_size(config.cache_max_bytes)
    if discarded:
        output.detail(
            f"The cache was over its budget of {budget} (BP_CACHE_MAX_SIZE):"
            " discarded the build artifacts"
        )
    output.detail(f"Cache size: {slug.format_size(size)} (budget {budget})")
    report.record("cache_bytes", size)


def _emk_layout(build_dir: Path, config: BuildConfig, names: tuple[str, ...]) -> tuple[str, ...]:
    """The old Heroku Rust buildpack's slug shape, when the app expects it."""
    if config.emk_layout is None:
        return ()
    folders = [
        build_dir,
        config.project.root,
        *(package.directory for package in config.install.packages),
    ]
    links = tuple(emk_layout.link_binaries(build_dir, folders, names))
    keeps = "the files BP_INCLUDE_FILES names" if config.include_from_user else "all its files"
    output.detail(
        f"This app was built by the old Heroku Rust buildpack ({config.emk_layout}), so the\n"
        "slug keeps its shape: the binaries are also at target/release/ (links to bin/),\n"
        f"and the slug keeps {keeps}. Procfile commands such as\n"
        "./target/release/<binary> work unchanged; see the README to move on."
    )
    return links


def _clean_slug(build_dir: Path, config: BuildConfig, always_kept: tuple[str, ...] = ()) -> None:
    include = (*config.include_files, *always_kept)
    cleaned = slug.clean_slug(build_dir, include, config.exclude_files)
    for link in cleaned.unsafe_links:
        output.warning(f"Removed the symlink {link}: it points outside the app.")
    kept = ", ".join(cleaned.kept) or "none"
    output.detail(f"Kept bin/, .profile.d/, Procfile and files matching the patterns: {kept}")
    output.detail(f"Removed {plural(cleaned.removed_count, 'file')}")
    output.detail(f"Slug size: {slug.format_size(cleaned.size_bytes)}")
    report.record("slug_bytes", cleaned.size_bytes)


def context_from_arguments(build: str, cache: str, env: str, buildpack_dir: Path) -> BuildContext:
    return BuildContext(
        build_dir=Path(build).resolve(),
        cache_dir=Path(cache).resolve(),
        env_dir=Path(env).resolve(),
        buildpack_dir=buildpack_dir,
        stack=os.environ.get("STACK"),
    )
