"""A crates registry that is down fails the build as a download, naming it.

The app needs crates the cache does not hold, and the registry (here the
crates.io stand-in, through BP_CARGO_REGISTRY_MIRROR) is stopped, or answers
503 to everything. cargo retries, then fails; the build's message says the
registry could not be reached, names the URL and links to "A download
fails", not to the compilation's section.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from platform_runner import Platform
from tests.assertions import assert_failed_cleanly

pytestmark = pytest.mark.slow

APP = "bumps-dependency"  # needs bp-bump and serde_json from the registry


class Unavailable(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(503)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def unavailable_registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def stopped_registry() -> str:
    from crates_registry import build_registry, default_registry_dir, serve_registry

    registry = serve_registry(build_registry(default_registry_dir())).start()
    registry.stop()  # nothing listens on its port any more
    return registry.url


@pytest.mark.parametrize(
    ("registry", "cause"),
    [
        ("stopped_registry", "Could not connect to server"),
        ("unavailable_registry", "the server answered HTTP 503"),
    ],
)
def test_a_registry_that_is_down_fails_as_a_download(
    mirrored_platform: Platform, request: pytest.FixtureRequest, registry: str, cause: str
) -> None:
    url = request.getfixturevalue(registry)
    mirrored_platform.set_config(BP_CARGO_REGISTRY_MIRROR=f"sparse+{url}/index/")
    if registry == "unavailable_registry":
        # cargo's retries are the stopped registry's to show; here the 503's message.
        mirrored_platform.set_config(CARGO_NET_RETRY="0")
    started = time.monotonic()
    _build_dir, result = mirrored_platform.build(APP)
    assert_failed_cleanly(
        result,
        "The crates registry could not be reached, so cargo failed (exit code 101)",
        f"{url}/index/config.json",
        cause,
        "(`bp-bump` among them)",
        "See the buildpack's README.md#a-download-fails",
    )
    assert "Reproduce it locally" not in result.stderr
    assert "the-compilation-fails-or-is-killed" not in result.stderr
    # A cold build (Rust installed from the loopback mirror), then cargo's retries.
    assert time.monotonic() - started < 120
