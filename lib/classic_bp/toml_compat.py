"""TOML reading on every supported Python: tomllib from 3.11; on 3.10,
toml_subset.py, and tomli for what that does not read.

3.10 (scalingo-22) has no tomllib, and tomli is not on the stack: a build
there reads Cargo.toml and the other files with toml_subset.py, and only a
file beyond it (a date, a float; or an error, which tomli words) makes the
build fetch tomli (fetch/bootstrap.py, ``import_early``). Importing this
module costs nothing.
"""

import sys
from types import ModuleType

from . import toml_subset


def _toml() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    from .fetch.bootstrap import import_early  # pragma: no cover - the 3.10 stacks

    import_early("tomli")
    import tomli

    return tomli


def loads(text: str) -> dict:
    if sys.version_info < (3, 11):
        try:
            return toml_subset.loads(text)
        except toml_subset.Unsupported:
            pass  # tomli has the last word
    return _toml().loads(text)


def __getattr__(name: str) -> object:
    """``TOMLDecodeError``, looked up when an ``except`` clause needs it."""
    if name == "TOMLDecodeError":
        return _toml().TOMLDecodeError
    raise AttributeError(name)
