"""git's ignore rules for folders, as the source-times walk applies them."""

from __future__ import annotations

import pytest

from classic_bp.cargo.git_ignore import IgnoreFile, is_ignored, parse


def rules(text: str, folder: str = "") -> list[IgnoreFile]:
    return [IgnoreFile(folder, tuple(parse(text)))]


@pytest.mark.parametrize(
    ("text", "path", "is_folder", "ignored"),
    [
        ("node_modules/", "frontend/node_modules", True, True),
        ("node_modules/", "node_modules", True, True),
        ("node_modules/", "src/node_modules.rs", False, False),
        ("/dist", "dist", True, True),
        ("/dist", "frontend/dist", True, False),
        ("frontend/dist/", "frontend/dist", True, True),
        ("frontend/dist/", "x/frontend/dist", True, False),
        ("**/build", "a/b/build", True, True),
        ("logs/**", "logs/x", True, True),
        ("a/**/z", "a/b/c/z", True, True),
        ("a/**/z", "a/z", True, True),
        ("*.log", "debug.log", False, True),
        ("tmp*\n!tmp-keep", "tmp-keep", True, False),
        ("tmp*\n!tmp-keep", "tmp-x", True, True),
        ("# comment\n\n  \nvendor/  ", "vendor", True, True),
        ("\\#weird", "#weird", True, True),
        ("cache?", "cache1", True, True),
        ("[abc]x", "bx", True, True),
        ("[!abc]x", "bx", True, False),
        ("docs/", "docs", False, False),
        ("[z-a]\nbuild/", "build", True, True),
        ("[unclosed", "[unclosed", True, True),
    ],
)
def test_patterns(text: str, path: str, is_folder: bool, ignored: bool) -> None:
    assert is_ignored(path, is_folder, rules(text)) is ignored


def test_a_deeper_file_wins_and_applies_below_its_folder_only() -> None:
    files = [*rules("generated/"), *rules("!generated/", folder="keep")]
    assert is_ignored("src/generated", True, files)
    assert not is_ignored("keep/generated", True, files)
    assert not is_ignored("other", True, rules("other/", folder="sub"))
