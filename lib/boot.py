"""Entry point the bin/* shims run with ``python3 -I``.

Standard library only. It puts the buildpack's own ``lib/`` (and the vendored
packages, when a release tarball ships them) on ``sys.path`` and dispatches.
``detect`` never imports a third-party package, so it stays instant and works
before anything is installed.
"""

import sys
from pathlib import Path

LIB_DIR = Path(__file__).resolve().parent
VENDOR_DIR = LIB_DIR / "vendor"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(LIB_DIR))
    if VENDOR_DIR.is_dir():
        sys.path.insert(1, str(VENDOR_DIR))
    if argv[:1] == ["detect"]:
        from classic_bp.detect import main as detect_main

        return detect_main(argv[1:])
    from classic_bp.bootstrap import ensure_runtime_packages

    ensure_runtime_packages()
    from classic_bp.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
