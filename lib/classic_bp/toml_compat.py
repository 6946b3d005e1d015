"""TOML reading on every supported Python: tomllib from 3.11, tomli on 3.10.

On 3.10 tomli is one of the buildpack's own packages, which a cold build from
a git clone fetches beside the toolchain (fetch/bootstrap.py), tomli first:
the first TOML read waits for tomli alone, and importing this module for
nothing.
"""

import sys
from types import ModuleType


def _toml() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    from .fetch.bootstrap import import_early  # pragma: no cover - the 3.10 stacks

    import_early("tomli")
    import tomli

    return tomli


def loads(text: str) -> dict:
    return _toml().loads(text)


def __getattr__(name: str) -> object:
    """``TOMLDecodeError``, looked up when an ``except`` clause needs it."""
    if name == "TOMLDecodeError":
        return _toml().TOMLDecodeError
    raise AttributeError(name)
