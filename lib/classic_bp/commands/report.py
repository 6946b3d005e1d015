"""bin/report: the last build's report as YAML (Heroku's build metadata).

Never fails: it runs after failed builds too, when anything may be missing
or half written. The facts themselves are recorded by platform/report.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import __version__
from ..platform import yaml_out
from ..platform.report import report_path


def render(cache_dir: Path) -> str:
    """YAML for bin/report; a note instead of facts when there is no readable report."""
    try:
        document = json.loads(report_path(cache_dir).read_text(encoding="utf-8"))
        if not isinstance(document, dict):
            raise ValueError("not a mapping")
    except (OSError, ValueError):
        document = {"buildpack_version": __version__, "outcome": "unknown (no build report)"}
    return yaml_out.dump(document)


def main(argv: list[str]) -> int:
    """bin/report BUILD_DIR CACHE_DIR ENV_DIR: always exit 0, whatever happens."""
    try:
        sys.stdout.write(render(Path(argv[1])) if len(argv) >= 2 else yaml_out.dump({}))
    except Exception as problem:
        sys.stdout.write(yaml_out.dump({"report_error": type(problem).__name__}))
    return 0
