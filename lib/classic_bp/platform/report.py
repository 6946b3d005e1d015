"""The build report: what the last build did, read by bin/report (Heroku).

compile records facts as it goes (toolchain, versions, cache decisions,
slug size) and the CLI saves them in the cache whether the build succeeded
or not. bin/report prints them as YAML and never fails: it runs after
failed builds too, when anything may be missing or half written.

The saved document speaks the platform's dialect, as Heroku's buildpacks
write their build reports: one flat mapping of snake_case keys to scalars
(``failure_reason``, ``rust_version``, ``compile_duration``, ``cache_bytes``,
``cache_toolchain``), so that a platform's metrics pipeline can read any key
without knowing this buildpack's structure. REPORT_KEYS names every key the
docs/reports.md documents; ``<step>_duration``, ``<step>_own_duration`` (the
step's time outside the tools it ran) and ``cache_<layer>`` come from the steps
and layers a build ran.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

from .. import __version__, cache, lazy_re
from . import clocks, output

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

REPORT_FILE = "last-build.json"
# The fixed keys; a build adds ``<step>_duration`` and ``cache_<layer>`` ones.
REPORT_KEYS = (
    "buildpack_version",
    "outcome",
    "failure_reason",
    "failure_detail",
    "rust_version",
    "rustc_version",
    "rust_toolchain",
    "rust_toolchain_source",
    "binaries",
    "binaries_bytes",
    "slug_bytes",
    "cache_bytes",
    "cache_budget_bytes",
    "sccache_hits",
    "sccache_misses",
    "total_duration",
    "tool_duration",
    "download_duration",
    "import_duration",
)
STEP_KEYS = (
    "configuration",
    "rustup",
    "rust",
    "cache_restore",
    "tools",
    "pre_compile_hook",
    "sccache",
    "compile",
    "post_compile_hook",
    "sbom",
    "runtime",
    "slug",
    "boot_check",
    "test_compile",
)
_RUST_VERSION = lazy_re.compile(r"\b(\d+\.\d+\.\d+\S*)")

# Imported as the buildpack starts (bootstrap reports its packages' fate).
_STARTED = time.monotonic()
_facts: dict[str, Any] = {}
# Seconds spent importing the build's modules once the clock ran (boot.py).
_import_seconds = 0.0
_cache_decisions: dict[str, str] = {}


def add_import_time(seconds: float) -> None:
    """The build's own modules, imported before its first step: the largest part
    of a rebuild's fixed time, reported apart so that its growth shows."""
    global _import_seconds
    _import_seconds += seconds


def record(name: str, value: Any) -> None:
    _facts[name] = value


def fact(name: str, default: Any = None) -> Any:
    return _facts.get(name, default)


def cache_decision(what: str, decision: str) -> None:
    """How a cached thing was treated: reused, created, or discarded and why."""
    _cache_decisions[what] = decision


def cache_decisions() -> dict[str, str]:
    return dict(_cache_decisions)


def report_path(cache_dir: Path) -> Path:
    return cache.CacheLayout(cache_dir).root / REPORT_FILE


def snake_case(words: str) -> str:
    """``cargo registry`` -> ``cargo_registry``; ``rustup-init`` -> ``rustup_init``."""
    return "_".join(re.sub(r"[^a-z0-9]+", " ", words.lower()).split())


def flat_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The recorded facts as flat keys with scalar values."""
    flat: dict[str, Any] = {}
    for name, value in facts.items():
        if name == "toolchain" and isinstance(value, dict):
            flat["rust_toolchain"] = value.get("name")
            flat["rust_toolchain_source"] = value.get("source")
        elif name == "rustc":
            flat["rustc_version"] = value
            match = _RUST_VERSION.search(str(value))
            if match:
                flat["rust_version"] = match.group(1)
        elif isinstance(value, dict):
            flat.update({f"{name}_{snake_case(key)}": inner for key, inner in value.items()})
        elif isinstance(value, (list, tuple)):
            flat[name] = ", ".join(str(item) for item in value)
        else:
            flat[name] = value
    return flat


def document(
    outcome: str, failure_reason: str | None = None, failure_detail: str | None = None
) -> dict[str, Any]:
    """The report as bin/report prints it: flat snake_case keys, scalar values."""
    durations: dict[str, float] = {}
    for timing in output.timings:
        _add(durations, f"{timing.key}_duration", timing.seconds)
        if timing.own_seconds is not None:
            _add(durations, f"{timing.key}_own_duration", timing.own_seconds)
    return {
        "buildpack_version": __version__,
        "outcome": outcome,
        **({"failure_reason": failure_reason} if failure_reason else {}),
        **({"failure_detail": failure_detail} if failure_detail else {}),
        **flat_facts(_facts),
        **{f"cache_{snake_case(what)}": how for what, how in _cache_decisions.items()},
        **durations,
        "total_duration": round(time.monotonic() - _STARTED, 3),
        "tool_duration": round(clocks.tools, 3),
        "download_duration": round(clocks.downloads, 3),
        "import_duration": round(_import_seconds, 3),
    }


def _add(durations: dict[str, float], key: str, seconds: float) -> None:
    """Seconds to the millisecond: a rebuild's steps take a few each."""
    durations[key] = round(durations.get(key, 0.0) + seconds, 3)


def save(
    cache_dir: Path,
    outcome: str,
    failure_reason: str | None = None,
    failure_detail: str | None = None,
) -> None:
    # A report is a nicety; it must never turn a build into a failure.
    with contextlib.suppress(OSError):
        cache.write_key(report_path(cache_dir), document(outcome, failure_reason, failure_detail))
