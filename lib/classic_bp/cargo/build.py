"""Step: compile the app with ``cargo install`` into BUILD_DIR/bin.

cargo's home and target dir come from the cache (their keys: caches.py).
A build killed midway leaves both usable: cargo records a unit as done only
after it is fully written.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .. import errors
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..config.project import Package
from ..platform import output, report, run
from ..rust.environment import INSTALL_TRACKING_FILES
from . import jobs, source_times, tracked_sources
from .failures import OutputWatch
from .fixed_path import FixedPath
from .offline import can_run_offline, remember_unneeded
from .pruning import CargoUnits, PruneReport, prune_stale_units, report_cache_size
from .tools import ship_runtime_tools


class BesideBuild(Protocol):
    """Work that runs beside cargo once every crate is downloaded (the SBOM's
    cargo metadata, slug/early_metadata.py): started with the app's root as
    cargo sees it, and awaited before the app moves back."""

    def start(self, root: Path) -> None: ...

    def wait(self) -> None: ...


# Given the binaries and runtime tools in bin/, the links of the old Heroku Rust
# buildpack's layout that it made (slug/emk_links.py), or none.
LinkOldLayout = Callable[[tuple[str, ...]], tuple[str, ...]]


@dataclass(frozen=True)
class BuiltApp:
    """What the slug steps need: the app's binaries, and the links of the old layout."""

    binaries: tuple[str, ...]
    kept_links: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledApp:
    binaries: tuple[str, ...]
    pruned: PruneReport


# JSON on stdout names every unit used; diagnostics stay human-readable.
MESSAGE_FORMAT = ("--message-format", "json-render-diagnostics")
# How `cargo build --locked` (or --frozen) refuses a Cargo.lock it would change.
LOCK_REFUSED = "was passed to prevent this"
# `cargo install` flags that mean nothing to `cargo build` in a fresh build dir.
INSTALL_ONLY_FLAGS = ("--force", "-f", "--no-track")


def _app_configs(fixed: FixedPath) -> list[str]:
    return [word for path in fixed.app_config_files() for word in ("--config", str(path))]


def _user_arguments(fixed: FixedPath, words: tuple[str, ...]) -> list[str]:
    """The user's words, with a `--config FILE` of the app given through the link:
    cargo runs outside the app, where a relative path would not be found."""
    translated = list(words)
    for index, word in enumerate(translated[:-1]):
        value = translated[index + 1]
        candidate = fixed.build_dir / value
        relative_file = "=" not in value and not Path(value).is_absolute() and candidate.is_file()
        if word == "--config" and relative_file:
            translated[index + 1] = str(fixed.translate(candidate))
    return translated


def install_command(
    cargo: Path, package: Package, fixed: FixedPath, target_dir: Path, config: BuildConfig
) -> list[str]:
    """One package: `cargo install --path`, binaries straight into BUILD_DIR/bin."""
    return [
        str(cargo),
        "install",
        *_app_configs(fixed),
        *_user_arguments(fixed, config.install.arguments),
        *config.features.arguments(),
        "--root",
        str(fixed.install_root),
        "--path",
        str(fixed.translate(package.directory)),
        "--target-dir",
        str(target_dir),
        *MESSAGE_FORMAT,
    ]


def build_command(
    cargo: Path, fixed: FixedPath, target_dir: Path, config: BuildConfig
) -> list[str]:
    """Several packages: one `cargo build`, so that they compile in parallel and
    share one feature resolution (separate `cargo install` calls compile the
    common libraries once per member). The binaries are copied afterwards."""
    words = _user_arguments(fixed, config.install.arguments)
    arguments = [word for word in words if word not in INSTALL_ONLY_FLAGS]
    if "--debug" in arguments:
        arguments.remove("--debug")
    elif not any(word.split("=")[0] == "--profile" for word in arguments):
        arguments.insert(0, "--release")
    if not any(word.split("=")[0] in ("--bin", "--bins") for word in arguments):
        arguments.append("--bins")
    packages = [word for package in config.install.packages for word in ("-p", package.name)]
    return [
        str(cargo),
        "build",
        *_app_configs(fixed),
        "--manifest-path",
        str(fixed.translate(config.project.root / "Cargo.toml")),
        *arguments,
        *config.features.arguments(),
        *packages,
        "--target-dir",
        str(target_dir),
        *MESSAGE_FORMAT,
    ]


def check_lockfile(
    cargo: Path,
    fixed: FixedPath,
    manifest: Path,
    environment: Mapping[str, str],
    offline: bool,
    no_network: bool = False,
) -> None:
    """Fail when Cargo.lock is out of date with the manifests.

    `cargo install --locked` does not check this: it resolves anew in memory
    and builds versions nobody locked. `cargo update --workspace --locked`
    fails exactly when the lock would change, and reads only the index (run
    offline when every locked crate is cached; when a new crate is not, the
    offline run fails otherwise and the online one decides). Other failures
    are left to the build, which reports them in full. No feature flags:
    Cargo.lock holds every optional dependency whatever the features.
    """
    command = [
        str(cargo),
        "update",
        *_app_configs(fixed),
        "--workspace",
        "--locked",
        "--manifest-path",
        str(fixed.translate(manifest)),
    ]
    attempts = [[*command, "--offline"]] if offline or no_network else []
    for attempt in attempts + ([] if no_network else [command]):
        completed = run.capture(attempt, env=environment, cwd=fixed.root)
        if completed.returncode == 0:
            return
        if "--locked" in completed.stderr:
            raise errors.stale_lockfile(manifest.with_name("Cargo.lock"), completed.stderr)


def _shown(command: list[str], fixed: FixedPath, target_dir: Path) -> str:
    """The command as a user would type it: paths relative to the app, and
    without the app config and manifest that cargo would find by itself."""
    replacements = {
        str(fixed.app): ".",
        str(fixed.build_dir): ".",
        str(target_dir): "$CACHE_DIR/target",
    }

    def short(part: str) -> str:
        for prefix, replacement in replacements.items():
            if part == prefix or part.startswith(prefix + os.sep):
                return replacement + part[len(prefix) :]
        return part

    implied = {str(path) for path in fixed.app_config_files()}
    implied.add(str(fixed.app / "Cargo.toml"))
    shown = [command[0].rsplit(os.sep, 1)[-1]]
    words = iter(command[1:])
    for part in words:
        if part in ("--config", "--manifest-path"):
            value = next(words)
            if value not in implied:
                shown += [part, short(value)]
        else:
            shown.append(short(part))
    return " ".join(part if part.startswith("$CACHE_DIR") else shlex.quote(part) for part in shown)


def _run_cargo(
    command: list[str],
    fixed: FixedPath,
    target_dir: Path,
    environment: Mapping[str, str],
    consume: Callable[[str], bool],
    offline: bool,
    lock_check: Callable[[], None] | None = None,
) -> None:
    """Run cargo; once more with fewer jobs if a compilation was killed (jobs.py).

    ``consume``: gets each line of cargo's stdout (CargoUnits.add_message).

    ``lock_check``: for `cargo build --locked`, which refuses a stale Cargo.lock
    itself, the check that says which changes cargo would make, run only when
    cargo refused to change the lock (a cold build saves a resolution online).
    """
    shown = _shown(command[: -len(MESSAGE_FORMAT)], fixed, target_dir)
    output.detail(f"Running: {shown}")
    jobs_plan = jobs.plan(environment)
    if jobs_plan.note is not None:
        environment = {**environment, jobs.VARIABLE: str(jobs_plan.jobs)}
        output.detail(jobs_plan.note)
    current = jobs.current(environment)
    failed = _stream_cargo(command, fixed, environment, consume, offline)
    if failed is None:
        return
    watch, returncode = failed
    if not jobs.was_killed(watch.lines):
        if lock_check is not None and any(LOCK_REFUSED in line for line in watch.lines):
            lock_check()
        raise watch.failure(shown, returncode)
    retry_jobs = jobs.fewer(current)
    if jobs_plan.from_user or retry_jobs == (current or jobs.cpu_count()):
        raise errors.compilation_killed(shown, current)
    output.detail(
        "A compilation was killed by the system (SIGKILL: out of memory, most likely):\n"
        f"running cargo again with {jobs.VARIABLE}={retry_jobs}; what was compiled stays"
    )
    environment = {**environment, jobs.VARIABLE: str(retry_jobs)}
    failed = _stream_cargo(command, fixed, environment, consume, offline)
    if failed is not None:
        watch, returncode = failed
        if jobs.was_killed(watch.lines):
            raise errors.compilation_killed(shown, retry_jobs)
        raise watch.failure(shown, returncode)


def _stream_cargo(
    command: list[str],
    fixed: FixedPath,
    environment: Mapping[str, str],
    consume: Callable[[str], bool],
    offline: bool,
) -> tuple[OutputWatch, int] | None:
    """One cargo run (offline first when it can be): None, or its output and exit code."""
    if offline:
        output.detail("Every crate this build needs is in the cache: no registry request")
        watch = OutputWatch(consume, environment.get("STACK"))
        returncode = run.stream_command(
            [*command, "--offline"], env=environment, cwd=fixed.root, consume=watch
        )
        if returncode == 0:
            return None
        # A refused lock says "--offline" in its help line: no network would help.
        refused = any(LOCK_REFUSED in line for line in watch.lines)
        if refused or not any("offline" in line for line in watch.lines):
            return watch, returncode
        output.detail("cargo needs the network after all: running it again online")
    watch = OutputWatch(consume, environment.get("STACK"))
    returncode = run.stream_command(command, env=environment, cwd=fixed.root, consume=watch)
    return (watch, returncode) if returncode != 0 else None


def _copy_binaries(executables: Mapping[str, Path], bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, source in sorted(executables.items()):
        destination = bin_dir / name
        shutil.copy2(source, destination)
        destination.chmod(0o755)


def _check_binary_names(units: CargoUnits, config: BuildConfig, fixed: FixedPath) -> None:
    by_manifest = {
        str(fixed.translate(package.directory / "Cargo.toml")): package.name
        for package in config.project.packages
    }
    for name, manifests in sorted(units.clashes().items()):
        raise errors.binary_name_clash(name, [by_manifest.get(path, path) for path in manifests])


def _run_commands(
    config: BuildConfig,
    fixed: FixedPath,
    cargo: Path,
    commands: list[list[str]],
    target_dir: Path,
    environment: Mapping[str, str],
    units: CargoUnits,
    offline: bool,
    early: BesideBuild | None,
) -> None:
    """cargo's runs, the app in place; the lock check where cargo does not make it."""
    manifest = config.project.root / "Cargo.toml"
    # The user's --offline/--frozen: no network for the check either.
    no_network = bool({"--offline", "--frozen"} & set(config.install.arguments))

    def check() -> None:
        check_lockfile(cargo, fixed, manifest, environment, offline, no_network)

    early_root = fixed.translate(config.project.root)

    def consume(line: str) -> bool:
        is_message = units.add_message(line)
        if is_message and early is not None:
            # cargo compiles: it has every crate and no longer holds the package
            # cache's download lock, which cargo metadata's resolution takes too.
            early.start(early_root)
        return is_message

    locked = config.install.locked
    if locked and len(config.install.packages) == 1:
        check()  # `cargo install --locked` does not check the lock itself
    lock_check = check if locked and len(config.install.packages) > 1 else None
    for command in commands:
        _run_cargo(command, fixed, target_dir, environment, consume, offline, lock_check)


def compile_app(
    config: BuildConfig,
    fixed: FixedPath,
    cargo: Path,
    target_dir: Path,
    environment: Mapping[str, str],
    early: BesideBuild | None = None,
) -> CompiledApp:
    """Compile the selected packages and put their binaries into BUILD_DIR/bin.

    cargo sees the app through ``fixed`` (see fixed_path.py), and runs in
    its root; with sccache the app itself is there while cargo runs.
    ``target_dir`` is the cached target dir, or a fixed path to it (sccache).
    When every locked crate this build needs is already cached (offline.py),
    cargo runs offline: no index request at all; should that fail for want
    of the network, it runs again online.
    ``early``: the SBOM's cargo metadata, started once cargo's home holds every
    crate of the build (early_metadata.py) and awaited before the app moves back.
    """
    units = CargoUnits()
    packages = config.install.packages
    build_dir = fixed.build_dir
    if len(packages) == 1:
        commands = [install_command(cargo, packages[0], fixed, target_dir, config)]
    else:
        commands = [build_command(cargo, fixed, target_dir, config)]
    cargo_home = Path(environment.get("CARGO_HOME", ""))
    lockfile = config.project.lockfile
    features = config.features.arguments()
    offline = config.install.locked and can_run_offline(lockfile, cargo_home, features)
    with fixed.app_in_place():  # from here until cargo is done: app paths through `fixed`
        _run_commands(
            config, fixed, cargo, commands, target_dir, environment, units, offline, early
        )
        # Before the app moves back. A failed or interrupted build does not wait:
        # the run is abandoned (it reads, never writes) and its answer unused.
        if early is not None:
            early.wait()
    remember_unneeded(lockfile, cargo_home, features)
    pruned = prune_stale_units(target_dir, units)
    for name in INSTALL_TRACKING_FILES:
        (build_dir / name).unlink(missing_ok=True)
    _check_binary_names(units, config, fixed)
    if len(packages) > 1:
        _copy_binaries(units.executables, build_dir / "bin")
    binaries = tuple(sorted(units.executables))
    if not binaries:
        raise errors.no_binaries_installed(build_dir)
    return CompiledApp(binaries, pruned)


def build_step(
    config: BuildConfig,
    layout: CacheLayout,
    fixed: FixedPath,
    cargo: Path,
    target_dir: Path,
    environment: Mapping[str, str],
    sources: source_times.Checkout,
    link_old_layout: LinkOldLayout,
    early: BesideBuild | None = None,
) -> BuiltApp:
    """Compile, remember the sources that went in, ship the runtime tools, give an
    old-buildpack app its layout (``link_old_layout``), and keep the cache in its
    budget."""
    build_dir = fixed.build_dir
    with output.timed_step("Compiling the app", "compile"):
        app = compile_app(config, fixed, cargo, target_dir, environment, early)
        tracked = tracked_sources.read(
            target_dir, build_dir, (fixed.app, build_dir), config.project.root
        )
        source_times.remember(layout, build_dir, sources, app.binaries, tracked)
        output.detail(f"Installed into bin/: {', '.join(app.binaries)}")
        tools = tuple(ship_runtime_tools(layout, config.tools, build_dir))
        if tools:
            output.detail(f"Runtime tools in bin/ (BP_CARGO_RUNTIME_TOOLS): {', '.join(tools)}")
        links = link_old_layout((*app.binaries, *tools))
        if app.pruned.removed:
            output.detail(
                f"Pruned {output.plural(app.pruned.removed, 'stale artifact')} of earlier builds"
                f" ({output.format_size(app.pruned.freed_bytes)})"
            )
        report_cache_size(layout, config.cache_max_bytes)
        report.record("binaries", list(app.binaries))
    return BuiltApp(app.binaries, links)
