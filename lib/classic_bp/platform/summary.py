"""The summary that ends a successful build's log.

A reader who scrolls to the bottom of a log wants the outcome in a few
lines: what was built and how big it is, how close the cache is to its
budget, where the time went, and what was reused (or why it was not: that is
why a build was slow). The facts come from the build report
(platform/report.py), so the log and bin/report never disagree; the wording
is in summary_lines.
"""

from __future__ import annotations

from pathlib import Path

from . import output, report

# Steps that took less share one entry on the time line: "4 other steps 0.1s".
QUICK_STEP_SECONDS = 0.05
VERDICTS = ("reused", "created", "discarded")


def binary_sizes(build_dir: Path, binaries: tuple[str, ...]) -> dict[str, int]:
    sizes = {}
    for name in binaries:
        try:
            sizes[name] = (build_dir / "bin" / name).stat().st_size
        except OSError:
            continue
    return sizes


def step_times(timings: list[output.StepTiming]) -> list[tuple[str, str]]:
    """Slowest first, by the report's step key; the quick ones as one entry."""
    seconds: dict[str, float] = {}
    for timing in timings:
        seconds[timing.key] = seconds.get(timing.key, 0.0) + timing.seconds
    slow = sorted(
        (item for item in seconds.items() if item[1] >= QUICK_STEP_SECONDS),
        key=lambda item: -item[1],
    )
    shown = [(key, output.format_seconds(spent)) for key, spent in slow]
    quick = [spent for spent in seconds.values() if spent < QUICK_STEP_SECONDS]
    if quick:
        shown.append((output.plural(len(quick), "other step"), output.format_seconds(sum(quick))))
    return shown


def grouped_decisions(decisions: dict[str, str]) -> dict[str, list[str]]:
    """{"reused": [...], "created": [...], "discarded": ["toolchain (why)"]}, in that order."""
    grouped: dict[str, list[str]] = {}
    for what, decision in decisions.items():
        verdict, _, why = decision.partition(": ")
        if verdict == "not used":
            continue
        grouped.setdefault(verdict, []).append(f"{what} ({why})" if why else what)
    ordered = {verdict: grouped.pop(verdict) for verdict in VERDICTS if verdict in grouped}
    return {**ordered, **grouped}


def summary_lines(
    *,
    binaries: dict[str, str],
    slug: str | None,
    cache: tuple[str, str] | None,
    step_times: list[tuple[str, str]],
    cache_decisions: dict[str, list[str]],
) -> list[str]:
    """The lines under "Build succeeded": sizes, time per step, what was reused.

    Step names are the build report's (``compile`` is ``compile_duration``);
    a cached thing discarded shows its reasons, so a slow build explains itself.
    """
    lines = []
    if binaries:
        lines.append(
            "Binaries: " + ", ".join(f"{name} ({size})" for name, size in binaries.items())
        )
    if slug is not None:
        lines.append(f"Slug: {slug}")
    if cache is not None:
        lines.append(f"Cache: {cache[0]} of its {cache[1]} budget (BP_CACHE_MAX_SIZE)")
    if step_times:
        lines.append("Time per step: " + ", ".join(f"{key} {time}" for key, time in step_times))
    for verdict, items in cache_decisions.items():
        lines.append(f"{verdict.capitalize()}: {', '.join(items)}")
    return lines


def print_summary(build_dir: Path, binaries: tuple[str, ...]) -> None:
    """Details under the final step line; also records the binaries' total size."""
    sizes = binary_sizes(build_dir, binaries)
    report.record("binaries_bytes", sum(sizes.values()))
    slug, cache, budget = (
        report.fact(name) for name in ("slug_bytes", "cache_bytes", "cache_budget_bytes")
    )
    lines = summary_lines(
        binaries={name: output.format_size(size) for name, size in sizes.items()},
        slug=output.format_size(slug) if slug is not None else None,
        cache=(output.format_size(cache), output.format_size(budget))
        if cache is not None and budget
        else None,
        step_times=step_times(output.timings),
        cache_decisions=grouped_decisions(report.cache_decisions()),
    )
    for line in lines:
        output.detail(line)
