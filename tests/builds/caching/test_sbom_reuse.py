"""The SBOM's graph is kept between builds only while nothing cargo metadata reads changed.

A fresh checkout with nothing changed writes the same document (serial
number and time aside) without running cargo metadata (slug/sbom_reuse.py);
a change to what cargo metadata reads (here a member's manifest: its licence)
runs it again, and the document follows the change, as plain cargo metadata
on that checkout would. Each build is a real build of lib-and-bin (serde and
serde_json from the crates.io stand-in).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow

APP = "lib-and-bin"
KEPT = "(kept from the last build)"
RAN = "(from cargo metadata)"


def document(build_dir: Path) -> dict:
    """The SBOM without what differs by design from one build to the next."""
    found = json.loads((build_dir / ".rust-buildpack" / "sbom.cdx.json").read_text())
    found.pop("serialNumber")
    found["metadata"].pop("timestamp")
    return found


def application_licence(found: dict) -> object:
    return found["metadata"]["component"].get("licenses")


def licensed_checkout(platform: Platform) -> Path:
    """A fresh checkout whose manifest gives the app a licence."""
    checkout = platform.new_build_dir(APP)
    manifest = checkout / "Cargo.toml"
    text = manifest.read_text()
    manifest.write_text(text.replace("publish = false\n", 'publish = false\nlicense = "MIT"\n', 1))
    return checkout


def test_a_no_change_rebuild_keeps_the_graph_and_a_manifest_change_runs_cargo_metadata(
    online_platform: Platform,
) -> None:
    first_dir, first = online_platform.build(APP)
    assert_succeeded(first)
    assert RAN in first.stdout, first.stdout

    build_dir, again = online_platform.build(APP)
    assert_succeeded(again)
    assert KEPT in again.stdout, again.stdout
    kept = document(build_dir)
    assert kept == document(first_dir)
    assert len(kept["components"]) == 9

    # A member's manifest changes what cargo metadata says (the app's licence).
    changed = licensed_checkout(online_platform)
    result = online_platform.compile(changed)
    assert_succeeded(result)
    assert RAN in result.stdout, result.stdout
    assert application_licence(document(changed)) == [{"expression": "MIT"}]
    assert application_licence(kept) != [{"expression": "MIT"}]

    # And the changed manifest's graph is the one kept from then on.
    changed_again = licensed_checkout(online_platform)
    result = online_platform.compile(changed_again)
    assert_succeeded(result)
    assert KEPT in result.stdout, result.stdout
    assert document(changed_again) == document(changed)
