"""Private git servers on 127.0.0.1 for the private-dependency tests.

- ``GitHttpServer``: git's own ``git http-backend`` (smart HTTP, CGI) behind a
  small HTTP server that answers 401 unless the request carries the right
  Basic credentials, as GitHub or GitLab do for a private repository.
- ``Sshd``: a real OpenSSH ``sshd`` on a free loopback port, with a generated
  host key and one authorized user key, serving the same bare repositories
  (``ssh://<user>@127.0.0.1:<port>/<path>``). sshd needs root.
- ``library_repository``: a bare repository holding a one-function library
  crate, and the commit an app's Cargo.lock pins.

Real servers and real clients, so that what the buildpack gives git (the
credential helper, GIT_SSH_COMMAND, known_hosts) is tested as git and ssh
read it.
"""

from __future__ import annotations

import base64
import getpass
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from loopback_http import LoopbackServer

SSHD = "/usr/sbin/sshd"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def _git(*arguments: str | Path, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *map(str, arguments)],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def library_repository(root: Path, name: str, greeting: str) -> tuple[Path, str]:
    """``root/<name>.git``: a library crate whose ``greeting()`` returns ``greeting``;
    returns the bare repository and its commit."""
    work = Path(tempfile.mkdtemp(prefix=f"{name}-work-"))
    (work / "src").mkdir()
    (work / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (work / "src" / "lib.rs").write_text(
        f'pub fn greeting() -> &\'static str {{\n    "{greeting}"\n}}\n'
    )
    _git("init", "-q", "-b", "main", cwd=work)
    _git("add", "-A", cwd=work)
    _git("commit", "-q", "-m", "library", cwd=work)
    commit = _git("rev-parse", "HEAD", cwd=work)
    bare = root / f"{name}.git"
    _git("clone", "-q", "--bare", work, bare)
    shutil.rmtree(work, ignore_errors=True)
    return bare, commit


class _CgiHandler(http.server.BaseHTTPRequestHandler):
    server: GitHttpServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        self.server.requests.append((self.command, path))
        if self.headers.get("Authorization") != self.server.authorization:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "REMOTE_USER": "user",
            "REMOTE_ADDR": "127.0.0.1",
        }
        answer = subprocess.run(
            ["git", "http-backend"], input=body, env=environment, capture_output=True, check=False
        ).stdout
        head, _, payload = answer.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = answer.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class GitHttpServer(LoopbackServer):
    """Smart HTTP for the bare repositories under ``root``, behind Basic auth."""

    def __init__(self, root: Path, user: str, password: str) -> None:
        self.root = root
        pair = f"{user}:{password}".encode()
        self.authorization = "Basic " + base64.b64encode(pair).decode()
        self.requests: list[tuple[str, str]] = []
        super().__init__(_CgiHandler, name="private-git")


def keygen(path: Path, comment: str) -> str:
    """An ed25519 key pair at ``path`` (no passphrase); returns the public key line."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
    )
    return Path(f"{path}.pub").read_text().strip()


class Sshd:
    """sshd on 127.0.0.1:<free port>, accepting ``user_public_key`` for the current user."""

    def __init__(self, workdir: Path, port: int, user_public_key: str) -> None:
        self.workdir = workdir
        self.port = port
        self.user = getpass.getuser()
        workdir.mkdir(parents=True, exist_ok=True)
        workdir.chmod(0o700)
        host_key = workdir / "host_key"
        keygen(host_key, "host")
        self.host_public_key = Path(f"{host_key}.pub").read_text().strip()
        authorized = workdir / "authorized_keys"
        authorized.write_text(user_public_key + "\n")
        authorized.chmod(0o600)
        self.config = workdir / "sshd_config"
        self.config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n"
            f"AuthorizedKeysFile {authorized}\nPidFile {workdir / 'sshd.pid'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nStrictModes no\nLogLevel ERROR\n"
        )
        self.process: subprocess.Popen | None = None

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_public_key}"

    def __enter__(self) -> Sshd:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "sshd.log", "wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if self.process.poll() is not None:
                raise RuntimeError((self.workdir / "sshd.log").read_text())
            time.sleep(0.05)
        raise RuntimeError("sshd did not start listening")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
