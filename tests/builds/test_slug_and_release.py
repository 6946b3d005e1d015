"""What ships: the slug's files, the SBOM, and the process types (Rocket, Procfile).

Through bin/compile and bin/release, then the web process started from the
slug, which must not depend on anything that was removed.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from platform_runner import Platform, http_get, running_web_process
from tests.assertions import assert_succeeded, assert_user_error
from tests.cyclonedx_schema import assert_valid


def slug_files(build_dir) -> set[str]:
    return {
        path.relative_to(build_dir).as_posix()
        for path in build_dir.rglob("*")
        if path.is_file() or path.is_symlink()
    }


@pytest.mark.slow
def test_the_slug_keeps_binaries_and_included_files_only(mirrored_platform: Platform) -> None:
    build_dir, result = mirrored_platform.build("rocket-style")
    assert_succeeded(result)
    assert slug_files(build_dir) == {
        "bin/rocket-style",
        ".profile.d/rust.sh",
        ".rust-buildpack/release.json",
        ".rust-buildpack/sbom.cdx.json",
        "static/index.html",
        "templates/page.html",
    }
    assert "files matching the patterns: static/, templates/" in result.stdout
    assert re.search(r"^       Slug: \d", result.stdout, re.M)  # in the summary

    # Rocket learns the platform's port from ROCKET_PORT, and serves the kept static file.
    release = mirrored_platform.release(build_dir)
    web = yaml.safe_load(release.stdout)["default_process_types"]["web"]
    assert web == "ROCKET_PORT=$PORT ROCKET_ADDRESS=0.0.0.0 /app/bin/rocket-style"
    with running_web_process(release.stdout, build_dir) as url:
        assert http_get(url) == "<h1>served from static/</h1>\n"


@pytest.mark.slow
def test_include_and_exclude_patterns(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(
        BP_INCLUDE_FILES="static/*:docs/**/*.md:.env.example", BP_EXCLUDE_FILES=".env.*"
    )
    build_dir, result = mirrored_platform.build("rocket-style")
    assert_succeeded(result)
    kept = {path for path in slug_files(build_dir) if not path.startswith((".", "bin/"))}
    assert kept == {"static/index.html", "docs/notes.md"}


def test_patterns_cannot_reach_outside_the_app(platform: Platform) -> None:
    platform.set_config(BP_INCLUDE_FILES="static/*:../../etc/*")
    _build_dir, result = platform.build("rocket-style")
    assert_user_error(result, "BP_INCLUDE_FILES", "../../etc/*")


@pytest.mark.slow
def test_the_sbom_is_valid_cyclonedx_listing_the_crates(
    online_platform: Platform,
    validators,
) -> None:
    build_dir, result = online_platform.build("lib-and-bin")
    assert_succeeded(result)
    assert ".rust-buildpack/sbom.cdx.json: CycloneDX, 9 components (from cargo metadata)" in (
        result.stdout
    )
    document = json.loads((build_dir / ".rust-buildpack" / "sbom.cdx.json").read_text())
    assert_valid(validators, document)
    serde_json = next(c for c in document["components"] if c["name"] == "serde_json")
    assert serde_json["purl"] == "pkg:cargo/serde_json@1.0.87"
    assert serde_json["licenses"] == [{"expression": "MIT OR Apache-2.0"}]


@pytest.mark.slow
def test_the_sbom_can_be_disabled(mirrored_platform: Platform) -> None:
    mirrored_platform.set_config(BP_DISABLE_SBOM="true", BP_CARGO_TINI_DISABLED="true")
    build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "Writing the SBOM" not in result.stdout
    assert not (build_dir / ".rust-buildpack" / "sbom.cdx.json").exists()
    assert "BP_CARGO_TINI_DISABLED is set: nothing to do" in result.stdout


@pytest.mark.slow
def test_a_procfile_is_kept_and_cargo_commands_in_it_are_flagged(
    mirrored_platform: Platform,
) -> None:
    build_dir = mirrored_platform.new_build_dir("workspace")
    (build_dir / "Procfile").write_text(
        "web: cargo run --release --bin web\nworker: ./target/release/worker --fast\n"
    )
    result = mirrored_platform.compile(build_dir)
    assert_succeeded(result)
    assert (build_dir / "Procfile").is_file()
    assert "The app's Procfile is kept and wins over the default process types" in result.stdout
    assert " !     Change the line to:  web: /app/bin/web" in result.stderr
    # As the old Heroku Rust buildpack did, target/release/ has the binaries (links).
    assert "worker:" not in result.stderr
    assert "its Procfile's worker process runs a binary under target/" in result.stdout
    worker = subprocess.run(
        ["sh", "-c", "./target/release/worker --fast"], cwd=build_dir, capture_output=True
    )
    assert worker.returncode == 0


def test_an_invalid_boolean_is_refused(platform: Platform) -> None:
    platform.set_config(BP_DISABLE_SBOM="maybe")
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, "BP_DISABLE_SBOM='maybe'", "true, false")
