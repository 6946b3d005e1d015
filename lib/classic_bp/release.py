"""bin/release: the YAML the platform reads after compile. Nothing else on stdout."""

from __future__ import annotations

from pathlib import Path

import yaml

from .process_types import read_metadata


def release_yaml(build_dir: Path) -> str:
    document = {
        "addons": [],
        "default_process_types": read_metadata(build_dir),
    }
    return "---\n" + yaml.safe_dump(document, default_flow_style=False, sort_keys=False)
