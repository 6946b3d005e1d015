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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .. import __version__, errors
from ..platform import output
from . import retry
from .retry import RETRY_STATUSES, OutOfTime, Transient, check_deadline, with_retries
from .urls import display_url

if TYPE_CHECKING:  # imported when a download happens: most rebuilds download nothing
    import requests

SHA256 = re.compile(r"[0-9a-fA-F]{64}")
USER_AGENT = f"classic-bp-rust/{__version__}"


def _network_errors() -> tuple[type[Exception], ...]:
    import requests
    import urllib3

    return (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
        # Raised by _blocks' reads, which requests does not wrap.
        urllib3.exceptions.HTTPError,
    )


def _blocks(response: requests.Response, deadline: float) -> Iterator[bytes]:
    """The body as it arrives, checking the download's time limit between reads.

    ``read1`` returns what the server sent so far, so a server dripping a byte
    at a time meets the limit; ``iter_content`` would wait for a full block.
    """
    raw = response.raw
    if hasattr(raw, "read1") and hasattr(raw, "stream"):  # urllib3's response
        while block := raw.read1(1 << 16, decode_content=True):
            check_deadline(deadline)
            yield block
        return
    for block in response.iter_content(1 << 20):  # a file:// URL
        check_deadline(deadline)
        yield block


def _with_retries(url: str, action: Callable[[requests.Response, float], object]) -> object:
    """``action(response, deadline)`` on a 200 answer, under the one retry policy
    (fetch/retry.py): every failure ends as a BuildError naming the URL, never
    as a traceback."""
    if urlsplit(url).scheme == "file":
        return _read_local(url, action)
    import requests

    shown = display_url(url)
    deadline = retry.deadline_after(retry.TOTAL_SECONDS)
    timeout = (retry.CONNECT_SECONDS, retry.STALL_SECONDS)

    def once(attempt: int) -> object:
        try:
            with requests.get(
                url, stream=True, timeout=timeout, headers={"User-Agent": USER_AGENT}
            ) as response:
                status = response.status_code
                if status == 200:
                    return action(response, deadline)
        except requests.TooManyRedirects:
            raise errors.download_redirect_loop(shown) from None
        except OutOfTime:
            raise errors.download_too_slow(shown, retry.TOTAL_SECONDS) from None
        except _network_errors() as problem:
            raise Transient(errors.download_failed(shown, _network(problem), attempt)) from None
        except requests.RequestException as problem:
            reason = f"the request failed ({type(problem).__name__})"
            raise errors.download_failed(shown, reason, attempt) from None
        failure = errors.download_failed(
            shown, f"the server answered HTTP {status}", attempt, not_found=status == 404
        )
        if status in RETRY_STATUSES:
            raise Transient(failure)
        raise failure

    return with_retries(once, total_seconds=retry.TOTAL_SECONDS)


def _read_local(url: str, action: Callable[[requests.Response, float], object]) -> object:
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
        return action(response, retry.deadline_after())


def _network(problem: Exception) -> str:
    import requests
    import urllib3

    if isinstance(problem, (requests.Timeout, urllib3.exceptions.TimeoutError)):
        return f"the server sent nothing for {retry.STALL_SECONDS} s"
    return "the server could not be reached"


def fetch_text(url: str) -> str:
    return str(_with_retries(url, _text))


def _text(response: requests.Response, deadline: float) -> str:
    body = bytearray()
    for block in _blocks(response, deadline):
        body += block
    return body.decode(response.encoding or "utf-8", "replace")


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

    def save(response: requests.Response, deadline: float) -> None:
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".download-")
        digest = hashlib.sha256()
        label = f"Downloading {destination.name}"
        try:
            with (
                os.fdopen(handle, "wb") as stream,
                output.transfer_progress(label, _content_length(response)) as advance,
            ):
                for block in _blocks(response, deadline):
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
