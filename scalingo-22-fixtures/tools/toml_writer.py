"""The fixture tools' one TOML writer: the standard library reads TOML but cannot write it.

Used for the rustup mirror's channel manifests and the crates registry's
rewritten Cargo.toml files. Nested dicts become ``[tables]``, lists of dicts
``[[arrays of tables]]``; every text is parsed back (when tomllib exists,
Python 3.11+) so a writer bug cannot ship a manifest that says something else.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toml_reader import tomllib  # None: no round-trip check

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    """A TOML key, quoted unless it is a bare key."""
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML, bar raw DEL)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    """An inline TOML value: scalars, arrays and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_array(value: Any) -> bool:
    """Whether a value is written as ``[[header]]`` sections."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit_table(lines: list[str], path: list[str], table: dict, header: str | None) -> None:
    """Append one table: its header, its plain keys, then its sub-tables."""
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_table_array(v)}
    nested = {k: v for k, v in table.items() if k not in plain}
    if header and (plain or not nested or header.startswith("[[")):
        lines.extend(["", header] if lines else [header])
    lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in plain.items())
    for key, value in nested.items():
        sub = [*path, key]
        dotted = ".".join(_toml_key(p) for p in sub)
        if isinstance(value, dict):
            _emit_table(lines, sub, value, f"[{dotted}]")
        else:
            for item in value:
                _emit_table(lines, sub, item, f"[[{dotted}]]")


def dumps(data: dict[str, Any], header: str = "") -> str:
    """``data`` as TOML after ``header`` (comment lines), checked by re-parsing."""
    lines: list[str] = []
    _emit_table(lines, [], data, None)
    text = header + "\n".join(lines).strip() + "\n"
    if tomllib is not None and tomllib.loads(text) != data:
        raise AssertionError("TOML writer lost information")
    return text
