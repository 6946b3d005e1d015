"""Step: install rustup into the cache with a verified rustup-init.

Cache invalidation: the rustup installation is keyed on the rustup-init URL
(which carries the host triple). When the key matches and rustup's binary is
present, nothing is downloaded. rustup-init itself is kept next to its sha256
so a reinstall needs no network either.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import cache, errors
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..fetch.download import download_verified, fetch_sha256, file_sha256
from ..fetch.urls import display_url
from ..platform import output, report
from .environment import rustup_environment

KEY_LABELS = {"rustup_init_url": "rustup-init URL"}


def rustup_init_url(config: BuildConfig) -> str:
    """The current rustup-init, or a pinned one from rustup's archive."""
    if config.rustup_init_version:
        return (
            f"{config.update_root}/archive/{config.rustup_init_version}"
            f"/{config.rustup_init_triple}/rustup-init"
        )
    return f"{config.update_root}/dist/{config.rustup_init_triple}/rustup-init"


def _cached_rustup_init(layout: CacheLayout, url: str) -> Path | None:
    """The cached rustup-init if it came from ``url`` and is intact."""
    stored = cache.read_key(layout.key_path("rustup-init"))
    binary = layout.rustup_init
    if not (isinstance(stored, dict) and stored.get("url") == url and binary.is_file()):
        return None
    return binary if file_sha256(binary) == stored.get("sha256") else None


def fetch_rustup_init(layout: CacheLayout, config: BuildConfig) -> Path:
    url = rustup_init_url(config)
    cached = _cached_rustup_init(layout, url)
    if cached is not None:
        output.detail("Using rustup-init from the cache")
        return cached
    output.detail(f"Downloading rustup-init from {display_url(url)}")
    expected = fetch_sha256(url + ".sha256")
    download_verified(url, layout.rustup_init, expected)
    layout.rustup_init.chmod(0o755)
    cache.write_key(layout.key_path("rustup-init"), {"url": url, "sha256": expected})
    output.detail(f"Verified sha256 {expected}")
    return layout.rustup_init


def rustup_binary(layout: CacheLayout) -> Path:
    return layout.proxies_bin / "rustup"


def _rustup_version(layout: CacheLayout, environment: Mapping[str, str]) -> str:
    completed = output.capture([rustup_binary(layout), "--version"], env=environment)
    return completed.stdout.strip() or "version unknown"


def install_rustup(layout: CacheLayout, config: BuildConfig, base_env: Mapping[str, str]) -> None:
    key_path = layout.key_path("rustup")
    wanted = {"rustup_init_url": rustup_init_url(config)}
    stored = cache.read_key(key_path)
    reasons = cache.reasons_to_discard(stored, wanted, KEY_LABELS)
    if stored is not None and not reasons and rustup_binary(layout).is_file():
        output.detail("Reusing rustup from the cache")
        report.cache_decision("rustup", "reused")
        return
    report.cache_decision("rustup", "discarded: " + "; ".join(reasons) if reasons else "created")
    if reasons:
        output.detail("Discarding the cached rustup: " + "; ".join(reasons))
    cache.forget_key(key_path)
    cache.forget_key(layout.key_path("toolchain"))
    cache.remove_tree(layout.rustup_home)
    cache.remove_tree(layout.rustup_bin_home)
    rustup_init = fetch_rustup_init(layout, config)
    environment = rustup_environment(base_env, layout, config)
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
    returncode = output.run_quietly(command, env=environment)
    if returncode != 0:
        raise errors.rustup_init_failed(returncode)
    # A build must never replace rustup behind the user's back.
    settings = [rustup_binary(layout), "set", "auto-self-update", "disable"]
    returncode = output.run_quietly(settings, env=environment)
    if returncode != 0:
        raise errors.rustup_init_failed(returncode)
    cache.write_key(key_path, wanted)
    output.detail(f"Installed rustup into the cache ({_rustup_version(layout, environment)})")
