"""The HTTP server every stand-in runs on (scalingo-22-fixtures/tools/loopback_http.py).

The crates registry, the rustup mirror, the package index and the private git
server trust it to take a free loopback port, to reach their own state from
their handlers, to free the port when stopped (even when never started), and
to stay quiet when a client hangs up but not when a handler is broken.
"""

from __future__ import annotations

import http.client
import http.server
import socket
import struct
import threading

import pytest

from loopback_http import HOST, LoopbackServer


class _Greeter(LoopbackServer):
    """A stand-in in miniature: its handler answers with the server's own state."""

    def __init__(self, port: int = 0) -> None:
        self.greeting = b"hello"
        self.errors_handled = threading.Event()
        super().__init__(_GreetingHandler, port, "greeter")

    def handle_error(self, request, client_address) -> None:
        super().handle_error(request, client_address)
        self.errors_handled.set()


class _GreetingHandler(http.server.BaseHTTPRequestHandler):
    server: _Greeter

    def do_GET(self) -> None:
        if self.path == "/broken":
            raise ValueError("a broken handler")
        # Large enough that a client which hung up makes the writes fail.
        body = self.server.greeting * (8 << 20 if self.path == "/large" else 1)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), 1 << 16):
            self.wfile.write(body[start : start + (1 << 16)])

    def log_message(self, *args: object) -> None:
        pass


def _get(server: LoopbackServer, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers do: connections the server closed may wait in TIME_WAIT.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def test_it_serves_on_a_free_loopback_port_and_frees_it_when_stopped() -> None:
    with _Greeter() as server:
        assert server.port != 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.server_address[0] == "127.0.0.1"
        server.greeting = b"changed"
        assert _get(server, "/") == (200, b"changed")
        (thread,) = [t for t in threading.enumerate() if t.name == f"greeter:{server.port}"]
        assert thread.daemon
    assert not thread.is_alive()
    assert _port_is_free(server.port)
    with pytest.raises(ConnectionRefusedError):
        _get(server, "/")


def test_a_given_port_is_used_and_a_busy_one_refused_at_once() -> None:
    with _Greeter() as first, pytest.raises(OSError):
        _Greeter(port=first.port)
    with _Greeter(port=first.port) as second:
        assert second.port == first.port
        assert _get(second, "/") == (200, b"hello")


def test_stop_before_start_and_twice_returns_at_once() -> None:
    server = _Greeter()
    server.stop()
    server.stop()
    assert _port_is_free(server.port)
    started = _Greeter().start()
    started.stop()
    started.stop()


def test_a_client_hanging_up_is_quiet_and_a_broken_handler_is_not(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with _Greeter() as server:
        client = socket.create_connection((HOST, server.port), timeout=10)
        client.sendall(b"GET /large HTTP/1.0\r\n\r\n")
        client.recv(1)  # the answer has started
        # Closing with unread data and a zero linger resets the connection.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        assert server.errors_handled.wait(10)
        assert capfd.readouterr().err == ""

        server.errors_handled.clear()
        with pytest.raises(http.client.RemoteDisconnected):
            _get(server, "/broken")
        assert server.errors_handled.wait(10)
        assert "ValueError: a broken handler" in capfd.readouterr().err
