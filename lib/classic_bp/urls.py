"""URLs as they may be shown in a build log. Standard library only."""

from urllib.parse import urlsplit, urlunsplit


def display_url(url: str) -> str:
    """The URL without credentials (user, password or token), safe to print."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
