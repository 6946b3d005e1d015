"""Files that shape the app's runtime and the next buildpack's build.

``.profile.d/rust.sh`` is sourced at boot and puts the installed binaries on
PATH. The buildpack's ``export`` file is sourced by multi-buildpack runners
after compile, handing the cached Rust toolchain to later buildpacks.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from ..platform import output

PROFILE_SCRIPT = Path(".profile.d") / "rust.sh"
PROFILE_CONTENTS = (
    "# Written by the Rust buildpack: the app's binaries are in $HOME/bin.\n"
    'export PATH="$HOME/bin:$PATH"\n'
)
EXPORTED = ("PATH", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUSTC")


def write_profile_script(build_dir: Path) -> None:
    path = build_dir / PROFILE_SCRIPT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PROFILE_CONTENTS, encoding="utf-8")


def write_export(buildpack_dir: Path, environment: Mapping[str, str]) -> None:
    lines = [
        f"export {name}={shlex.quote(environment[name])}"
        for name in EXPORTED
        if name in environment
    ]
    try:
        (buildpack_dir / "export").write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as problem:
        # Some runners mount the buildpack read-only; only later buildpacks lose out.
        output.warning(
            f"Could not write {buildpack_dir / 'export'} ({problem.strerror}).\n"
            "Buildpacks that run after this one will not find Rust on PATH."
        )
