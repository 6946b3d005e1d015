"""HTTP downloads that survive flaky networks and never install a bad file.

Transient failures (connection errors, timeouts, 5xx, 429) are retried a
bounded number of times with exponential backoff; anything else fails at
once. Files are streamed to a temporary name, hashed while streaming, and
renamed into place only when the sha256 matches.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .. import __version__, errors, lazy_re
from ..digests import sha256
from ..platform import clocks, progress
from . import retry
from .retry import OutOfTime, Transient, with_retries
from .small_get import NOT_FOUND, answered_http, get_small_file
from .urls import display_url

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:  # urllib and http.client, when a download happens: most rebuilds have none
    from . import transport

SHA256 = lazy_re.compile(r"[0-9a-fA-F]{64}")
USER_AGENT = f"classic-bp-rust/{__version__}"


def _with_retries(url: str, action: Callable[[transport.Response], object]) -> object:
    """``action(response)`` on a 200 answer, under the one retry policy
    (fetch/retry.py): every failure ends as a BuildError naming the URL, never
    as a traceback."""
    from . import transport

    shown = display_url(url)
    deadline = retry.deadline_after(retry.TOTAL_SECONDS)

    def once(attempt: int) -> object:
        try:
            with transport.get(url, deadline, {"User-Agent": USER_AGENT}) as response:
                return action(response)
        except OutOfTime:
            raise errors.download_too_slow(shown, retry.TOTAL_SECONDS) from None
        except transport.Failed as problem:
            if problem.redirect_loop:
                raise errors.download_redirect_loop(shown) from None
            failure = errors.download_failed(
                shown, problem.reason, attempt, not_found=problem.status == 404
            )
            if problem.transient:
                raise Transient(failure) from None
            raise failure from None

    started = time.monotonic()
    try:
        return with_retries(once, total_seconds=retry.TOTAL_SECONDS)
    finally:
        clocks.add_download_time(started)


def fetch_text(url: str) -> str:
    return str(_with_retries(url, _text))


def _text(response: transport.Response) -> str:
    return response.read().decode("utf-8", "replace")


def fetch_sha256(url: str) -> str:
    """The first 64 hex characters of a ``.sha256`` file, as rustup reads them.
    Asked plainly first (small_get.py: no urllib to import on a rebuild), then
    through the full client with its retries if the plain answer will not do."""
    started = time.monotonic()
    body = get_small_file(url)
    clocks.add_download_time(started)
    if body == NOT_FOUND:
        raise errors.download_failed(display_url(url), answered_http(404), 1, not_found=True)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else fetch_text(url)
    match = SHA256.search(text)
    if match is None:
        raise errors.invalid_checksum_file(display_url(url))
    return match.group(0).lower()


def download_verified(url: str, destination: Path, expected_sha256: str) -> None:
    """Stream ``url`` into ``destination``, showing progress (a Rust tarball is 200 MiB)."""
    destination.parent.mkdir(parents=True, exist_ok=True)

    def save(response: transport.Response) -> None:
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".download-")
        digest = sha256(expected_bytes=response.length or 0)
        label = f"Downloading {destination.name}"
        try:
            with (
                os.fdopen(handle, "wb") as stream,
                progress.transfer_progress(label, response.length) as advance,
            ):
                for block in response.blocks():
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
