"""TOML reading for the fixture tools and tests, on every Python the project supports.

Python 3.11+ has ``tomllib``; on 3.10 (Ubuntu 22.04) make's virtual environment
installs ``tomli``, the same parser under its old name. Outside that venv on 3.10
there is neither: ``tomllib`` is None and ``loads`` says which Python to use.
"""

from __future__ import annotations

from typing import Any

from prerequisites import MissingPrerequisite

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - exercised on 3.10 only
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None  # type: ignore[assignment]


def loads(text: str) -> dict[str, Any]:
    if tomllib is None:
        raise MissingPrerequisite(
            "Reading TOML on Python 3.10 needs tomli: run this with the Python of"
            " make's virtual environment (.venv/bin/python), which has it."
        )
    return tomllib.loads(text)
