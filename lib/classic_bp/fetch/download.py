"""HTTP downloads that survive flaky networks and never install a bad file.

Transient failures (connection errors, timeouts, 5xx, 429) are retried a
bounded number of times with exponential backoff; anything else fails at
once. Files are streamed to a temporary name, hashed while streaming, and
renamed into place only when the sha256 matches.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .. import __version__, errors
from ..platform import output
from .retry import ATTEMPTS, FIRST_BACKOFF_SECONDS, RETRY_STATUSES, Transient, with_retries
from .urls import display_url

if TYPE_CHECKING:  # imported when a download happens: most rebuilds download nothing
    import requests

TIMEOUT = (10, 60)  # connect, read
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
USER_AGENT = f"classic-bp-rust/{__version__}"


def _network_errors() -> tuple[type[Exception], ...]:
    import requests

    return (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    )


def _with_retries(url: str, action: Callable[[requests.Response], object]) -> object:
    if urlsplit(url).scheme == "file":
        return _read_local(url, action)
    import requests

    shown = display_url(url)

    def once(attempt: int) -> object:
        try:
            with requests.get(
                url, stream=True, timeout=TIMEOUT, headers={"User-Agent": USER_AGENT}
            ) as response:
                status = response.status_code
                if status == 200:
                    return action(response)
        except _network_errors() as problem:
            raise Transient(errors.download_failed(shown, _network(problem), attempt)) from None
        failure = errors.download_failed(
            shown, f"the server answered HTTP {status}", attempt, not_found=status == 404
        )
        if status in RETRY_STATUSES:
            raise Transient(failure)
        raise failure

    return with_retries(once, ATTEMPTS, FIRST_BACKOFF_SECONDS)


def _read_local(url: str, action: Callable[[requests.Response], object]) -> object:
    """file:// mirrors (rustup accepts them too): wrap the file as a response."""
    from urllib.request import url2pathname  # http.client and more: only when needed

    import requests

    path = Path(url2pathname(urlsplit(url).path))
    if not path.is_file():
        raise errors.download_failed(url, f"{path} does not exist", 1, not_found=True)
    response = requests.Response()
    response.status_code = 200
    response.encoding = "utf-8"
    response.headers["Content-Length"] = str(path.stat().st_size)
    with path.open("rb") as stream:
        response.raw = stream
        return action(response)


def _network(problem: Exception) -> str:
    import requests

    if isinstance(problem, requests.Timeout):
        return "the server did not answer in time"
    return "the server could not be reached"


def fetch_text(url: str) -> str:
    return str(_with_retries(url, lambda response: response.text))


def fetch_sha256(url: str) -> str:
    """The first 64 hex characters of a ``.sha256`` file, as rustup reads them."""
    match = SHA256.search(fetch_text(url))
    if match is None:
        raise errors.invalid_checksum_file(display_url(url))
    return match.group(0).lower()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers.get("Content-Length", "")) or None
    except ValueError:
        return None


def download_verified(url: str, destination: Path, expected_sha256: str) -> None:
    """Stream ``url`` into ``destination``, showing progress (a Rust tarball is 200 MiB)."""
    destination.parent.mkdir(parents=True, exist_ok=True)

    def save(response: requests.Response) -> None:
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".download-")
        digest = hashlib.sha256()
        label = f"Downloading {destination.name}"
        try:
            with (
                os.fdopen(handle, "wb") as stream,
                output.transfer_progress(label, _content_length(response)) as advance,
            ):
                for block in response.iter_content(1 << 20):
                    digest.update(block)
                    stream.write(block)
                    advance(len(block))
            if digest.hexdigest() != expected_sha256:
                raise errors.checksum_mismatch(
                    display_url(url), expected_sha256, digest.hexdigest()
                )
            os.replace(temporary, destination)
        finally:
            Path(temporary).unlink(missing_ok=True)

    _with_retries(url, save)
