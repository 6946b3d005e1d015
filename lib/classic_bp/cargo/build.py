"""Step: compile the app with one ``cargo build``, its binaries copied into BUILD_DIR/bin.

BP_CARGO_INSTALL_ARGS are ``cargo install``'s arguments, translated
(build_command): one ``cargo build`` of the selected packages reads the
registry's index once, refuses a stale Cargo.lock itself, and compiles several
members in parallel with one feature resolution.

cargo's home and target dir come from the cache (their keys: caches.py).
A build killed midway leaves both usable: cargo records a unit as done only
after it is fully written.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from .. import errors
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..platform import output, report, run
from ..records import record
from ..rust.environment import INSTALL_TRACKING_FILES
from . import jobs, source_times, tracked_sources
from .cache_size import TargetUnits
from .failures import OutputWatch
from .fixed_path import FixedPath
from .offline import can_run_offline, remember_unneeded
from .package_specs import package_spec
from .pruning import CargoUnits, PruneReport, prune_stale_units, report_cache_size
from .tools import ship_runtime_tools

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Protocol

    class BesideBuild(Protocol):
        """Work that runs beside cargo once every crate is downloaded (the SBOM's
        cargo metadata, slug/early_metadata.py): started with the app's root as
        cargo sees it, and awaited before the app moves back."""

        def start(self, root: Path) -> None: ...

        def wait(self) -> None: ...


# Given the binaries and runtime tools in bin/, the links of the old Heroku Rust
# buildpack's layout that it made (slug/emk_links.py), or none.
LinkOldLayout = Callable[[tuple[str, ...]], tuple[str, ...]]


@record
class BuiltApp:
    """What the slug steps need: the app's binaries, and the links of the old layout."""

    binaries: tuple[str, ...]
    kept_links: tuple[str, ...] = ()


@record
class CompiledApp:
    binaries: tuple[str, ...]
    pruned: PruneReport
    # Units compiled rather than found fresh.
    compiled: int
    # The units used (CargoUnits.token).
    units_token: int


# JSON on stdout names every unit used; diagnostics stay human-readable.
MESSAGE_FORMAT = ("--message-format", "json-render-diagnostics")
# How `cargo build --locked` (or --frozen) refuses a Cargo.lock it would change.
LOCK_REFUSED = "was passed to prevent this"
# `cargo install` flags that mean nothing to `cargo build` in a fresh build dir.
INSTALL_ONLY_FLAGS = ("--force", "-f", "--no-track")
# `cargo install` installs every binary unless one of these picks targets.
TARGET_FLAGS = ("--bin", "--bins", "--example", "--examples")


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


def build_command(
    cargo: Path, fixed: FixedPath, target_dir: Path, config: BuildConfig
) -> list[str]:
    """The selected packages, one or several: one `cargo build`, as `cargo install`
    would build them (release, or --debug/--profile; every binary unless targets
    are picked), so that members compile in parallel and share one feature
    resolution (separate `cargo install` calls compile the common libraries once
    per member). `cargo build --locked` refuses a stale Cargo.lock itself (`cargo
    install --locked` resolves anew) and reads the index once; the binaries are
    copied afterwards (_copy_binaries)."""
    words = _user_arguments(fixed, config.install.arguments)
    arguments = [word for word in words if word not in INSTALL_ONLY_FLAGS]
    if "--debug" in arguments:
        arguments.remove("--debug")
    elif not any(word.split("=")[0] == "--profile" for word in arguments):
        arguments.insert(0, "--release")
    if not any(word.split("=")[0] in TARGET_FLAGS for word in arguments):
        arguments.append("--bins")
    lockfile = config.project.lockfile
    packages = [
        word
        for package in config.install.packages
        for word in ("-p", package_spec(package.name, lockfile))
    ]
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
    """Fail when Cargo.lock is out of date with the manifests, saying why.

    Run when `cargo build --locked` refused to change the lock: its error does
    not say which changes it would make. `cargo update --workspace --locked`
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
    """Each copied beside, then renamed over whatever bin/ had under its name:
    a link committed there is replaced, never written through."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, source in sorted(executables.items()):
        partial = bin_dir / f".{name}.partial"
        partial.unlink(missing_ok=True)
        shutil.copy2(source, partial)
        partial.chmod(0o755)
        os.replace(partial, bin_dir / name)


@contextlib.contextmanager
def _lockfile_kept(lockfile: Path, locked: bool) -> Iterator[None]:
    """Without --locked, `cargo build` writes Cargo.lock (a new one, or the
    changes it made): the app's own lock (or its absence) is put back after,
    as `cargo install`, which never wrote it, left it."""
    if locked:
        yield
        return
    try:
        before: bytes | None = lockfile.read_bytes()
    except FileNotFoundError:
        before = None
    try:
        yield
    finally:
        if before is None:
            lockfile.unlink(missing_ok=True)
        elif not lockfile.is_file() or lockfile.read_bytes() != before:
            lockfile.write_bytes(before)


def _check_binary_names(units: CargoUnits, config: BuildConfig, fixed: FixedPath) -> None:
    by_manifest = {
        str(fixed.translate(package.directory / "Cargo.toml")): package.name
        for package in config.project.packages
    }
    for name, manifests in sorted(units.clashes().items()):
        raise errors.binary_name_clash(name, [by_manifest.get(path, path) for path in manifests])


def _run_build(
    config: BuildConfig,
    fixed: FixedPath,
    cargo: Path,
    command: list[str],
    target_dir: Path,
    environment: Mapping[str, str],
    units: CargoUnits,
    offline: bool,
    early: BesideBuild | None,
) -> None:
    """cargo's run, the app in place; the lock check only when cargo refused the lock."""
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

    lock_check = check if config.install.locked else None
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
    build_dir = fixed.build_dir
    command = build_command(cargo, fixed, target_dir, config)
    cargo_home = Path(environment.get("CARGO_HOME", ""))
    lockfile = config.project.lockfile
    features = config.features.arguments()
    offline = config.install.locked and can_run_offline(lockfile, cargo_home, features)
    with _lockfile_kept(lockfile, config.install.locked), fixed.app_in_place():
        # From here until cargo is done: app paths through `fixed`.
        _run_build(config, fixed, cargo, command, target_dir, environment, units, offline, early)
        # Before the app moves back. A failed or interrupted build does not wait:
        # the run is abandoned (it reads, never writes) and its answer unused.
        if early is not None:
            early.wait()
    remember_unneeded(lockfile, cargo_home, features)
    pruned = prune_stale_units(target_dir, units)
    # Not written by `cargo build`; kept out of the slug as when `cargo install
    # --root .` wrote them (an app may have committed them after one).
    for name in INSTALL_TRACKING_FILES:
        (build_dir / name).unlink(missing_ok=True)
    _check_binary_names(units, config, fixed)
    _copy_binaries(units.executables, build_dir / "bin")
    binaries = tuple(sorted(units.executables))
    if not binaries:
        raise errors.no_binaries_installed(build_dir)
    return CompiledApp(binaries, pruned, units.compiled, units.token())


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
        if app.compiled == 0 and sources.matches_record():
            # Nothing compiled and the same files as last time: the same dep-info,
            # so the same scope as the one read after the last build.
            tracked: tracked_sources.TrackedSources | None = sources.scope
        else:
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
        kept = app.compiled == 0 and app.pruned.removed == 0
        report_cache_size(layout, config.cache_max_bytes, TargetUnits(app.units_token, kept))
        report.record("binaries", list(app.binaries))
    return BuiltApp(app.binaries, links)
