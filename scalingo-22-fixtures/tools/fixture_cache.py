"""Where heavy test fixtures (the rustup mirror, the crates registry) are cached.

Outside the repository, so that a clean clone stays small and every test run
on the machine reuses one build. ``CLASSIC_BP_FIXTURE_CACHE`` overrides it.
"""

import os
from pathlib import Path


def fixture_cache_dir() -> Path:
    configured = os.environ.get("CLASSIC_BP_FIXTURE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "classic-bp-fixtures"
