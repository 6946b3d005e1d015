"""The one HTTP server the stand-ins for the outside world run on: 127.0.0.1,
in a daemon thread, stopped cleanly.

Why one: the crates.io stand-in, the rustup mirror, the package index and the
private git server each bound a ThreadingHTTPServer, ran ``serve_forever`` in
a thread and shut it down, each a little differently: two polled for the
stop every half second (so each teardown waited), two never joined their
thread, one printed a traceback whenever a client hung up. What really
differs between them is the request handler (what it answers, what it
records, which HTTP version it speaks, whether it waits for Nagle's
algorithm); that stays in each tool. Binding, the thread and the stop are
here, once:

- loopback only, so nothing on the network ever reaches a test's stand-in;
- port 0 (the default) takes a free port, so sessions running side by side
  never collide; a tool may ask for a given port (demo.py reuses its last
  one), and a busy port is an ``OSError`` at once;
- the serving thread and every handler thread are daemons: a test that
  forgets to stop a server cannot hang the interpreter's exit;
- ``stop()`` returns within a poll interval, frees the port, and may be
  called before ``start()`` or twice;
- a client hanging up mid-answer (cargo, rustup and curl cancel downloads
  when a test kills them) is normal here, and prints nothing.

Each stand-in subclasses it (``class RegistryServer(LoopbackServer)``), so
its handlers reach the stand-in's state as ``self.server``; it is used as a
context manager (``with serve_registry(root) as server:``) or started and
stopped. The port is bound when it is made: ``port`` and ``url`` are known
before it serves.
"""

from __future__ import annotations

import contextlib
import http.server
import signal
import socketserver
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

HOST = "127.0.0.1"
# How often serve_forever checks for stop(): what each teardown may wait.
POLL_SECONDS = 0.05
# start() and ``with`` give back the stand-in's own class (typing.Self is 3.11+).
_Server = TypeVar("_Server", bound="LoopbackServer")


class LoopbackServer(http.server.ThreadingHTTPServer):
    """``handler`` served on ``HOST:port`` (bound at once), with ``port`` and ``url``."""

    def __init__(
        self,
        handler: Callable[..., socketserver.BaseRequestHandler],
        port: int = 0,
        name: str = "loopback-http",
    ) -> None:
        """``name`` names the thread (with the port), for a reader of a thread dump."""
        super().__init__((HOST, port), handler)
        self.port: int = self.server_address[1]
        self.url = f"http://{HOST}:{self.port}"
        self._name = name
        self._thread: threading.Thread | None = None

    def start(self: _Server) -> _Server:
        """Serve on a daemon thread (once; a second call changes nothing)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever,
                kwargs={"poll_interval": POLL_SECONDS},
                name=f"{self._name}:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port. ``shutdown()`` alone would wait
        forever on a server that was never started, hence the check."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def __enter__(self: _Server) -> _Server:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is no error; anything else prints its traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve_until_killed(server: LoopbackServer, *lines: str) -> None:
    """A tool's ``serve`` command: serve, print ``lines`` (what a user points
    clients at), wait for Ctrl-C or SIGTERM, then stop cleanly."""
    killed = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: killed.set())
    with server:
        for line in lines:
            print(line, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            killed.wait()
