"""Users can tell their mistakes from ours (errors.py, platform/guard.py).

Every user error names a Reason of the one catalogue and links to the
section of README.md or docs/ that explains it, which must exist; a crash
says it is a bug, with its trace and an exit code of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classic_bp import errors
from platform_runner import REPO_ROOT


def test_an_unexpected_crash_is_reported_as_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug must never look like the user's fault: distinct text and exit code."""
    from classic_bp.commands import cli, release
    from classic_bp.platform import guard

    def broken_release(build_dir: Path) -> str:
        raise KeyError("process_types")

    monkeypatch.setattr(release, "release_yaml", broken_release)
    assert cli.main(["release", str(tmp_path)]) == guard.INTERNAL_ERROR_EXIT
    stderr = capsys.readouterr().err
    assert " !     Internal error in the Rust buildpack: this is a bug" in stderr
    assert "KeyError: 'process_types'" in stderr


def test_every_error_links_to_a_section_that_exists() -> None:
    """Each error's link names a file of the buildpack and one of its headings."""

    def anchors(page: Path) -> set[str]:
        """GitHub's anchors: lowercase, punctuation but - and _ dropped, spaces to -."""
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        return {
            re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", text, re.M)
        }

    unexplained = set(errors.Reason) - set(errors.README_SECTIONS)
    assert not unexplained, f"errors without a section: {unexplained}"
    for reason, link in errors.README_SECTIONS.items():
        path, _, anchor = link.partition("#")
        assert (REPO_ROOT / path).is_file(), f"{reason}: {path} is not a file of the buildpack"
        assert anchor in anchors(REPO_ROOT / path), f"{reason}: {path} has no section #{anchor}"
    missing = errors.missing_lockfile(Path("/app"))
    assert str(missing).endswith(
        "See the buildpack's README.md#cargolock-is-missing-or-out-of-date"
    )
    assert isinstance(
        errors.download_failed("https://x", "the server answered HTTP 404", 1, not_found=True),
        errors.DownloadNotFound,
    )


def test_an_error_reason_is_a_member_of_the_catalogue_not_a_string() -> None:
    """A misspelt reason would fail the build report's consumers silently."""
    with pytest.raises(TypeError, match="not 'cargo_faild'"):
        errors.BuildError("cargo_faild", "text")  # type: ignore[arg-type]
    error = errors.BuildError(errors.Reason.CARGO_FAILED, "text")
    assert str(error.reason) == "cargo_failed" and f"{error.reason}" == "cargo_failed"
