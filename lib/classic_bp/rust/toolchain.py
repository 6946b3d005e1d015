"""Step: install the requested Rust toolchain with rustup, into the cache.

Cache invalidation: keyed on the toolchain name, profile, extra components
and targets, and host. A toolchain pinned to an exact version (1.95.0,
nightly-2026-01-01) that is already installed is used without any network
request: such a release never changes. A floating channel (stable, beta,
nightly) is checked for updates the way rustup checks it: the channel's
.sha256 against the hash rustup recorded when it installed the toolchain
(``update-hashes/``). When they match, rustup would only say "unchanged", so
it is not run (about 0.1 s of every rebuild); otherwise, or when the .sha256
cannot be fetched, rustup runs as before and updates the toolchain.
Toolchains no longer requested are pruned so the cache does not grow.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import cache, errors
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..fetch.download import fetch_sha256
from ..fetch.urls import display_url
from ..known_runs import KnownRuns, identity
from ..layer import Layer, runs
from ..platform import output, report, run
from .environment import RustInstall, rustup_binary, rustup_environment
from .network import stream_rustup

TOOLCHAIN = Layer(
    name="toolchain",
    what="toolchain",
    labels={
        "toolchain": "requested toolchain",
        "profile": "rustup profile (BP_RUST_PROFILE)",
        "components": "list of extra components",
        "targets": "list of extra targets",
        "host": "host platform",
    },
    reused_text=None,  # said below: reused as is, or checked for updates
    discard_text="Not reusing the cached {what}: {reasons}",
)


# Channels whose manifest rustup finds at dist/channel-rust-<channel>.toml.
FLOATING_CHANNELS = ("stable", "beta", "nightly")
# rustup records the first 20 hex digits of the manifest's sha256 (its UPDATE_HASH_LEN).
UPDATE_HASH_LENGTH = 20


def _channel_unchanged(config: BuildConfig, layout: CacheLayout, name: str) -> bool:
    """Whether the server's channel manifest is the one the cached toolchain was
    installed from: rustup's own update check, without starting rustup."""
    channel = config.toolchain.channel
    if channel not in FLOATING_CHANNELS:
        return False
    try:
        recorded = (layout.rustup_home / "update-hashes" / name).read_text().strip()
    except (OSError, UnicodeDecodeError):
        return False
    if len(recorded) < UPDATE_HASH_LENGTH:
        return False
    try:
        current = fetch_sha256(f"{config.dist_server}/dist/channel-rust-{channel}.toml.sha256")
    except errors.BuildError:
        return False  # rustup asks again, and says what went wrong
    return current[:UPDATE_HASH_LENGTH] == recorded[:UPDATE_HASH_LENGTH].lower()


def full_name(channel: str, host: str) -> str:
    return channel if channel.endswith(host) else f"{channel}-{host}"


def _wanted_key(config: BuildConfig) -> dict[str, object]:
    return {
        "toolchain": config.toolchain.channel,
        "profile": config.profile,
        "components": sorted(config.toolchain.components),
        "targets": sorted(config.toolchain.targets),
        "host": config.rustup_init_triple,
    }


def _rustup_install(
    config: BuildConfig, layout: CacheLayout, env: Mapping[str, str]
) -> tuple[int, errors.BuildError | None]:
    command: list[str | Path] = [
        rustup_binary(layout),
        "toolchain",
        "install",
        config.toolchain.channel,
        "--profile",
        config.profile,
        "--no-self-update",
    ]
    for component in config.toolchain.components:
        command += ["--component", component]
    for target in config.toolchain.targets:
        command += ["--target", target]
    return stream_rustup(
        command,
        env,
        config.dist_server,
        config.download_stall_seconds,
        heartbeat="Still installing the toolchain",
    )


def _prune_other_toolchains(layout: CacheLayout, keep: str) -> None:
    toolchains = layout.rustup_home / "toolchains"
    for entry in sorted(toolchains.iterdir()) if toolchains.is_dir() else []:
        if entry.name != keep:
            output.detail(f"Removing the toolchain {entry.name}, no longer used")
            cache.remove_tree(entry)
            (layout.rustup_home / "update-hashes" / entry.name).unlink(missing_ok=True)


def _rustc_version(directory: Path) -> str:
    result = run.capture([directory / "bin" / "rustc", "--version"])
    if result.returncode != 0:
        raise errors.toolchain_install_failed(directory.name, result.returncode)
    return result.stdout.strip()


def _tools_run(directory: Path, known: KnownRuns, version: list[str]) -> str | None:
    """None when the toolchain's rustc (with the libraries it loads) and cargo
    answer ``--version``, else why not; rustc's answer goes into ``version``.
    Each answer is kept (known_runs.py) until one of those files changes."""
    for tool in ("rustc", "cargo"):
        problem = runs(
            directory / "bin" / tool,
            "--version",
            answer=version if tool == "rustc" else None,
            known=known,
            depends_on=_shared_libraries(directory) if tool == "rustc" else (),
        )
        if problem:
            return problem
    return None


def _installed_version(directory: Path, known: KnownRuns) -> str:
    """rustc's version once the toolchain is installed: the checks a later build
    makes before reusing it are made and kept now, so that the first rebuild
    after an install runs neither rustc nor cargo either."""
    version: list[str] = []
    if _tools_run(directory, known, version) is None and version:
        return version[0]
    return _rustc_version(directory)  # says how rustc fails


def _shared_libraries(directory: Path) -> list[Path]:
    """The libraries rustc loads before it can answer (its driver, LLVM): a damaged
    one fails its check as a damaged rustc does."""
    try:
        return sorted(entry for entry in (directory / "lib").iterdir() if ".so" in entry.name)
    except OSError:
        return []


def install_toolchain(
    layout: CacheLayout, config: BuildConfig, base_env: Mapping[str, str]
) -> RustInstall:
    request = config.toolchain
    name = full_name(request.channel, config.rustup_init_triple)
    directory = layout.rustup_home / "toolchains" / name
    wanted = _wanted_key(config)
    broken: list[str] = []
    checked_version: list[str] = []

    known = KnownRuns(layout)

    def works() -> str | None:
        problem = _tools_run(directory, known, checked_version)
        if problem:
            broken.append(problem)
        return problem

    # Not discarded here: rustup installs over it, and prunes nothing it still needs.
    decision = TOOLCHAIN.check(layout, wanted, directory.is_dir(), verify=works)
    TOOLCHAIN.explain(decision)
    if broken:
        # rustup would take the damaged folder for an installed toolchain.
        cache.remove_tree(directory)
        (layout.rustup_home / "update-hashes" / name).unlink(missing_ok=True)
    cached = decision.reusable
    checked_rustc = identity(directory / "bin" / "rustc") if checked_version else None
    if cached and request.is_exact:
        output.detail(f"Reusing {name} from the cache (an exact version: no download needed)")
    elif cached and _channel_unchanged(config, layout, name):
        output.detail(
            f"Reusing {name} from the cache: {request.channel} on"
            f" {display_url(config.dist_server)} is unchanged"
        )
    else:
        if cached:
            output.detail(f"Checking for updates of {request.channel}")
        TOOLCHAIN.discard(layout)
        environment = rustup_environment(base_env, layout, config)
        returncode, failure = _rustup_install(config, layout, environment)
        if returncode != 0:
            # A full disk may have left the cached toolchain half replaced.
            if not cached or isinstance(failure, errors.DiskFull):
                raise failure or errors.toolchain_install_failed(request.channel, returncode)
            output.warning(errors.toolchain_update_unchecked(request.channel, returncode))
        TOOLCHAIN.save(layout, wanted)
    _prune_other_toolchains(layout, keep=name)
    rustc_now = identity(directory / "bin" / "rustc")
    unchanged = checked_rustc is not None and rustc_now == checked_rustc
    installed = RustInstall(
        # The check above ran this very rustc: not again (9 ms of each build).
        rustc_version=checked_version[0] if unchanged else _installed_version(directory, known),
        bin_dir=layout.proxies_bin,
        host=config.rustup_init_triple,
        toolchain_dir=directory,
        variables={
            "RUSTUP_HOME": str(layout.rustup_home),
            "RUSTUP_TOOLCHAIN": name,
            "RUSTUP_DIST_SERVER": config.dist_server,
            "RUSTUP_UPDATE_ROOT": config.update_root,
        },
    )
    output.detail(f"Using {installed.rustc_version}")
    report.record("toolchain", {"name": name, "source": request.source})
    report.record("rustc", installed.rustc_version)
    return installed
