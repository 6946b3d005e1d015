"""rustup's downloads, each through the buildpack's relay (fetch/relay.py).

rustup is pointed at the relay on 127.0.0.1 (RUSTUP_DIST_SERVER), which
fetches every file from the real server under the buildpack's retry policy,
resuming a cut or stalled file where it stopped and failing it once no new
byte came for BP_DOWNLOAD_STALL_TIMEOUT. So rustup runs once: a file that
failed for good fails the build with the relay's error, naming the file and
the server. A ``file://`` server needs no network, and no relay.

rustup prints the relay's URL in its errors: the log shows the real server
instead (without its credentials).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .. import errors
from ..fetch.urls import display_url
from ..platform import disk_full, output, run


def stream_rustup(
    command: Sequence[str | Path],
    env: Mapping[str, str],
    server: str,
    stall_seconds: float,
    heartbeat: str | None = None,
) -> tuple[int, errors.BuildError | None]:
    """``run.stream_command`` for a rustup command that downloads from ``server``:
    its exit code, and what failed it when that is known (a download, a full disk)."""
    if urlsplit(server).scheme not in ("http", "https"):
        watch = disk_full.Watch()
        returncode = run.stream_command(command, env=env, consume=watch, heartbeat=heartbeat)
        return returncode, _full_disk(command, returncode, watch)
    # Only a build that runs rustup needs the relay and its HTTP server (20 ms of imports).
    from ..fetch.relay import relaying

    with relaying(server, stall_seconds) as relay:
        shown = display_url(server)

        def show(line: str) -> bool:
            output.detail_line(line.replace(relay.url, shown))
            return True

        watch = disk_full.Watch(show)
        returncode = run.stream_command(
            command, env=_through(env, relay.url, stall_seconds), consume=watch, heartbeat=heartbeat
        )
        if returncode != 0 and relay.crash is not None:
            raise relay.crash
        return returncode, _full_disk(command, returncode, watch) or relay.failure


def _full_disk(
    command: Sequence[str | Path], returncode: int, watch: disk_full.Watch
) -> errors.BuildError | None:
    if returncode != 0 and watch.seen:
        return errors.DiskFull(f"`rustup {' '.join(map(str, command[1:3]))}`")
    return None


def _through(env: Mapping[str, str], relay_url: str, stall_seconds: float) -> dict[str, str]:
    """rustup's environment with the relay as its server: never through an HTTP
    proxy (the relay uses it), and patient enough that the relay, which bounds
    every silence itself, always answers first."""
    loopback = "127.0.0.1"
    environment = dict(env)
    for name in ("no_proxy", "NO_PROXY"):
        existing = environment.get(name)
        environment[name] = f"{existing},{loopback}" if existing else loopback
    environment.update(
        RUSTUP_DIST_SERVER=relay_url,
        RUSTUP_DOWNLOAD_TIMEOUT=str(math.ceil(stall_seconds) * 2 + 30),
    )
    return environment
