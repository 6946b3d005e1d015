"""bin/compile: turn the app in BUILD_DIR into a slug, using CACHE_DIR.

This module is the list of the build's steps, in order, and nothing else:
each step lives in its own subpackage and prints its own part of the log
(text from the errors catalogue). The order matters: configuration is read
and validated before anything slow starts, and everything up to and
including Rust's install uses the standard library alone: on a cold build
from a git clone the buildpack's own packages are fetched beside it
(fetch/bootstrap.py), and waited for only once Rust is installed.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import errors
from ..cache import CacheLayout
from ..cargo import fixed_path, sccache, source_times
from ..cargo.build import build_step
from ..cargo.caches import compare_sources_step, restore_caches
from ..cargo.fixed_path import FixedPath
from ..cargo.private_access import cargo_variables, private_build
from ..cargo.tools import tools_step
from ..config.build_config import BuildConfig
from ..config.read import read_configuration
from ..fetch.bootstrap import wait_for_packages
from ..layer import open_cache
from ..platform import output, stack
from ..platform.hooks import POST_COMPILE, PRE_COMPILE, hook_environment, run_hook
from ..platform.summary import print_summary
from ..records import mutable_record, record
from ..rust.environment import RustInstall, cargo_environment
from ..rust.install import install_rust
from ..slug.clean import clean_step
from ..slug.early_metadata import MetadataBesideBuild
from ..slug.emk_links import link_old_layout
from ..slug.runtime import write_runtime
from ..slug.sbom import sbom_step
from ..slug.sbom_reuse import GraphMemory


@record
class BuildContext:
    """The three directories the platform passes, plus where the buildpack lives."""

    build_dir: Path
    cache_dir: Path
    env_dir: Path
    buildpack_dir: Path
    stack: str | None


@mutable_record
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

    def run_hook(self, name: str, context: BuildContext) -> None:
        """The app's hook of that name, if it has one (platform/hooks.py), with what
        cargo sees: Rust, the tools and the app's config vars."""
        hook = self.config.hook(name)
        if hook is not None:
            environment = _hook_environment(context, self.config, self.environment)
            run_hook(hook, environment, context.build_dir)

    def handed_over(self) -> dict[str, str]:
        """The environment later buildpacks and bin/test are pointed at: cargo's home
        in the cache, where it is after the build (with sccache it lives in the
        fixed root only while cargo runs)."""
        return {**self.environment, "CARGO_HOME": str(self.layout.cargo_home)}

    def finish(self) -> None:
        """Print the shared compile cache's statistics and stop its server, then
        give up the fixed path (each once)."""
        if self.sccache is not None:
            tool, self.sccache = self.sccache, None
            sccache.finish_step(tool, self.environment)
        self.fixed.release()


def prepare_build(
    context: BuildContext, process_env: Mapping[str, str], private: Path
) -> PreparedBuild:
    """``private``: the build's folder for secret files (cargo/private_access.py)."""
    stack.announce(context.stack)
    settings, config = read_configuration(context.build_dir, context.env_dir, process_env)
    layout = open_cache(context.cache_dir)
    # cargo, build scripts and every tool: without DATABASE_URL (config/database.py).
    base_env = config.database.compile_environment(settings.build_environment())
    sccache_fetch = sccache.start_fetch(layout, config, context.env_dir)
    rust = install_rust(layout, config, base_env)
    # The buildpack's packages, fetched beside Rust on a cold build from a git
    # clone: the steps from here on may use them.
    wait_for_packages()
    environment = cargo_environment(base_env, layout, rust, context.build_dir)
    environment = cargo_variables(config.private_access, private, environment, context.build_dir)
    pre_compile = config.hook(PRE_COMPILE)
    sources = restore_caches(layout, config, rust, context.build_dir, pre_compile is None)
    tools_step(layout, config.tools, rust, environment, context.build_dir, config.stack)
    if pre_compile is not None:
        # With cargo, the tools and cargo's home ready; before the app's files are
        # compared with the last build's, so that what the hook writes counts.
        hook_env = _hook_environment(context, config, environment)
        run_hook(pre_compile, hook_env, context.build_dir)
    if sources is None:
        sources = compare_sources_step(layout, context.build_dir)
    # Last: from here on the caller's try/finally puts cargo's home back and
    # gives up the fixed path.
    fixed = fixed_path.claim_for_build(context.build_dir, move_app=config.sccache_enabled)
    try:
        shared_cache, environment = sccache.set_up_step(
            layout, sccache_fetch, environment, fixed.root
        )
    except BaseException:
        fixed.release()
        raise
    target_dir = shared_cache.target_dir if shared_cache else layout.target_dir
    return PreparedBuild(
        config, layout, rust, environment, target_dir, fixed, sources, shared_cache
    )


def run_compile(context: BuildContext, process_env: Mapping[str, str]) -> None:
    started = time.monotonic()
    with private_build(CacheLayout(context.cache_dir).cargo_home) as private:
        build = prepare_build(context, process_env, private)
        try:
            _compile_prepared(context, build, started)
        finally:
            build.finish()


def _compile_prepared(context: BuildContext, build: PreparedBuild, started: float) -> None:
    config, rust, environment = build.config, build.rust, build.environment
    if config.skip_build:
        write_runtime(context.build_dir, context.buildpack_dir, None, (), build.handed_over())
        build.run_hook(POST_COMPILE, context)
        output.step(errors.installed_without_compiling(rust.version, _elapsed(started)))
        return
    features = config.features.arguments()
    memory = _graph_memory(build, features)
    recalled = memory.recall() if memory is not None else None
    cargo_env = rust.cargo_env(environment)
    early = (
        MetadataBesideBuild(rust.cargo, cargo_env, features, rust.host, build.target_dir)
        if config.write_sbom and recalled is None
        else None
    )
    app = build_step(
        config,
        build.layout,
        build.fixed,
        rust.cargo,
        build.target_dir,
        cargo_env,
        build.sources,
        functools.partial(link_old_layout, context.build_dir, config),
        early,
    )
    if config.write_sbom:
        sbom_step(
            context.build_dir,
            config.project.root,
            rust.cargo,
            cargo_env,
            early,
            features,
            memory,
            recalled,
        )
    write_runtime(
        context.build_dir,
        context.buildpack_dir,
        config.project,
        app.binaries,
        build.handed_over(),
        target_links=config.emk_layout is not None,
    )
    # The binaries are in bin/, the sources still here: the hook may make assets of both.
    build.run_hook(POST_COMPILE, context)
    include = (*config.include_files, *app.kept_links)
    clean_step(context.build_dir, include, config.exclude_files)
    if config.boot_check:
        from ..slug.boot_check import boot_check_step  # only when asked: not every build

        boot_check_step(
            context.build_dir,
            config.project,
            app.binaries,
            config.database.app_environment(environment),  # the app's own DATABASE_URL
            config.boot_check_timeout,
        )
    build.finish()
    output.step(errors.build_succeeded(app.binaries, rust.version, _elapsed(started)))
    print_summary(context.build_dir, app.binaries)


def _graph_memory(build: PreparedBuild, features: Sequence[str]) -> GraphMemory | None:
    """The SBOM's graph kept between builds (slug/sbom_reuse.py), when the app stays
    in its own folder while cargo runs (not moved to the fixed path for sccache)
    and the target platform is known without asking rustc."""
    config, rust = build.config, build.rust
    target = build.environment.get("CARGO_BUILD_TARGET") or rust.host
    if not config.write_sbom or config.sccache_enabled or not target:
        return None
    return GraphMemory(
        build.layout, config.project.root, build.environment, features, target, rust.version
    )


def _hook_environment(
    context: BuildContext, config: BuildConfig, environment: Mapping[str, str]
) -> dict[str, str]:
    """A hook is the app's own command, as heroku-buildpack-python runs it: every
    config var, DATABASE_URL too (withheld from cargo only: config/database.py)."""
    return hook_environment(
        config.database.app_environment(environment),
        context.build_dir,
        context.cache_dir,
        context.env_dir,
        context.stack,
    )


def _elapsed(started: float) -> str:
    return output.format_seconds(time.monotonic() - started)


def context_from_arguments(build: str, cache: str, env: str, buildpack_dir: Path) -> BuildContext:
    return BuildContext(
        build_dir=Path(build).resolve(),
        cache_dir=Path(cache).resolve(),
        env_dir=Path(env).resolve(),
        buildpack_dir=buildpack_dir,
        stack=os.environ.get("STACK"),
    )
