"""URLs as they may be shown in a build log, and the package index. Standard library only."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

DEFAULT_INDEX = "https://pypi.org/simple"


def display_url(url: str) -> str:
    """The URL without credentials (user, password or token), safe to print;
    a malformed one (``http://[x``, a port that is no number) too."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return re.sub(r"//[^/?#]*@", "//", url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def split_credentials(url: str) -> tuple[str, str | None]:
    """The URL without its user part, and the Basic ``Authorization`` value it
    stood for (urllib would take ``user:password@host`` for a host name). A
    token given alone as the user part is sent with an empty password."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return display_url(url), "Basic " + base64.b64encode(pair.encode()).decode("ascii")


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
