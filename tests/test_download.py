"""The downloader against a real HTTP server on 127.0.0.1 that misbehaves."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.fetch import download

PAYLOAD = b"rustup-init stand-in\n" * 1000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class FlakyServer(ThreadingHTTPServer):
    """Answers 503 for the first ``failures`` requests of each path."""

    failures = 0

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.hits: dict[str, int] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FlakyHandler(BaseHTTPRequestHandler):
    server: FlakyServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        count = self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        routes = {
            "/file": PAYLOAD,
            "/file.sha256": f"{PAYLOAD_SHA}  file\n".encode(),
            "/wrong.sha256": b"not a checksum\n",
        }
        if count <= self.server.failures:
            self.send_response(503)
            self.end_headers()
            return
        body = routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyServer]:
    monkeypatch.setattr(download, "FIRST_BACKOFF_SECONDS", 0.01)
    httpd = FlakyServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def test_transient_failures_are_retried_then_succeed(server: FlakyServer, tmp_path: Path) -> None:
    server.failures = 2
    expected = download.fetch_sha256(f"{server.url}/file.sha256")
    download.download_verified(f"{server.url}/file", tmp_path / "file", expected)
    assert (tmp_path / "file").read_bytes() == PAYLOAD
    assert server.hits["/file"] == 3


def test_retries_are_bounded(server: FlakyServer, tmp_path: Path) -> None:
    server.failures = 100
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}/file", tmp_path / "file", PAYLOAD_SHA)
    assert server.hits["/file"] == download.ATTEMPTS
    assert "HTTP 503" in str(raised.value)
    assert f"after {download.ATTEMPTS} attempts" in str(raised.value)


def test_not_found_is_not_retried(server: FlakyServer, tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}/missing", tmp_path / "f", PAYLOAD_SHA)
    assert server.hits["/missing"] == 1
    assert "HTTP 404" in str(raised.value)


def test_a_checksum_mismatch_installs_nothing(server: FlakyServer, tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}/file", tmp_path / "file", "0" * 64)
    assert raised.value.reason == "checksum_mismatch"
    assert PAYLOAD_SHA in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_a_checksum_file_without_a_checksum_is_refused(server: FlakyServer) -> None:
    with pytest.raises(errors.BuildError, match="does not hold a sha256"):
        download.fetch_sha256(f"{server.url}/wrong.sha256")


def test_an_unreachable_server_fails_after_the_retries(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(download, "FIRST_BACKOFF_SECONDS", 0.01)
    httpd = FlakyServer()
    port = httpd.server_address[1]
    httpd.server_close()  # nothing listens on this loopback port any more
    with pytest.raises(errors.BuildError, match="could not be reached"):
        download.fetch_text(f"http://127.0.0.1:{port}/x")


def test_file_urls_work_like_rustups(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(PAYLOAD)
    download.download_verified((tmp_path / "file").as_uri(), tmp_path / "copy", PAYLOAD_SHA)
    assert (tmp_path / "copy").read_bytes() == PAYLOAD


def test_credentials_are_hidden_from_displayed_urls() -> None:
    shown = download.display_url("https://robot:t0ken@mirror.example:8443/index/")
    assert shown == "https://mirror.example:8443/index/"
