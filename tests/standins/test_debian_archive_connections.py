"""debian_crates.py asks the Debian archive for hundreds of files on a few kept-alive
connections, not one connection (and one DNS look-up) per file.

Why: Debian 13's list is 556 .deb files. With a new connection each, a
resolver that throttles look-ups stalled the fetch 5 to 10 s at a time, or
failed it; on one connection per thread it takes a tenth of the time.
"""

from __future__ import annotations

import http.server
import threading
import time

import pytest

import debian_crates
from loopback_http import LoopbackServer


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a proxy, fetch goes through urllib (one connection a file)."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


class Counting(LoopbackServer):
    """Answers every GET with its path; counts the connections it accepted."""

    def __init__(self) -> None:
        self.connections = 0
        self.lock = threading.Lock()
        super().__init__(_Handler, name="counting")

    def process_request(self, request, client_address) -> None:
        with self.lock:
            self.connections += 1
        super().process_request(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open, as the archive's servers do
    disable_nagle_algorithm = True  # else each answer waits for a delayed ACK (40 ms)
    server: Counting

    def do_GET(self) -> None:
        status = 404 if self.path.endswith("/missing") else 200
        body = self.path.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        # As a server whose idle timeout passed: the connection ends, unannounced.
        self.close_connection = self.path.startswith("/hang-up/")

    def log_message(self, *args: object) -> None:
        pass


def test_many_files_from_one_thread_come_on_one_connection() -> None:
    with Counting() as server:
        bodies = [debian_crates.fetch(f"{server.url}/pool/{n}.deb") for n in range(50)]
        assert bodies == [f"/pool/{n}.deb".encode() for n in range(50)]
        assert server.connections == 1


def test_a_missing_file_is_one_sentence_and_the_connection_serves_on() -> None:
    with Counting() as server:
        with pytest.raises(
            debian_crates.DebianArchiveError, match=r"could not be fetched \(HTTP 404\)"
        ):
            debian_crates.fetch(f"{server.url}/pool/missing")
        assert debian_crates.fetch(f"{server.url}/pool/after.deb") == b"/pool/after.deb"
        assert server.connections == 1


def test_a_connection_the_server_closed_is_replaced_at_once() -> None:
    with Counting() as server:
        started = time.monotonic()
        bodies = [debian_crates.fetch(f"{server.url}/hang-up/{n}.deb") for n in range(5)]
        assert bodies == [f"/hang-up/{n}.deb".encode() for n in range(5)]
        assert server.connections == 5
        assert time.monotonic() - started < 1  # no retry's pause
