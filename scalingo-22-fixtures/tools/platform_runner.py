"""Drive the buildpack's bin/ scripts exactly as a platform does.

Each compile gets a fresh build dir under ``builds/<id>`` (Scalingo's
``/build/<request id>``), the cache and env dirs are plain folders, and the
process environment is the small one a build container has: no Rust on PATH,
only a python3 and the system tools.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS_DIR = REPO_ROOT / "scalingo-22-fixtures" / "apps"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


def copy_buildpack(destination: Path) -> Path:
    """What a git clone of the buildpack holds: bin/ and lib/, nothing cached."""
    for part in ("bin", "lib"):
        shutil.copytree(
            REPO_ROOT / part,
            destination / part,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    return destination


def checkout_file(source: str, destination: str) -> None:
    """One file as git checks it out: its contents, a new mtime, and the executable
    bit (the only mode git keeps: an app's bin/pre_compile hook has it)."""
    shutil.copyfile(source, destination)
    if os.stat(source).st_mode & stat.S_IXUSR:
        os.chmod(destination, 0o755)


@dataclass
class Platform:
    buildpack: Path
    workdir: Path
    process_env: dict[str, str] = field(default_factory=dict)
    echo: bool = False
    # stdout a terminal, as in a local `docker run -it` of the stack image.
    at_terminal: bool = False

    def __post_init__(self) -> None:
        self.cache_dir = self.workdir / "cache"
        self.env_dir = self.workdir / "env"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.env_dir.mkdir(parents=True, exist_ok=True)
        # The builder's /tmp: the buildpack's fixed compile path lives there, so
        # builds of concurrent test runs never contend for one.
        self.tmp_dir = self.workdir / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def environment(self) -> dict[str, str]:
        python_dir = str(Path(sys.executable).parent)
        return {
            "PATH": f"{python_dir}:{SYSTEM_PATH}",
            "HOME": str(self.workdir / "home"),
            "STACK": "scalingo-22",
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.tmp_dir),
            **self.process_env,
        }

    def set_config(self, **variables: str) -> None:
        """App config vars, as the platform writes them into ENV_DIR."""
        for name, value in variables.items():
            (self.env_dir / name).write_text(value)

    def new_build_dir(self, app: str) -> Path:
        """A fresh checkout, as a platform makes one: a new path, every mtime new."""
        build_dir = self.workdir / "builds" / uuid.uuid4().hex[:12]
        shutil.copytree(
            APPS_DIR / app,
            build_dir,
            ignore=shutil.ignore_patterns("target"),
            copy_function=checkout_file,
        )
        return build_dir

    def run(self, script: str, *arguments: Path | str, timeout: float = 900) -> Result:
        """Run bin/<script>; with ``echo`` set, its output is also shown live."""
        if self.at_terminal:
            return run_at_terminal(
                [str(self.buildpack / "bin" / script), *map(str, arguments)],
                self.environment(),
                timeout,
            )
        process = subprocess.Popen(
            [str(self.buildpack / "bin" / script), *map(str, arguments)],
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        if not self.echo:
            stdout, stderr = process.communicate(timeout=timeout)
            return Result(process.returncode, stdout, stderr)
        captured: dict[str, list[str]] = {"stdout": [], "stderr": []}
        threads = [
            threading.Thread(target=_tee, args=(process.stdout, sys.stdout, captured["stdout"])),
            threading.Thread(target=_tee, args=(process.stderr, sys.stderr, captured["stderr"])),
        ]
        for thread in threads:
            thread.start()
        process.wait(timeout=timeout)
        for thread in threads:
            thread.join()
        return Result(process.returncode, "".join(captured["stdout"]), "".join(captured["stderr"]))

    def detect(self, build_dir: Path) -> Result:
        return self.run("detect", build_dir)

    def compile_command(self, build_dir: Path) -> list[str]:
        """bin/compile's command line, for tests that run it themselves (to kill it)."""
        return [
            str(self.buildpack / "bin" / "compile"),
            str(build_dir),
            str(self.cache_dir),
            str(self.env_dir),
        ]

    def compile(self, build_dir: Path) -> Result:
        return self.run("compile", build_dir, self.cache_dir, self.env_dir)

    def release(self, build_dir: Path) -> Result:
        return self.run("release", build_dir)

    def build(self, app: str) -> tuple[Path, Result]:
        """A fresh checkout of ``app`` compiled with this platform's cache."""
        build_dir = self.new_build_dir(app)
        return build_dir, self.compile(build_dir)


# Colours, cursor moves and progress bars, and the terminal's carriage returns.
TERMINAL_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


@contextmanager
def terminal_process(
    command: list[str], env: dict[str, str], timeout: float = 900
) -> Iterator[subprocess.Popen]:
    """``command`` with its stdout on a pseudo-terminal (stderr a pipe): the
    process's ``stdout`` reads the terminal's side, as text; a read past
    ``timeout`` raises TimeoutError (and the process is killed), never hangs."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        command, env=env, stdout=secondary, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    os.close(secondary)
    process.stdout = _TerminalReader(primary, time.monotonic() + timeout)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(primary)


class _TerminalReader:
    """Lines from a pty's primary side; EOF once the process side is closed (EIO)."""

    def __init__(self, fd: int, deadline: float) -> None:
        self.fd, self.pending, self.deadline = fd, b"", deadline

    def _more(self) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0, self.deadline - time.monotonic()))
        if not ready:
            raise TimeoutError("no end of output from the process on the terminal")
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            chunk = b""
        self.pending += chunk
        return bool(chunk)

    def readline(self) -> str:
        while b"\n" not in self.pending and self._more():
            pass
        line, newline, self.pending = self.pending.partition(b"\n")
        return TERMINAL_CONTROL.sub("", (line + newline).decode(errors="replace"))

    def read(self) -> str:
        while self._more():
            pass
        rest, self.pending = self.pending, b""
        return TERMINAL_CONTROL.sub("", rest.decode(errors="replace"))


def run_at_terminal(command: list[str], env: dict[str, str], timeout: float) -> Result:
    """Run ``command`` with its stdout on a terminal; the output without its
    terminal control codes."""
    with terminal_process(command, env, timeout) as process:
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(process.stderr.read()))
        reader.start()
        stdout = process.stdout.read()
        process.wait(timeout=timeout)
        reader.join()
    return Result(process.returncode, stdout, b"".join(errors).decode(errors="replace"))


def write_env_dir(directory: Path, **variables: str) -> Path:
    """An ENV_DIR as platforms write it: one file per config var, named after it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in variables.items():
        (directory / name).write_text(value)
    return directory


def hardlink_tree(source: Path, destination: Path) -> None:
    """A cheap copy of a read-mostly tree (a toolchain): files are hard links."""
    shutil.copytree(source, destination, copy_function=os.link, symlinks=True)


def _tee(source, sink, lines: list[str]) -> None:
    for line in source:
        lines.append(line)
        sink.write(line)
        sink.flush()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_command(release_stdout: str, process_type: str, build_dir: Path) -> str:
    """The release's command for a process type, with the slug's /app at build_dir."""
    document = yaml.safe_load(release_stdout)
    command = document["default_process_types"][process_type]
    return command.replace("/app/", f"{build_dir}/")


def _process_environment(build_dir: Path, env: dict[str, str] | None) -> dict[str, str]:
    """A process's environment on a platform: the slug's bin/ on PATH, HOME the
    slug, and the app's config vars (``env``)."""
    return {"HOME": str(build_dir), "PATH": f"{build_dir}/bin:/usr/bin:/bin", **(env or {})}


def run_process(
    build_dir: Path, command: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """A one-off process (a Procfile ``release:`` command) as a platform runs it:
    through a shell, in /app, with the config vars ``env``; waited for."""
    return subprocess.run(
        ["sh", "-c", command],
        env=_process_environment(build_dir, env),
        cwd=build_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def running_process(
    build_dir: Path, command: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start a web process as a platform does: through a shell, in /app, PORT set,
    with the config vars ``env``; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        ["sh", "-c", command],
        env=_process_environment(build_dir, {"PORT": str(port), **(env or {})}),
        cwd=build_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the shell and the app stop together
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@contextmanager
def running_web_process(release_stdout: str, build_dir: Path) -> Iterator[str]:
    """The release's default web process, started as a platform starts it."""
    with running_process(build_dir, process_command(release_stdout, "web", build_dir)) as url:
        yield url


def http_get(url: str, timeout: float = 30) -> str:
    """GET with retries while the freshly started server binds its port."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
