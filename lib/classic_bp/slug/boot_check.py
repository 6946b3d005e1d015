"""Step (opt-in, BP_BOOT_CHECK=true): start the web process once and see it listen.

The most common reason a Rust app builds but never comes up is its bind
address: a server on 127.0.0.1 (the default of several frameworks, and of
most examples) is unreachable for the platform's router, which connects to
the container's own address; only 0.0.0.0 (every interface) works. The
platform then reports a boot timeout minutes later, far from the cause.

So, when asked, the build starts the web process as the platform would (the
slug's ``.profile.d/*.sh`` sourced by bash, ``HOME`` the app, a free
``PORT``, the app's config vars) and waits, at most BP_BOOT_CHECK_TIMEOUT
seconds, for a socket listening on that port. Whether it listens on every
interface is read from the kernel's socket table (``/proc/net/tcp*``), so
no traffic leaves loopback. The process's output is shown, and it is
stopped (its whole process group) either way. The command's ``/app/``
paths point at the build dir, where the slug is until the platform moves it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from .. import errors
from ..config import procfile
from ..platform import output
from ..records import record
from . import process_types

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from ..config.project import CargoProject

LISTEN_STATE = "0A"
EVERY_INTERFACE = {"00000000", "00000000000000000000000000000000"}
BOOT = 'for f in "$HOME"/.profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; eval "$1"'


@record
class BootResult:
    listening_on: str | None  # "every interface", "127.0.0.1", ... or None
    exited: int | None
    output: str
    seconds: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listeners(port: int) -> list[str]:
    """Local addresses (hex, as the kernel writes them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                address, _, hex_port = fields[1].partition(":")
                if fields[3] == LISTEN_STATE and int(hex_port, 16) == port:
                    found.append(address)
    return found


def _shown_address(address: str) -> str:
    if address in EVERY_INTERFACE:
        return "every interface"
    if len(address) == 8:  # IPv4, little-endian
        return socket.inet_ntoa(bytes.fromhex(address)[::-1])
    return "an IPv6 address only"


def run(command: str, app_dir: Path, environment: Mapping[str, str], timeout: float) -> BootResult:
    port = _free_port()
    env = {**environment, "PORT": str(port), "HOME": str(app_dir)}
    command = command.replace("/app/", f"{app_dir}/")
    started = time.monotonic()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            ["bash", "-c", BOOT, "boot", command],
            cwd=app_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        listening, exited = None, None
        try:
            while time.monotonic() - started < timeout:
                addresses = _listeners(port)
                if addresses:
                    best = min(addresses, key=lambda a: a not in EVERY_INTERFACE)
                    listening = _shown_address(best)
                    break
                exited = process.poll()
                if exited is not None:
                    break
                time.sleep(0.1)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    return BootResult(listening, exited, output, time.monotonic() - started)


def boot_check_step(
    build_dir: Path,
    project: CargoProject,
    binaries: tuple[str, ...],
    environment: Mapping[str, str],
    timeout: float,
) -> None:
    """The web process the platform would start: the Procfile's, else the default one."""
    with output.timed_step("Starting the web process once (BP_BOOT_CHECK)", "boot_check"):
        command = procfile.read_process_types(build_dir).get("web")
        if command is None:
            web = process_types.choose_web(project, binaries).binary
            web_env = process_types.web_environment(project, web)
            command = process_types.process_types(web, binaries, web_env).get("web")
        if command is None:
            output.warning(errors.boot_check_without_web())
            return
        output.detail(f"Running: {command}  (PORT set, .profile.d sourced)")
        result = run(command, build_dir, environment, timeout)
        for line in result.output.splitlines():
            output.detail(f"  {line}")
        if result.listening_on == "every interface":
            output.detail(
                f"The web process listens on every interface after {result.seconds:.1f} s"
            )
            return
        if result.listening_on is not None:
            problem = f"it listens on {result.listening_on} only"
        elif result.exited is not None:
            problem = f"it exited with code {result.exited} without listening"
        else:
            problem = f"nothing listened on $PORT within {timeout:g} s"
        raise errors.boot_check_failed(command, problem, result.seconds)
