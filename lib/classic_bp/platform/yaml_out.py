"""YAML output with the standard library only.

bin/release and bin/report must work on a stack before (or without) any
third-party package: PyYAML is not on every stack. Every scalar is written
as a JSON string or number, which YAML reads back unchanged, so there is no
quoting rule to get wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return [pad + "{}"]
        lines = []
        for key, item in value.items():
            if _is_block(item):
                lines.append(f"{pad}{_scalar(key)}:")
                lines += _lines(item, indent + 2)
            else:
                lines.append(f"{pad}{_scalar(key)}: {_inline(item)}")
        return lines
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return [pad + "[]"]
        lines = []
        for item in value:
            if _is_block(item):
                nested = _lines(item, indent + 2)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_inline(item)}")
        return lines
    return [pad + _scalar(value)]


def _is_block(value: Any) -> bool:
    collection = isinstance(value, Mapping) or (
        isinstance(value, Sequence) and not isinstance(value, str)
    )
    return collection and len(value) > 0


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[]"
    return _scalar(value)


def dump(document: Mapping[str, Any]) -> str:
    return "---\n" + "\n".join(_lines(document, 0)) + "\n"
