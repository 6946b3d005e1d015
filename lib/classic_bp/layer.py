"""The cached-layer mechanism: one way to reuse, explain and discard a cached thing.

Every cached thing (rustup-init, rustup, the toolchain, standalone Rust, the
tools, cargo's home, the target dir, the source times, the sccache binary)
declares one ``Layer`` next to the code that fills it: its key's fields
(with the words the log uses for them), the files a discard removes and the
log lines. The step computes the key it needs; this module reads the stored
key, compares the two, says every reason to discard (never just "cache
miss"), removes what is stale, records the decision for the build report,
and writes the new key once the thing is complete.

Why one mechanism: six hand-written copies of this sequence had drifted
apart (different wording, some never reported, some forgetting the key
before a discard and some after). Keys stay in cache.py's format (JSON,
written atomically), so caches written before this module are still read.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import cache, errors
from .cache import CacheLayout
from .known_runs import KnownRuns
from .platform import output, report
from .records import field, record

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

# A cached binary's `--version` answers in milliseconds; a hung one is broken.
VERIFY_TIMEOUT_SECONDS = 30


@record
class Decision:
    """What a build does with a layer: reuse it, or (re)create it and why."""

    reusable: bool
    reasons: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """The build report's wording: reused, created, or discarded and why."""
        if self.reusable:
            return "reused"
        return "discarded: " + "; ".join(self.reasons) if self.reasons else "created"


@record
class Layer:
    """One cached thing, declared once where it is filled.

    ``labels`` names the key's fields as the log says them. ``paths`` are
    removed when the layer is discarded (none for layers replaced by a rename
    into place). ``missing`` and ``orphan`` are the reasons given when the key
    matches but the files are gone, and when files are there without a key;
    without them, such a layer is simply created again. ``reused_text`` and
    ``discard_text`` are the log lines (``{what}``, ``{reasons}``); None
    prints nothing.
    """

    name: str
    what: str
    labels: Mapping[str, str] = field(default_factory=dict)
    paths: Callable[[CacheLayout], Sequence[Path]] = lambda layout: ()
    missing: str | None = None
    orphan: str | None = None
    reused_text: str | None = "Reusing the cached {what}"
    discard_text: str | None = "Discarding the cached {what}: {reasons}"

    def key_path(self, layout: CacheLayout) -> Path:
        return layout.key_path(self.name)

    def read(self, layout: CacheLayout) -> dict[str, Any] | object | None:
        return cache.read_key(self.key_path(layout))

    def check(
        self,
        layout: CacheLayout,
        wanted: Mapping[str, Any],
        present: bool,
        verify: Callable[[], str | None] | None = None,
    ) -> Decision:
        """Compare the stored key with ``wanted``; no output, nothing removed.

        ``present`` says whether the layer's files are there; ``verify``, run
        only when everything else says "reuse", may return one more reason: a
        cache damaged by a killed build, a full disk or an older buildpack is
        discarded and rebuilt, never trusted. A verify that cannot even read
        the files (OSError) counts as finding them broken.
        """
        stored = self.read(layout)
        reasons = cache.reasons_to_discard(stored, wanted, self.labels)
        if stored is not None and not reasons:
            if not present:
                reasons = [self.missing] if self.missing else []
            elif verify is not None:
                try:
                    problem = verify()
                except OSError as failure:
                    problem = f"it cannot be read ({failure.strerror or failure})"
                reasons = [problem] if problem else []
        elif stored is None and present and self.orphan:
            reasons = [self.orphan]
        return Decision(stored is not None and present and not reasons, tuple(reasons))

    def explain(self, decision: Decision, reused_text: str | None = None) -> None:
        """Say what happens to the layer, and record it for the build report."""
        report.cache_decision(self.what, decision.summary)
        if decision.reasons and self.discard_text:
            reasons = "; ".join(decision.reasons)
            output.detail(self.discard_text.format(what=self.what, reasons=reasons))
        elif decision.reusable and (reused_text or self.reused_text):
            output.detail((reused_text or self.reused_text or "").format(what=self.what))

    def discard(self, layout: CacheLayout) -> None:
        """Forget the key first: a build killed midway leaves no key over half a layer."""
        cache.forget_key(self.key_path(layout))
        for path in self.paths(layout):
            cache.remove_tree(path)

    def open(
        self,
        layout: CacheLayout,
        wanted: Mapping[str, Any],
        present: bool,
        verify: Callable[[], str | None] | None = None,
        reused_text: str | None = None,
    ) -> Decision:
        """check, explain, and discard what cannot be reused: the usual sequence."""
        decision = self.check(layout, wanted, present, verify)
        self.explain(decision, reused_text)
        if not decision.reusable:
            self.discard(layout)
        return decision

    def save(self, layout: CacheLayout, key: Mapping[str, Any]) -> None:
        """Once the layer is complete: the next build may reuse it."""
        cache.write_key(self.key_path(layout), key)


def runs(
    program: Path,
    *arguments: str,
    env: Mapping[str, str] | None = None,
    answer: list[str] | None = None,
    known: KnownRuns | None = None,
    depends_on: Sequence[Path] = (),
) -> str | None:
    """None when a cached program starts and exits 0, else why not (for ``verify``).

    Catches what a half-written or truncated binary does: missing, not
    executable, not a valid executable (ENOEXEC), crashing, or hanging. When it
    runs, its output goes into ``answer`` (if given), for a caller that would
    otherwise run it again for that.

    ``known``: the answers of earlier successful runs (known_runs.py). When
    the program and the files it ``depends_on`` are the very files that
    answered then, that answer stands and nothing runs.
    """
    if not program.is_file():
        return f"{program.name} is missing"
    if not os.access(program, os.X_OK):
        return f"{program.name} is not executable"
    before = None
    if known is not None:
        remembered = known.answer(program, arguments, depends_on)
        if remembered is not None:
            if answer is not None:
                answer.append(remembered)
            return None
        before = known.identities(program, depends_on)
    try:
        completed = subprocess.run(
            [str(program), *arguments],
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=VERIFY_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{program.name} did not answer within {VERIFY_TIMEOUT_SECONDS} s"
    except OSError as failure:
        return f"{program.name} does not run ({failure.strerror or failure})"
    if completed.returncode != 0:
        return f"{program.name} does not run (exit code {completed.returncode})"
    stdout = completed.stdout.decode("utf-8", "replace").strip()
    if answer is not None:
        answer.append(stdout)
    if known is not None:
        known.remember(program, arguments, stdout, depends_on, before)
    return None


def open_cache(cache_dir: Path) -> CacheLayout:
    """The buildpack's part of CACHE_DIR; a cache of an incompatible layout is dropped."""
    layout = CacheLayout(cache_dir)
    for link in cache.drop_outside_links(layout):
        output.warning(errors.cache_link_removed(link))
    for reason in cache.ensure_layout(layout):
        output.detail(f"Discarding the whole cache: {reason}")
    return layout
