"""bin/detect: does this buildpack apply to the app?

Runs on every build of every app on the platform, so it uses the standard
library only and looks at a single file.
"""

import sys
from pathlib import Path


def applies_to(build_dir: Path) -> bool:
    """A Rust app is one with a Cargo manifest at its root."""
    return (build_dir / "Cargo.toml").is_file()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(" !     usage: bin/detect BUILD_DIR", file=sys.stderr)
        return 2
    if applies_to(Path(argv[0])):
        print("Rust")
        return 0
    return 1
