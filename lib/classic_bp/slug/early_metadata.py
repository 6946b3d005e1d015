"""The SBOM's `cargo metadata`, run beside cargo's build instead of after it.

Why: the SBOM step asks cargo for the dependency graph (the host from ``rustc -vV``, then
``cargo metadata --offline``: about 0.1 s). After the build, that time was
added to every build, a third of a warm rebuild's own cost; beside the
build, it runs while cargo compiles (a rebuild's few crates leave a CPU
free) and the SBOM step only writes the document.

When it may start: at cargo's first unit message, never sooner. Two reasons:
``--offline`` reads only what is in cargo's home, and cargo downloads every
crate before it compiles the first one; and resolving a workspace takes the
package cache's download lock, so a cargo metadata started beside cargo's
own resolution makes cargo print "Blocking waiting for file lock on package
cache" into the build log (and wait). Once cargo reports a unit, its
resolution and downloads are over. It is the same command with the same inputs as
after the build (cargo's build changes neither the manifests nor
Cargo.lock), so the SBOM is the same. Should it fail, the SBOM step runs it
again after the build, as before, and reports what that run says.

With sccache the app sits at the fixed path while cargo runs
(fixed_path.app_in_place): cargo metadata is given that path, and a
successful build waits for it before the app moves back. A failed or
interrupted one does not: the run only reads (``--locked --offline``), and
its answer is never used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..platform import clocks
from .dependency_graph import MetadataAnswer, ask_cargo_metadata


class MetadataBesideBuild:
    """One cargo metadata run in a thread, started once, awaited before use."""

    def __init__(
        self,
        cargo: Path,
        environment: Mapping[str, str],
        features: Sequence[str] = (),
        host: str | None = None,
        target_dir: Path | None = None,
    ) -> None:
        """``features``: the build's feature flags, as cargo's build is given them;
        ``host``: the installed Rust's host (dependency_graph._host_target);
        ``target_dir``: the build's, where cargo keeps what it learnt of rustc
        (``.rustc_info.json``): without it, cargo metadata runs rustc three
        times to learn it again (30 ms of each build)."""
        self._cargo = cargo
        self._environment = dict(environment)
        if target_dir is not None:
            self._environment["CARGO_TARGET_DIR"] = str(target_dir)
        self.features = tuple(features)
        self._host = host
        self._thread: threading.Thread | None = None
        self._answer: MetadataAnswer | None = None
        # The folder cargo metadata was given: the fixed path while cargo runs.
        self._app_root: Path | None = None

    def start(self, app_root: Path) -> None:
        """Start asking cargo, unless that has already started."""
        if self._thread is not None:
            return
        self._app_root = app_root
        self._thread = threading.Thread(target=self._ask, daemon=True)
        self._thread.start()

    def _ask(self) -> None:
        assert self._app_root is not None
        try:
            self._answer = ask_cargo_metadata(
                self._cargo, self._app_root, self._environment, False, self.features, self._host
            )
        except Exception as problem:  # reported like any failed cargo metadata
            self._answer = MetadataAnswer(None, None, f"could not run cargo metadata: {problem}")

    def wait(self) -> None:
        """Block until the run, if started, is over; the wait counts as tool time."""
        if self._thread is None:
            return
        started = time.monotonic()
        self._thread.join()
        clocks.add_tool_time(started)

    def answer(self) -> MetadataAnswer | None:
        """cargo metadata's answer; None when it never started or failed.

        Then the SBOM step runs it itself, after the build, and reports any
        failure: an offline build that needed the network after all downloads
        a crate only in its online run, which a run beside it may have missed.
        """
        self.wait()
        if self._answer is None or self._answer.metadata is None:
            return None
        return self._answer
