"""The toolchain's download relay against a real server on 127.0.0.1 that misbehaves.

rustup downloads through the relay (fetch/relay.py): each file is retried
on its own with the buildpack's back-off, resumed where it stopped, and
failed once no new byte came for the stall bound, never for being slow.
Here an HTTP client stands in for rustup; the builds that run the real
rustup through a faulty mirror are in test_download_stalls.py and
test_per_download_retries.py.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from classic_bp.fetch import relay, retry

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
HALF = len(PAYLOAD) // 2


class Upstream(ThreadingHTTPServer):
    """The real server behind the relay; each path misbehaves its own way."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), UpstreamHandler)
        self.requests: list[tuple[str, str | None, str | None]] = []
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def hits(self, path: str) -> int:
        return sum(1 for seen, _range, _auth in self.requests if seen == path)


class UpstreamHandler(BaseHTTPRequestHandler):
    server: Upstream

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        asked = self.headers.get("Range")
        self.server.requests.append((self.path, asked, self.headers.get("Authorization")))
        hits = self.server.hits(self.path)
        if self.path == "/missing":
            self.send_error(404)
        elif self.path == "/flaky" and hits <= 2:
            self.send_error(503)
        elif self.path in ("/cut", "/cut-ignoring-ranges") and hits == 1:
            self._headers(200, len(PAYLOAD))
            self.wfile.write(PAYLOAD[:HALF])  # then the connection closes
        elif self.path == "/stall":
            self._headers(200, len(PAYLOAD))
            self.wfile.write(PAYLOAD[:HALF])
            self.wfile.flush()
            self.server.released.wait(30)
        elif self.path == "/drip":  # slow but moving: 10 pieces, 0.3 s apart
            self._headers(200, len(PAYLOAD))
            for piece in range(10):
                self.wfile.write(
                    PAYLOAD[piece * len(PAYLOAD) // 10 : (piece + 1) * len(PAYLOAD) // 10]
                )
                self.wfile.flush()
                time.sleep(0.3)
        elif asked and self.path != "/cut-ignoring-ranges":
            start = int(asked.removeprefix("bytes=").rstrip("-"))
            self._headers(
                206, len(PAYLOAD) - start, f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}"
            )
            self.wfile.write(PAYLOAD[start:])
        else:
            self._headers(200, len(PAYLOAD))
            self.wfile.write(PAYLOAD)

    def _headers(self, status: int, length: int, content_range: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        if content_range:
            self.send_header("Content-Range", content_range)
        self.end_headers()


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[Upstream]:
    monkeypatch.setattr(retry, "FIRST_BACKOFF_SECONDS", 0.05)
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.released.set()
    server.shutdown()
    server.server_close()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """What rustup does: one GET, the whole body."""
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status, dict(answer.headers), answer.read()


def test_each_file_is_retried_with_back_off_until_served(upstream: Upstream, capsys) -> None:
    with relay.relaying(upstream.url, stall_seconds=10) as through:
        status, _headers, body = get(f"{through.url}/flaky")
    assert (status, body == PAYLOAD) == (200, True)
    assert upstream.hits("/flaky") == 3
    assert "/flaky failed on a network error (attempt 2 of 4)" in capsys.readouterr().out
    assert through.failure is None


@pytest.mark.parametrize("path", ["/cut", "/cut-ignoring-ranges"])
def test_a_cut_transfer_resumes_where_it_stopped(upstream: Upstream, path: str) -> None:
    """The client sees one whole answer: the relay asks for the rest (a server
    that ignores the range sends all, and the relay skips what it had)."""
    with relay.relaying(upstream.url, stall_seconds=10) as through:
        status, headers, body = get(f"{through.url}{path}")
    assert status == 200 and headers["Content-Length"] == str(len(PAYLOAD))
    assert body == PAYLOAD
    assert [asked for seen, asked, _ in upstream.requests if seen == path] == [
        None,
        f"bytes={HALF}-",
    ]


def test_a_resumed_download_gets_the_rest_of_the_file(upstream: Upstream) -> None:
    """rustup resumes a partial file of an earlier build with a Range request."""
    with relay.relaying(upstream.url, stall_seconds=10) as through:
        status, headers, body = get(f"{through.url}/file", {"Range": "bytes=1000-"})
    assert status == 206 and body == PAYLOAD[1000:]
    assert headers["Content-Range"] == f"bytes 1000-{len(PAYLOAD) - 1}/{len(PAYLOAD)}"


def test_a_stall_fails_once_no_new_byte_came_for_the_bound(upstream: Upstream) -> None:
    server = upstream.url.replace("http://", "http://robot:s3cr3t@")
    started = time.monotonic()
    with relay.relaying(server, stall_seconds=1) as through:
        with pytest.raises(http.client.IncompleteRead):  # the answer ends short
            get(f"{through.url}/stall")
        failed = time.monotonic() - started
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"{through.url}/stall")  # asked again: refused at once
    # One silent connection dropped after half the bound, asked again, given up.
    assert 1 <= failed < 2.5
    assert refused.value.code == 504
    assert upstream.hits("/stall") == 2
    assert all(auth and auth.startswith("Basic ") for _, _, auth in upstream.requests)
    message = str(through.failure)
    assert "Could not download a file of the Rust toolchain from" in message
    assert f"{upstream.url} (RUSTUP_DIST_SERVER): stall" in message.replace("\n", " ")
    assert "no byte arrived for 1 s (512.0 KiB of 1.0 MiB received), after 2 attempts" in message
    assert "s3cr3t" not in message and "robot" not in message
    assert through.failure is not None and through.failure.reason == "download_failed"


def test_a_slow_but_moving_download_is_never_cut(upstream: Upstream) -> None:
    """3 s in all with a bound of 1 s: bytes keep coming, so it goes on."""
    with relay.relaying(upstream.url, stall_seconds=1) as through:
        status, _headers, body = get(f"{through.url}/drip")
    assert status == 200 and body == PAYLOAD
    assert upstream.hits("/drip") == 1


def test_not_found_is_passed_on_and_is_no_failure(upstream: Upstream) -> None:
    """rustup reads a 404 itself (an unknown toolchain, an older nightly to try)."""
    with (
        relay.relaying(upstream.url, stall_seconds=10) as through,
        pytest.raises(urllib.error.HTTPError) as raised,
    ):
        get(f"{through.url}/missing")
    assert raised.value.code == 404
    assert upstream.hits("/missing") == 1
    assert through.failure is None
