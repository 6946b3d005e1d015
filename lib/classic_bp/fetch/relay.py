"""A relay on 127.0.0.1 through which rustup downloads a toolchain, file by file.

rustup downloads a toolchain's files itself, under a policy that does not fit
a build: it retries a component at once (no back-off) and never retries the
channel manifest or its ``.sha256``; it waits up to RUSTUP_DOWNLOAD_TIMEOUT
(3 minutes) for each read, then starts the file over. Running the whole
``rustup toolchain install`` again starts every file over too: a CDN that
answers 503 twice to each file failed the build, and a proxy that wedges
mid-file held it for many minutes.

So rustup's RUSTUP_DIST_SERVER is this relay, and each file rustup asks for
is fetched from the real server by the buildpack's transport, under the one
retry policy (retry.py: ATTEMPTS attempts, backing off 1, 2, 4 s), for that
file alone:

- a transfer cut or stalled midway resumes where it stopped (an HTTP Range
  request; from a server that ignores it, the bytes rustup already has are
  skipped), so rustup sees one unbroken answer;
- a stall is bounded by progress, never by a total time: the file fails once
  no new byte of it arrived for ``stall_seconds`` (BP_DOWNLOAD_STALL_TIMEOUT),
  and a silent connection is dropped and tried again after half of that; a
  slow but moving download goes on, and every attempt that brings new bytes
  starts the count of attempts (and the back-off) afresh.

rustup still checks each file's sha256: the relay carries bytes, nothing
more. A file that failed for good is refused at once when asked again, so
rustup's own retries cost nothing, and the first such failure (the file, the
server, why) is kept for the build's error. A 404 is passed on as it is:
rustup reads it (an unknown toolchain, an older nightly to try). It works
unchanged against static.rust-lang.org: rustup rewrites the manifest's
``https://static.rust-lang.org`` URLs to RUSTUP_DIST_SERVER, here the relay,
which maps each path back onto the real server. Credentials in the server's
URL stay in the relay: rustup never sees them.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .. import errors, lazy_re
from ..platform import output
from . import retry, transport
from .download import USER_AGENT
from .urls import display_url

RANGE = lazy_re.compile(r"bytes=(\d+)-\s*$")
CONTENT_RANGE = lazy_re.compile(r"bytes (\d+)-\d+/(\d+|\*)")
BLOCK_BYTES = 1 << 16


class _GaveUp(Exception):
    """This file failed for good: ``status`` is what rustup gets for it from now on."""

    def __init__(self, status: int, failure: errors.BuildError | None) -> None:
        super().__init__(str(failure))
        self.status = status
        self.failure = failure


class _ClientGone(Exception):
    """rustup hung up (it failed on another file, or was stopped)."""


class Relay:
    """The relay for one server; ``url`` is what rustup is given instead."""

    def __init__(self, server: str, stall_seconds: float) -> None:
        self.server = server.rstrip("/")
        self.shown_server = display_url(self.server)
        self.stall_seconds = stall_seconds
        self.failure: errors.BuildError | None = None
        self._refused: dict[str, int] = {}
        self._lock = threading.Lock()
        # Set once rustup is done: transfers still running end without a word.
        self.closed = threading.Event()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                relay._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.1,), name="toolchain-relay", daemon=True
        )

    def _serve(self, client: BaseHTTPRequestHandler) -> None:
        with self._lock:
            refused = self._refused.get(client.path)
        if refused is not None:
            _refuse(client, refused)
            return
        start = RANGE.match(client.headers.get("Range", ""))
        transfer = _Transfer(self, self.server + client.path, client)
        try:
            transfer.run(int(start[1]) if start else 0)
        except _ClientGone:
            return
        except _GaveUp as gave_up:
            with self._lock:
                self._refused[client.path] = gave_up.status
                if self.failure is None:
                    self.failure = gave_up.failure
            if not transfer.answered:
                _refuse(client, gave_up.status)
            # Else the answer ends short of its length: rustup sees the cut.

    @property
    def crash(self) -> BaseException | None:
        """An unexpected exception in the relay (a bug), if one happened."""
        return self._httpd.crash

    def __enter__(self) -> Relay:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closed.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    crash: BaseException | None = None

    def handle_error(self, request: object, client_address: object) -> None:
        """rustup hanging up is normal; anything else is a bug, kept for the build
        to report (as an internal error) rather than printed from a thread."""
        problem = sys.exc_info()[1]
        if not isinstance(problem, OSError) and self.crash is None:
            self.crash = problem


def _refuse(client: BaseHTTPRequestHandler, status: int) -> None:
    with contextlib.suppress(OSError):
        client.send_error(status)


class _Transfer:
    """One file rustup asked for, from byte ``start``, relayed until complete."""

    def __init__(self, relay: Relay, url: str, client: BaseHTTPRequestHandler) -> None:
        self.relay = relay
        self.url = url
        self.shown = display_url(url)
        self.client = client
        self.answered = False
        self.total: int | None = None
        self.delivered = 0
        self.last_new = time.monotonic()  # when the last new byte arrived

    def run(self, start: int) -> None:
        self.delivered = start
        attempt, delay = 0, retry.FIRST_BACKOFF_SECONDS
        read_timeout = self.relay.stall_seconds / 2
        while True:
            attempt += 1
            before = self.delivered
            try:
                self._attempt(start, read_timeout)
                return
            except transport.Failed as problem:
                if self.delivered > before:
                    attempt, delay = 1, retry.FIRST_BACKOFF_SECONDS
                if not problem.transient:
                    raise self._give_up(problem.status or 502, problem.reason, attempt) from None
                # A silent connection is asked again at once; a failure, after a back-off.
                wait = 0.0 if problem.timed_out else delay
                silent = time.monotonic() - self.last_new
                left = self.relay.stall_seconds - silent - wait
                if attempt >= retry.ATTEMPTS or left < self.relay.stall_seconds / 10:
                    status = 504 if problem.timed_out else 502
                    raise self._give_up(status, self._why(problem, silent), attempt) from None
                read_timeout = min(self.relay.stall_seconds / 2, left)
            if self.relay.closed.is_set():
                raise _ClientGone
            if not wait:
                received = output.format_size(self.delivered)
                output.detail(f"Note: {errors.note_stalled(self.shown, silent, received)}")
                continue
            note = errors.note_retrying(self.shown, attempt, retry.ATTEMPTS, delay)
            output.detail(f"Note: {note}")
            if self.relay.closed.wait(delay):
                raise _ClientGone
            delay *= 2

    def _attempt(self, start: int, read_timeout: float) -> None:
        headers = {"User-Agent": USER_AGENT}
        if self.delivered:
            headers["Range"] = f"bytes={self.delivered}-"
        with transport.get(self.url, math.inf, headers, stall_seconds=read_timeout) as response:
            offset, total = _body_range(response)
            if offset > self.delivered or (self.total and total and total != self.total):
                raise transport.Failed("the file changed on the server during the download", 409)
            self.total = self.total or total
            self._answer(start)
            skip = self.delivered - offset
            for block in response.blocks():
                if skip:
                    block, skip = block[skip:], max(0, skip - len(block))
                if block:
                    self._send(block)
        if self.total is not None and self.delivered < self.total:
            raise transport.Failed("the server closed the connection before the end of the file")

    def _answer(self, start: int) -> None:
        """The status line and headers rustup gets, once: what a server with the
        whole file would answer."""
        if self.answered:
            return
        self.answered = True
        try:
            self.client.send_response(206 if start else 200)
            if self.total is not None:
                self.client.send_header("Content-Length", str(self.total - start))
                if start:
                    self.client.send_header(
                        "Content-Range", f"bytes {start}-{self.total - 1}/{self.total}"
                    )
            self.client.end_headers()
        except OSError:
            raise _ClientGone from None

    def _send(self, block: bytes) -> None:
        try:
            self.client.wfile.write(block)
        except OSError:
            raise _ClientGone from None
        self.delivered += len(block)
        self.last_new = time.monotonic()

    def _why(self, problem: transport.Failed, silent: float) -> str:
        if not problem.timed_out:
            return problem.reason
        received = output.format_size(self.delivered)
        of = f" of {output.format_size(self.total)}" if self.total else ""
        return f"no byte arrived for {silent:.0f} s ({received}{of} received)"

    def _give_up(self, status: int, problem: str, attempts: int) -> _GaveUp:
        if status == 404:
            return _GaveUp(404, None)  # rustup's to read: an unknown toolchain, say
        failure = errors.toolchain_download_failed(
            self.shown, self.relay.shown_server, problem, attempts, self.relay.stall_seconds
        )
        return _GaveUp(status, failure)


def _body_range(response: transport.Response) -> tuple[int, int | None]:
    """Where the answer's body starts in the file, and the file's size if known."""
    if response.status != 206:
        return 0, response.length
    found = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    if found is None:
        raise transport.Failed("the server answered a range request without Content-Range", 502)
    return int(found[1]), None if found[2] == "*" else int(found[2])


@contextmanager
def relaying(server: str, stall_seconds: float) -> Iterator[Relay]:
    """A running relay to ``server`` (an http or https URL), stopped on exit."""
    with Relay(server, stall_seconds) as relay:
        yield relay
