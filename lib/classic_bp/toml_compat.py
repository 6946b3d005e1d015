"""TOML reading on every supported Python: tomllib from 3.11, tomli on 3.10.

On 3.10 tomli is one of the buildpack's own packages, which a cold build from
a git clone fetches beside the toolchain (fetch/bootstrap.py): the first TOML
read waits for that fetch, so importing this module never does.
"""

import sys
from types import ModuleType


def _toml() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    from .fetch.bootstrap import wait_for_packages  # pragma: no cover - the 3.10 stacks

    wait_for_packages()
    import tomli

    return tomli


def loads(text: str) -> dict:
    return _toml().loads(text)


def __getattr__(name: str) -> object:
    """``TOMLDecodeError``, looked up when an ``except`` clause needs it."""
    if name == "TOMLDecodeError":
        return _toml().TOMLDecodeError
    raise AttributeError(name)
