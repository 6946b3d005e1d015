"""A small file over one plain HTTP/1.1 connection, when nothing about it is unusual.

Why: every rebuild of a floating channel (stable, beta, nightly) asks the
dist server for ``channel-rust-<channel>.toml.sha256``, as rustup does, to
learn whether the toolchain is still current. That is a file of 100 bytes,
but urllib's client (transport.py) imports ``http.client``, and with it
the ``email`` package and urllib's handlers: about 10 ms of imports on every
build, more than the request itself. This module sends the request over a
socket (TLS for https) and reads the answer; it needs nothing a build has
not imported already, ``ssl`` aside.

It answers only the plain case, and says ``None`` for anything else, so that
the caller goes through transport.py, which handles it all and words the
failures: a proxy set in the environment (``http_proxy``, ``https_proxy``,
``all_proxy``, any case), credentials in the URL, a non-ASCII URL, an answer
other than 200 or 404 (redirects, errors, retries), a chunked or compressed body, a
body that is not the length announced, anything larger than ``MAX_BYTES``,
or any error on the connection. Certificates are checked as urllib checks
them: the system's trust store (or ``SSL_CERT_FILE``) and the host name.
"""

from __future__ import annotations

import os
import socket
import time
from types import ModuleType
from urllib.parse import urlsplit

from .. import __version__, lazy_re

MAX_BYTES = 1 << 16
# Short: a slow answer costs this, then the full client's own attempts.
WAIT_SECONDS = 5.0
USER_AGENT = f"classic-bp-rust/{__version__}"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
DEFAULT_PORTS = {"http": 80, "https": 443}
NOT_FOUND = 404
# How OpenSSL names a certificate in a hashed folder (openssl rehash): hash.N
_HASHED_NAME = lazy_re.compile(r"[0-9a-f]{8}\.[0-9]+")


def _proxied() -> bool:
    return any(os.environ.get(name) or os.environ.get(name.upper()) for name in PROXY_VARIABLES)


def _request_target(url: str) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, the request line's target), or None if unusual."""
    if not url.isascii() or any(character in url for character in "\r\n "):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or port is None or not parts.hostname:
        return None
    if "@" in parts.netloc:
        return None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target


def _connect(scheme: str, host: str, port: int) -> socket.socket:
    # An ASCII name given as bytes: a str would make the resolver import the
    # idna codec (1 ms of every build) to encode what is ASCII already.
    connection = socket.create_connection((host.encode("ascii"), port), timeout=WAIT_SECONDS)
    if scheme == "https":
        import ssl  # only for https: a mirror on http never loads OpenSSL's ssl

        try:
            context = _client_context(ssl)
            connection = context.wrap_socket(connection, server_hostname=host)
        except BaseException:
            connection.close()
            raise
    return connection


def _client_context(ssl: ModuleType):  # the ssl module, imported only for https
    """The trust of ``ssl.create_default_context()``, loaded for one connection.

    Why: the default context parses the whole system bundle (ca-certificates.crt,
    some 140 certificates) before the first byte is sent: about 25 ms of every
    rebuild of a floating channel on an https dist server. The system's hashed
    certificate folder (``/etc/ssl/certs`` on the stacks, or SSL_CERT_DIR) holds
    the same certificates, and OpenSSL reads from it only the issuer the server's
    chain needs. A bundle named by SSL_CERT_FILE, or a folder without hashed
    names (``<hash>.0``), gets the default context, as urllib would use.
    """
    paths = ssl.get_default_verify_paths()
    if os.environ.get(paths.openssl_cafile_env) or not _hashed_folder(paths.capath):
        return ssl.create_default_context()
    return ssl.create_default_context(capath=paths.capath)


def _hashed_folder(folder: str | None) -> bool:
    """Whether ``folder`` holds at least one certificate under its hashed name,
    the only names OpenSSL looks up in a folder."""
    if not folder:
        return False
    try:
        with os.scandir(folder) as entries:
            return any(_HASHED_NAME.fullmatch(entry.name) for entry in entries)
    except OSError:
        return False


def answered_http(status: int) -> str:
    """How a download's failure names the server's answer (transport.py too)."""
    return f"the server answered HTTP {status}"


def _body(answer: bytes) -> bytes | int | None:
    """The body of a complete ``200`` answer with nothing unusual, ``404`` for a
    404, else None."""
    head, separator, body = answer.partition(b"\r\n\r\n")
    if not separator:
        return None
    status_line, *header_lines = head.split(b"\r\n")
    words = status_line.split(None, 2)
    if len(words) < 2 or not words[0].startswith(b"HTTP/1."):
        return None
    if words[1] == b"404":
        return NOT_FOUND
    if words[1] != b"200":
        return None
    headers: dict[bytes, bytes] = {}
    for line in header_lines:
        name, colon, value = line.partition(b":")
        if not colon or name != name.strip():
            return None
        headers[name.lower()] = value.strip()
    if headers.get(b"transfer-encoding", b"identity").lower() != b"identity":
        return None
    if headers.get(b"content-encoding", b"identity").lower() != b"identity":
        return None
    length = headers.get(b"content-length")
    if length is None or not length.isdigit() or int(length) != len(body):
        return None
    return body


def _complete(received: bytearray) -> bool:
    """Whether the answer so far holds its headers and the body they announce: a
    server that keeps the connection open despite ``Connection: close`` is not
    waited for."""
    head, separator, body = bytes(received).partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return False


def get_small_file(url: str) -> bytes | int | None:
    """The body of ``url`` if the server answers it plainly (see the module's
    docstring); ``NOT_FOUND`` if it has no such file (a caller probing for one
    must not ask twice); else None: the caller then uses the full client."""
    if _proxied():
        return None
    target = _request_target(url)
    if target is None:
        return None
    scheme, host, port, path = target
    netloc = urlsplit(url).netloc
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {netloc}\r\nUser-Agent: {USER_AGENT}\r\n"
        "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        with _connect(scheme, host, port) as connection:
            connection.sendall(request)
            received = bytearray()
            while not _complete(received) and (block := connection.recv(MAX_BYTES)):
                received += block
                if len(received) > MAX_BYTES or time.monotonic() > deadline:
                    return None
    except (OSError, ValueError):  # ssl.SSLError is an OSError
        return None
    return _body(bytes(received))
