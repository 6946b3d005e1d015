"""Why cargo could not reach the crates registry, read from its output.

cargo exits 101 whatever went wrong. When a crate the build needs is not in
the cache and the registry (crates.io, or BP_CARGO_REGISTRY_MIRROR) is down,
cargo retries (CARGO_NET_RETRY), then prints the URL it could not download
and curl's reason (``failed to download from `URL``` ... ``[7] Could not
connect to server``), or the server's answer (``failed to get successful
HTTP response from `URL` ..., got 503``). That is a download failure, not a
compilation one: the user needs the registry's URL and to hear that it could
not be reached, not "reproduce it locally".
"""

from __future__ import annotations

from .. import errors, lazy_re
from ..fetch.retry import RETRY_STATUSES
from ..fetch.urls import shown_url

DOWNLOAD = lazy_re.compile(
    r"failed to (?:download from|get successful HTTP response from) `(?P<url>[^`]+)`"
    r"(?:.*, got (?P<status>\d{3}))?"
)
# curl's reason, as cargo quotes it: `[7] Could not connect to server (...)`.
CURL_REASON = lazy_re.compile(r"^\s*\[\d+\] \S.*")
DEPENDENCY = lazy_re.compile(r"failed to (?:get|download) `(?P<name>[^`]+)`")


def diagnose(lines: list[str], command: str, returncode: int) -> errors.BuildError | None:
    """The registry's error for a failed cargo command, if cargo could not reach it."""
    found = [match for line in lines if (match := DOWNLOAD.search(line))]
    if not found:
        return None
    url, status = found[-1]["url"], found[-1]["status"]
    if status is not None:
        if int(status) not in RETRY_STATUSES:
            return None  # an answer, not an outage: cargo's own words say it
        cause = f"the server answered HTTP {status}"
    else:
        reasons = [line.strip() for line in lines if CURL_REASON.match(line)]
        cause = reasons[-1] if reasons else "no answer"
    dependency = next((m["name"] for line in lines if (m := DEPENDENCY.search(line))), None)
    return errors.registry_unreachable(command, returncode, shown_url(url), cause, dependency)
