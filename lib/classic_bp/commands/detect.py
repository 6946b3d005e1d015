"""bin/detect: does this buildpack apply to the app?

Runs on every build of every app on the platform, so it imports next to
nothing (os.path, not even pathlib) and looks at a single file.
"""

import os
import sys


def applies_to(build_dir: str) -> bool:
    """A Rust app has a Cargo manifest at its root, or a RustConfig (the old Heroku
    Rust buildpack's file, whose BUILD_PATH may name the folder with Cargo.toml)."""
    return any(
        os.path.isfile(os.path.join(build_dir, name)) for name in ("Cargo.toml", "RustConfig")
    )


def main(argv: list[str]) -> int:
    # Liberal in what it accepts: platforms may pass more arguments than the contract.
    if not argv:
        print(" !     Usage: bin/detect BUILD_DIR", file=sys.stderr)
        return 2
    if applies_to(argv[0]):
        print("Rust")
        return 0
    return 1
