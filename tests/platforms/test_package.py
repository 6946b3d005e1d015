"""`make package`: the private-tarball form of the buildpack.

bin/ at the archive root, runtime packages vendored, nothing else shipped,
the same bytes every time, and a build from it needs no package index.
"""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from classic_bp import errors
from platform_runner import Platform
from safe_tar import extract_all
from tests.assertions import assert_succeeded

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow


def test_the_tarball_is_reproducible(tarballs: list[Path]) -> None:
    first, second = (hashlib.sha256(path.read_bytes()).hexdigest() for path in tarballs)
    assert first == second
    assert tarballs[0].name == "classic-bp-0.1.0.tgz"


def test_the_tarball_holds_the_buildpack_and_its_packages_only(tarballs: list[Path]) -> None:
    with tarfile.open(tarballs[0]) as archive:
        names = archive.getnames()
        modes = {member.name: member.mode for member in archive.getmembers()}
    assert {"bin/detect", "bin/compile", "bin/release", "lib/boot.py"} <= set(names)
    # Every page an error message links to is in the archive.
    linked = {link.partition("#")[0] for link in errors.README_SECTIONS.values()}
    assert linked <= set(names) and "docs/configuration.md" in linked
    assert modes["bin/compile"] == 0o755
    assert "lib/vendor/click/__init__.py" in names
    assert "lib/vendor/rich/__init__.py" in names
    # Every download goes through the urllib transport: requests is not carried.
    assert not [name for name in names if name.startswith("lib/vendor/requests")]
    forbidden = ("tests/", "scalingo-22-fixtures/", ".git", "__pycache__", ".ci/", "Makefile")
    assert not [name for name in names if name.startswith(forbidden) or "__pycache__" in name]


def test_a_build_from_the_tarball_needs_no_package_index(
    stack_python_platform: Platform, tarballs: list[Path], tmp_path: Path
) -> None:
    buildpack = tmp_path / "unpacked-buildpack"
    extract_all(tarballs[0], buildpack)
    stack_python_platform.buildpack = buildpack
    stack_python_platform.set_config(PIP_INDEX_URL="http://127.0.0.1:9/simple")  # nothing there
    build_dir, result = stack_python_platform.build("web-std")
    assert_succeeded(result)
    assert "Fetching the buildpack's Python packages" not in result.stdout
    assert (build_dir / "bin" / "web-std").is_file()
