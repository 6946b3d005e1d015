"""The downloader against a real HTTP server on 127.0.0.1 that misbehaves."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.errors import Reason
from classic_bp.fetch import download, retry

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
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path in ("/stall", "/drip"):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            for _ in range(600):  # the stall: nothing; the drip: a byte at a time
                if self.path == "/drip":
                    self.wfile.write(b"x")
                    self.wfile.flush()
                time.sleep(0.05)
            return
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
    monkeypatch.setattr(retry, "FIRST_BACKOFF_SECONDS", 0.01)
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
    assert server.hits["/file"] == retry.ATTEMPTS
    assert "HTTP 503" in str(raised.value)
    assert f"after {retry.ATTEMPTS} attempts" in str(raised.value)


def test_not_found_is_not_retried(server: FlakyServer, tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}/missing", tmp_path / "f", PAYLOAD_SHA)
    assert server.hits["/missing"] == 1
    assert "HTTP 404" in str(raised.value)


def test_a_checksum_mismatch_installs_nothing(server: FlakyServer, tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}/file", tmp_path / "file", "0" * 64)
    assert raised.value.reason is Reason.CHECKSUM_MISMATCH
    assert PAYLOAD_SHA in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_a_checksum_file_without_a_checksum_is_refused(server: FlakyServer) -> None:
    with pytest.raises(errors.BuildError, match="does not hold a sha256"):
        download.fetch_sha256(f"{server.url}/wrong.sha256")


def test_an_unreachable_server_fails_after_the_retries(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(retry, "FIRST_BACKOFF_SECONDS", 0.01)
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


def test_a_redirect_loop_is_a_clear_error_not_retried(server: FlakyServer, tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}/loop", tmp_path / "f", PAYLOAD_SHA)
    assert raised.value.reason is Reason.DOWNLOAD_FAILED
    assert "redirects in a loop" in str(raised.value)
    assert f"{server.url}/loop" in str(raised.value)


@pytest.mark.parametrize("path", ["/stall", "/drip"])
def test_a_stalling_or_dripping_server_fails_within_the_bound(
    server: FlakyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """A server that accepts and then sends nothing (or one byte now and then)."""
    monkeypatch.setattr(retry, "STALL_SECONDS", 0.5)
    monkeypatch.setattr(retry, "TOTAL_SECONDS", 3)
    started = time.monotonic()
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(f"{server.url}{path}", tmp_path / "f", PAYLOAD_SHA)
    # Attempts of at most STALL_SECONDS each, or the total limit, plus one backoff.
    assert time.monotonic() - started < retry.TOTAL_SECONDS + 1
    assert raised.value.reason is Reason.DOWNLOAD_FAILED
    assert list(tmp_path.iterdir()) == []


def test_the_final_message_names_the_url_without_its_credentials(
    server: FlakyServer, tmp_path: Path
) -> None:
    server.failures = 100
    url = server.url.replace("http://", "http://robot:s3cr3t@") + "/file"
    with pytest.raises(errors.BuildError) as raised:
        download.download_verified(url, tmp_path / "f", PAYLOAD_SHA)
    assert f"{server.url}/file" in str(raised.value)
    assert "s3cr3t" not in str(raised.value) and "robot" not in str(raised.value)


def test_tools_get_the_same_policy_and_the_app_may_override_it() -> None:
    policy = retry.tool_variables({"CARGO_NET_RETRY": "10"})
    assert policy["CARGO_NET_RETRY"] == "10"
    assert policy["RUSTUP_MAX_RETRIES"] == str(retry.ATTEMPTS - 1)
    assert policy["CARGO_HTTP_TIMEOUT"] == str(retry.STALL_SECONDS)
