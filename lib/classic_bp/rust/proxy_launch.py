"""cargo run from its toolchain's folder, with the environment rustup's proxy gives it.

Why: the ``cargo`` on PATH is rustup's proxy. Each run of it starts rustup,
which reads its settings, finds the toolchain and only then starts the
toolchain's own cargo: about 5 ms (``cargo --version`` took 9.3 ms through
the proxy and 3.9 ms directly, averaged over 50 runs here), paid by every cargo the
build runs, 5 % of a rebuild's fixed time. The toolchain is known and checked
before any cargo runs (toolchain.py runs its cargo and rustc), so the build
starts that cargo itself, as the proxy would start it.

What the proxy of rustup 1.29 changes in cargo's environment (observed by
running it with an environment-printing program in the toolchain's place;
rustup's ``set_env`` and ``set_ldpath`` in its toolchain code):

- ``LD_LIBRARY_PATH``: the toolchain's ``lib/`` first, unless it is already
  one of the entries;
- ``PATH``: ``$CARGO_HOME/bin`` first, unless it is already there;
- ``CARGO_HOME``, ``RUSTUP_HOME``, ``RUSTUP_TOOLCHAIN``: what they already
  are here (the build sets all three);
- ``RUSTUP_TOOLCHAIN_SOURCE=env`` (the toolchain came from RUSTUP_TOOLCHAIN);
- ``RUST_RECURSION_COUNT``: one more than before.

So cargo, and all it starts (rustc, build scripts), runs with the same
program and the same environment as through the proxy; the tests compare
the two with the real rustup.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath


def rustup_proxy_environment(environment: Mapping[str, str], toolchain: Path) -> dict[str, str]:
    """``environment`` as rustup's proxy hands it to ``toolchain``'s cargo."""
    launched = dict(environment)
    cargo_home = launched.get("CARGO_HOME") or os.path.join(launched.get("HOME", ""), ".cargo")
    launched["CARGO_HOME"] = cargo_home
    launched["LD_LIBRARY_PATH"] = _prepended(
        launched.get("LD_LIBRARY_PATH"), str(toolchain / "lib")
    )
    launched["PATH"] = _prepended(launched.get("PATH"), os.path.join(cargo_home, "bin"))
    launched["RUSTUP_TOOLCHAIN_SOURCE"] = "env"
    count = launched.get("RUST_RECURSION_COUNT", "")
    launched["RUST_RECURSION_COUNT"] = str(int(count) + 1) if count.isdigit() else "1"
    return launched


def _prepended(value: str | None, entry: str) -> str:
    """``entry`` first in a colon-separated list, unless the list has it already
    (compared as paths: a trailing slash is the same entry), as rustup does."""
    if not value:
        return entry
    wanted = PurePosixPath(entry)
    if any(part and PurePosixPath(part) == wanted for part in value.split(os.pathsep)):
        return value
    return f"{entry}{os.pathsep}{value}"
