"""Entry point the bin/* shims run with ``python3 -I``.

Standard library only. It puts the buildpack's own ``lib/`` (and the
vendored packages, when a release tarball ships them) on ``sys.path`` and
dispatches. detect, release, test and report use the standard library only,
so they work on a stack before (or without) any third-party package;
compile and test-compile first make sure their packages are importable,
fetching them into the cache when the buildpack came from a git clone.
"""

import importlib
import sys
from pathlib import Path

LIB_DIR = Path(__file__).resolve().parent
VENDOR_DIR = LIB_DIR / "vendor"
STDLIB_COMMANDS = {
    "detect": "classic_bp.detect",
    "release": "classic_bp.release",
    "test": "classic_bp.ci_tests",
    "report": "classic_bp.report",
}


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(LIB_DIR))
    if VENDOR_DIR.is_dir():
        sys.path.insert(1, str(VENDOR_DIR))
    command = argv[0] if argv else ""
    if command in STDLIB_COMMANDS:
        from classic_bp.guard import run_guarded

        module = importlib.import_module(STDLIB_COMMANDS[command])
        return run_guarded(module.main, argv[1:])
    from classic_bp.bootstrap import ensure_runtime_packages

    ensure_runtime_packages(argv)
    from classic_bp.cli import main as cli_main

    return cli_main(argv)


def _crash() -> int:
    """Even a broken install (a missing module) must not end in a bare traceback."""
    import traceback

    lines = [
        "Internal error in the Rust buildpack: this is a bug, not a problem with your app.",
        "Please report it with the build log.",
        "",
        *traceback.format_exc().rstrip().splitlines(),
    ]
    for line in lines:
        print(f" !     {line}".rstrip(), file=sys.stderr)
    return 70


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:
        sys.exit(_crash())
