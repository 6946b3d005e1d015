"""BP_INCLUDE_FILES and BP_EXCLUDE_FILES, read into normalized glob patterns.

Here, not in slug/clean.py which matches them (its docstring holds the
rules), so that an unsafe pattern fails the build while the configuration is
read, before the compile. clean.py checks each pattern again with
``segments``: no unchecked pattern can ever reach outside the app.
"""

from __future__ import annotations

from .. import errors

INCLUDE_VARIABLE = "BP_INCLUDE_FILES"
EXCLUDE_VARIABLE = "BP_EXCLUDE_FILES"
DEFAULT_INCLUDE = "static/*:templates/*:public/*:html/*"
DEFAULT_EXCLUDE = ""
SEPARATOR = ":"


def segments(variable: str, pattern: str) -> tuple[str, ...]:
    if pattern.startswith("/"):
        raise errors.invalid_file_pattern(variable, pattern, "is an absolute path")
    parts = tuple(s for s in pattern.split("/") if s not in ("", "."))
    if ".." in parts:
        raise errors.invalid_file_pattern(variable, pattern, "has a `..` segment")
    if not parts:
        raise errors.invalid_file_pattern(
            variable, pattern, "names the app's root directory itself (`**` matches everything)"
        )
    return parts


def parse_patterns(variable: str, value: str | None, default: str) -> tuple[str, ...]:
    """The variable's patterns, normalized and deduplicated; BuildError if one is unsafe.

    An unset or blank variable gets the default, as every other setting does.
    """
    text = value if value is not None and value.strip() else default
    patterns: list[str] = []
    for raw in text.split(SEPARATOR):
        if raw.strip():
            pattern = "/".join(segments(variable, raw.strip()))
            if pattern not in patterns:
                patterns.append(pattern)
    return tuple(patterns)
