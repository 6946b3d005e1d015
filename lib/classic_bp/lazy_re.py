"""Regular expressions compiled when first used, not when their module is imported.

Why: the modules a build imports define some forty patterns at module level,
most of them for inputs a rebuild never meets (a Procfile's cargo command, a
toolchain file's name, a failed download's message). Compiling them all at
import cost every build about 3 ms, some 3 % of a rebuild's fixed time
(docs/benchmark.md). ``compile`` keeps the source and flags, and compiles on
the first attribute asked for; from then on the compiled pattern's methods
are this object's own attributes, as fast to reach as the pattern's.

Only attribute access is deferred: such a pattern is not an ``re.Pattern``,
so it is never handed to ``re.sub``, ``re.match`` and the like (they want a
string or a compiled pattern); call its own methods.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

# What code calls on a compiled pattern: copied onto the lazy one once compiled.
_FORWARDED = (
    "match",
    "fullmatch",
    "search",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)


class LazyPattern:
    """``re.compile(source, flags)``, done on first use."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Reached only for attributes not yet set: the first use of any of them.
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for forwarded in _FORWARDED:
            setattr(self, forwarded, getattr(compiled, forwarded))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_re.compile({self._source!r}, {self._flags!r})"


def compile(source: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(source, flags)
