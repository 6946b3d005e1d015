"""TOML reading on every supported Python: toml_subset.py first, then tomllib
(from 3.11) or tomli (3.10) for what that does not read.

3.10 (scalingo-22) has no tomllib, and tomli is not on the stack: a build
there reads Cargo.toml and the other files with toml_subset.py, and only a
file beyond it (a date, a float; or an error, which tomli words) makes the
build fetch tomli (fetch/bootstrap.py, ``import_early``).

From 3.11, small files (manifests, toolchain files, cargo's configuration)
are read by toml_subset.py too: importing tomllib costs a build about 4 ms
(its regexes and ``datetime``), more than reading every small file it has.
toml_subset.py answers as tomllib does for every document it reads, and
leaves the rest to it (tests/unit/test_toml_subset.py checks both on every
file a build reads and on CPython's own TOML test data). A large file
(Cargo.lock) goes to tomllib at once: toml_subset.py reads it about twice as
slowly. Importing this module costs nothing.
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


# Above this many characters, tomllib's speed pays for its import.
SMALL_FILE = 8192


def loads(text: str) -> dict:
    if sys.version_info >= (3, 11) and len(text) > SMALL_FILE:
        return _toml().loads(text)
    try:
        return toml_subset.loads(text)
    except toml_subset.Unsupported as problem:
        beyond = str(problem)  # tomllib or tomli has the last word
    if sys.version_info >= (3, 11):
        return _toml().loads(text)
    from . import errors

    try:
        reader = _toml()
    except errors.BuildError as problem:  # tomli could not be fetched
        raise errors.toml_beyond_reader(beyond, problem.message) from None
    return reader.loads(text)


def __getattr__(name: str) -> object:
    """``TOMLDecodeError``, looked up when an ``except`` clause needs it. On 3.10,
    only ``loads`` through tomli raises it, once tomli is imported: until then the
    lookup must not fetch tomli (an ``except`` clause is evaluated for whatever
    exception passes, a failed fetch included), and nothing can match."""
    if name != "TOMLDecodeError":
        raise AttributeError(name)
    if sys.version_info >= (3, 11):
        return _toml().TOMLDecodeError
    tomli = sys.modules.get("tomli")
    return tomli.TOMLDecodeError if tomli is not None else toml_subset.Unsupported
