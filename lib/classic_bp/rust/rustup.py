"""Step: install rustup into the cache with a verified rustup-init.

Cache invalidation (RUSTUP, RUSTUP_INIT below): the rustup installation is
keyed on the rustup-init URL (which carries the host triple). When the key
matches and rustup's binary is present, nothing is downloaded. A new rustup
also drops the toolchain's key: the toolchains lived in its home. rustup-init
itself is kept next to its sha256 so a reinstall needs no network either.
"""

from __future__ import annotations

import filecmp
import os
from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..digests import file_sha256
from ..fetch.download import download_verified, fetch_sha256
from ..fetch.urls import display_url
from ..known_runs import KnownRuns
from ..layer import Layer, runs
from ..platform import disk_full, output, run
from .environment import rustup_binary, rustup_environment
from .toolchain import TOOLCHAIN

RUSTUP_INIT = Layer(
    name="rustup-init",
    what="rustup-init",
    labels={"url": "rustup-init URL"},
    reused_text="Using rustup-init from the cache",
)
RUSTUP = Layer(
    name="rustup",
    what="rustup",
    labels={"rustup_init_url": "rustup-init URL"},
    paths=lambda layout: [layout.rustup_home, layout.rustup_bin_home],
    reused_text="Reusing rustup from the cache",
)


def rustup_init_url(config: BuildConfig) -> str:
    """The current rustup-init, or a pinned one from rustup's archive."""
    if config.rustup_init_version:
        return (
            f"{config.update_root}/archive/{config.rustup_init_version}"
            f"/{config.rustup_init_triple}/rustup-init"
        )
    return f"{config.update_root}/dist/{config.rustup_init_triple}/rustup-init"


def fetch_rustup_init(layout: CacheLayout, config: BuildConfig) -> Path:
    """The cached rustup-init if it came from the wanted URL and is intact, else a fresh one.

    Its key also holds the sha256 it was verified against, which is not known
    before the download: only the URL is compared, and the file is checked
    against the stored sha256.
    """
    url = rustup_init_url(config)
    binary = layout.rustup_init
    stored = RUSTUP_INIT.read(layout)
    sha256 = stored.get("sha256") if isinstance(stored, dict) else None
    wanted = {"url": url, "sha256": sha256}

    def intact() -> str | None:
        return None if file_sha256(binary) == sha256 else "its sha256 does not match"

    if RUSTUP_INIT.open(layout, wanted, binary.is_file(), verify=intact).reusable:
        return binary
    output.detail(f"Downloading rustup-init from {display_url(url)}")
    expected = fetch_sha256(url + ".sha256")
    download_verified(url, layout.rustup_init, expected)
    layout.rustup_init.chmod(0o755)
    RUSTUP_INIT.save(layout, {"url": url, "sha256": expected})
    output.detail(f"Verified sha256 {expected}")
    return layout.rustup_init


def _rustup_version(layout: CacheLayout, environment: Mapping[str, str]) -> str:
    completed = run.capture([rustup_binary(layout), "--version"], env=environment)
    return completed.stdout.strip() or "version unknown"


def _shows_home(layout: CacheLayout, environment: Mapping[str, str]) -> str | None:
    """`rustup show home`: it reads rustup's settings as `--version` does, without
    running rustc for its version (12 ms of each build); older rustups lack it.
    Its answer depends on the settings too: a damaged settings.toml runs it
    again (known_runs.py)."""
    settings = [layout.rustup_home / "settings.toml"]
    binary = rustup_binary(layout)
    known = KnownRuns(layout)
    return runs(binary, "show", "home", env=environment, known=known, depends_on=settings)


def remember_rustup_check(
    layout: CacheLayout, config: BuildConfig, base_env: Mapping[str, str]
) -> None:
    """The check the next build makes before reusing rustup, made now and kept,
    once the toolchain is in: its install rewrites rustup's settings, and the
    first rebuild after an install would otherwise run rustup. Free when the
    answer is already known."""
    _shows_home(layout, rustup_environment(base_env, layout, config))


def install_rustup(layout: CacheLayout, config: BuildConfig, base_env: Mapping[str, str]) -> None:
    wanted = {"rustup_init_url": rustup_init_url(config)}
    environment = rustup_environment(base_env, layout, config)

    def works() -> str | None:
        # The proxies (cargo, rustc) are links to the same binary as rustup.
        proxies = [layout.proxies_bin / name for name in ("cargo", "rustc")]
        absent = [proxy.name for proxy in proxies if not proxy.is_file()]
        if absent:
            return f"its {', '.join(absent)} proxy is missing"
        if _shows_home(layout, environment) is None:
            return None
        return runs(rustup_binary(layout), "--version", env=environment)

    if RUSTUP.open(layout, wanted, rustup_binary(layout).is_file(), verify=works).reusable:
        # A cache written by an older version of the buildpack holds two copies.
        _store_rustup_once(layout)
        return
    # The toolchains lived in the rustup home just removed.
    TOOLCHAIN.discard(layout)
    rustup_init = fetch_rustup_init(layout, config)
    command = [
        rustup_init,
        "-y",
        "--no-modify-path",
        "--default-toolchain",
        "none",
        "--profile",
        config.profile,
        "--default-host",
        config.rustup_init_triple,
    ]
    _run_rustup_init(command, environment)
    # A build must never replace rustup behind the user's back.
    _run_rustup_init([rustup_binary(layout), "set", "auto-self-update", "disable"], environment)
    RUSTUP.save(layout, wanted)
    _store_rustup_once(layout)
    output.detail(f"Installed rustup into the cache ({_rustup_version(layout, environment)})")


def _run_rustup_init(command: list[str | Path], environment: Mapping[str, str]) -> None:
    completed = run.run_quietly(command, env=environment)
    if completed.returncode == 0:
        return
    if disk_full.said_in(completed.stdout.splitlines()):
        raise errors.DiskFull(f"`{Path(command[0]).name}`")
    raise errors.rustup_init_failed(completed.returncode)


def _store_rustup_once(layout: CacheLayout) -> None:
    """rustup-init installs a byte-for-byte copy of itself as rustup (21 MB): the
    cached rustup-init becomes a hard link to it, so the cache holds one copy.
    A link made halfway leaves the old file: the swap is a rename."""
    init, installed = layout.rustup_init, rustup_binary(layout)
    try:
        if init.stat().st_ino == installed.stat().st_ino:
            return
        if not filecmp.cmp(init, installed, shallow=False):
            return
        staging = init.with_name(f".{init.name}.link")
        staging.unlink(missing_ok=True)
        os.link(installed, staging)
        os.replace(staging, init)
    except OSError:
        return  # two copies: bigger, never wrong
