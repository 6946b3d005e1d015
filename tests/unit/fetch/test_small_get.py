"""The plain GET of a ``.sha256`` (small_get.py) against real servers on 127.0.0.1.

It must answer exactly what the full client answers when the server answers
plainly, over http and https, and step aside (``None``) for everything else,
so that fetch_sha256 still follows redirects, reports errors and honours
proxies through transport.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.fetch import download, small_get
from classic_bp.fetch.small_get import get_small_file

DIGEST = hashlib.sha256(b"channel").hexdigest()
SHA_FILE = f"{DIGEST}  channel-rust-stable.toml\n".encode()
LIB = Path(download.__file__).resolve().parents[2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _raw(self, head: str, body: bytes) -> None:
        self.wfile.write(head.encode() + b"\r\n\r\n" + body)
        self.close_connection = True

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        if self.path == "/plain.sha256":
            self._raw(f"HTTP/1.1 200 OK\r\nContent-Length: {len(SHA_FILE)}", SHA_FILE)
        elif self.path == "/kept-open.sha256":  # ignores Connection: close
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(SHA_FILE)}\r\n\r\n"
            self.wfile.write(head.encode() + SHA_FILE)
            self.wfile.flush()
            time.sleep(3)
            self.close_connection = True
        elif self.path == "/moved.sha256":
            self._raw("HTTP/1.1 302 Found\r\nLocation: /plain.sha256\r\nContent-Length: 0", b"")
        elif self.path == "/chunked.sha256":
            chunk = b"%x\r\n%s\r\n0\r\n\r\n" % (len(SHA_FILE), SHA_FILE)
            self._raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", chunk)
        elif self.path == "/short.sha256":
            self._raw("HTTP/1.1 200 OK\r\nContent-Length: 500", SHA_FILE)
        elif self.path == "/compressed.sha256":
            head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(SHA_FILE)}"
            self._raw(head, SHA_FILE)
        elif self.path == "/large.sha256":
            body = SHA_FILE + b" " * 100_000
            self._raw(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}", body)
        else:
            self._raw("HTTP/1.1 404 Not Found\r\nContent-Length: 0", b"")


def _serve(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class Served(str):
    """The server's URL, with the paths it was asked for."""

    requests: list[str]


@pytest.fixture
def server() -> Iterator[Served]:
    for running in _serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler)):
        served = Served(f"http://127.0.0.1:{running.server_address[1]}")
        served.requests = running.requests  # type: ignore[attr-defined]
        yield served


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_a_plain_answer_is_read_without_the_full_client(server: str) -> None:
    assert get_small_file(f"{server}/plain.sha256") == SHA_FILE
    code = (
        f"import sys; sys.path.insert(0, {str(LIB)!r});"
        "from classic_bp.fetch.download import fetch_sha256;"
        f"print(fetch_sha256({server + '/plain.sha256'!r}), 'http.client' in sys.modules)"
    )
    answer = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    )
    assert answer.stdout.split() == [DIGEST, "False"]


@pytest.mark.parametrize("path", ["moved", "chunked", "short", "compressed", "large"])
def test_anything_unusual_goes_to_the_full_client(server: str, path: str) -> None:
    assert get_small_file(f"{server}/{path}.sha256") is None


def test_redirects_and_chunks_still_give_the_checksum(server: str) -> None:
    for path in ("moved", "chunked"):
        assert download.fetch_sha256(f"{server}/{path}.sha256") == DIGEST


def test_a_missing_file_is_asked_for_once_and_is_the_full_clients_error(
    server: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{server}/missing.sha256"
    with pytest.raises(errors.DownloadNotFound) as quick:
        download.fetch_sha256(url)
    assert quick.value.message.count(url) == 1
    assert server.requests == ["/missing.sha256"]
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # the plain GET steps aside
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # and urllib goes direct
    with pytest.raises(errors.DownloadNotFound) as full:
        download.fetch_sha256(url)
    assert quick.value.message == full.value.message


def test_a_proxy_or_credentials_go_to_the_full_client(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = server.removeprefix("http://")
    assert get_small_file(f"http://user:secret@{host}/plain.sha256") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert get_small_file(f"{server}/plain.sha256") is None


def test_nothing_listening_is_left_to_the_full_client() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as closed:
        port = closed.server_address[1]
    assert get_small_file(f"http://127.0.0.1:{port}/plain.sha256") is None


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 and localhost, made by openssl."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    (tmp_path / "both.pem").write_bytes(cert.read_bytes() + key.read_bytes())
    return tmp_path


@pytest.fixture
def tls_server(certificate: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate / "both.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    for running in _serve(httpd):
        yield f"https://localhost:{running.server_address[1]}"


def test_https_checks_the_certificate_as_urllib_does(
    tls_server: str, certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not trusted yet (a self-signed certificate): stepped aside.
    assert get_small_file(f"{tls_server}/plain.sha256") is None
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    assert get_small_file(f"{tls_server}/plain.sha256") == SHA_FILE
    assert download.fetch_sha256(f"{tls_server}/plain.sha256") == DIGEST


def test_https_trusts_a_hashed_certificate_folder(
    tls_server: str, certificate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system's hashed folder (here SSL_CERT_DIR, made by ``openssl rehash``) is
    trusted on its own, without parsing the whole bundle; a folder with the same
    certificate under another name is not what OpenSSL reads, and the full client
    is left to answer."""
    folder = tmp_path / "certs"
    folder.mkdir()
    shutil.copy(certificate / "cert.pem", folder / "local-ca.pem")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    assert get_small_file(f"{tls_server}/plain.sha256") is None
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    assert any(name.endswith(".0") for name in os.listdir(folder))
    assert get_small_file(f"{tls_server}/plain.sha256") == SHA_FILE
    # Nothing parsed before the connection: OpenSSL reads the issuer it needs.
    assert small_get._client_context(ssl).cert_store_stats()["x509_ca"] == 0
    # A bundle the environment names is loaded whole, as urllib loads it.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    assert small_get._client_context(ssl).cert_store_stats()["x509_ca"] == 1


def test_a_server_that_keeps_the_connection_open_is_not_waited_for(server: str) -> None:
    started = time.monotonic()
    assert get_small_file(f"{server}/kept-open.sha256") == SHA_FILE
    assert time.monotonic() - started < 2
