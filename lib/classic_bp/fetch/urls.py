"""URLs as they may be shown in a build log, and the package index. Standard library only."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_INDEX = "https://pypi.org/simple"


def display_url(url: str) -> str:
    """The URL without credentials (user, password or token), safe to print."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


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
