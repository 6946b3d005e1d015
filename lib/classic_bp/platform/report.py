"""The build report: what the last build did, read by bin/report (Heroku).

compile records facts as it goes (toolchain, versions, cache decisions,
slug size) and the CLI saves them in the cache whether the build succeeded
or not. bin/report prints them as YAML and never fails: it runs after
failed builds too, when anything may be missing or half written.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from .. import __version__, cache
from . import output

REPORT_FILE = "last-build.json"

_facts: dict[str, Any] = {}
_cache_decisions: dict[str, str] = {}


def record(name: str, value: Any) -> None:
    _facts[name] = value


def cache_decision(what: str, decision: str) -> None:
    """How a cached thing was treated: reused, created, or discarded and why."""
    _cache_decisions[what] = decision


def report_path(cache_dir: Path) -> Path:
    return cache.CacheLayout(cache_dir).root / REPORT_FILE


def save(cache_dir: Path, outcome: str, failure_reason: str | None = None) -> None:
    document = {
        "buildpack_version": __version__,
        "outcome": outcome,
        **({"failure_reason": failure_reason} if failure_reason else {}),
        **_facts,
        "cache": dict(_cache_decisions),
        "step_seconds": {timing.title: round(timing.seconds, 2) for timing in output.timings},
        "tool_seconds": round(output.subprocess_seconds, 3),
    }
    # A report is a nicety; it must never turn a build into a failure.
    with contextlib.suppress(OSError):
        cache.write_key(report_path(cache_dir), document)
