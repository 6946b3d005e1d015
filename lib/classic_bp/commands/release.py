"""bin/release: the YAML the platform reads after compile. Nothing else on stdout.

Standard library only: it runs right after compile in the same container,
with no network and no third-party package.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import errors
from ..platform import output, yaml_out
from ..slug.process_types import read_metadata
from .usages import USAGES


def release_yaml(build_dir: Path) -> str:
    document = {"addons": [], "default_process_types": read_metadata(build_dir)}
    return yaml_out.dump(document)


USAGE = USAGES["release"]


def main(argv: list[str]) -> int:
    """BUILD_DIR alone (Heroku, Scalingo) or BUILD_DIR CACHE_DIR (herokuish, Dokku);
    further arguments are ignored."""
    if not argv:
        output.error(str(errors.usage_error(USAGE)))
        return 1
    if not Path(argv[0]).is_dir():
        missing = errors.missing_directory("build", Path(argv[0]))
        output.error(str(errors.usage_error(USAGE, missing.message)))
        return 1
    sys.stdout.write(release_yaml(Path(argv[0])))
    return 0
