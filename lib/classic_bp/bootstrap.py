"""Make sure the third-party packages the buildpack runs on are importable.

Standard library only: this runs before click, requests, yaml or rich can be
imported. The stacks ship no pip, so a missing package is reported in the
platform's error format instead of an ImportError traceback.
"""

import importlib.util
import sys

RUNTIME_MODULES = ("click", "requests", "yaml", "rich")


def missing_modules() -> list[str]:
    needed = list(RUNTIME_MODULES)
    if sys.version_info < (3, 11):
        needed.append("tomli")
    return [name for name in needed if importlib.util.find_spec(name) is None]


def ensure_runtime_packages() -> None:
    missing = missing_modules()
    if not missing:
        return
    lines = [
        f"The buildpack's Python packages are missing: {', '.join(missing)}.",
        "",
        "Use a release tarball of the buildpack (it vendors them), or install",
        "them for development with: pip install -e '.[test]'",
    ]
    for line in lines:
        print(f" !     {line}".rstrip(), file=sys.stderr)
    sys.exit(1)
