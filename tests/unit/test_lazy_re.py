"""lazy_re: patterns that answer as re's do, compiled only once used.

Importing the buildpack must compile none of its own patterns (each cost a
rebuild's fixed time); a pattern, once used, must give re's answers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from classic_bp import lazy_re

LIB = Path(__file__).resolve().parents[2] / "lib"

# Records each re.compile called from a module's own top level, then imports
# every module of the package, as a build might.
IMPORT_EVERYTHING = f"""
import pkgutil, re, sys
sys.path.insert(0, {str(LIB)!r})
compiled = []
original = re.compile
def recording(pattern, flags=0):
    caller = sys._getframe(1).f_code
    if caller.co_name == "<module>" and "classic_bp" in caller.co_filename:
        compiled.append(caller.co_filename.rsplit("lib/", 1)[-1] + ": " + str(pattern))
    return original(pattern, flags)
re.compile = recording
import classic_bp
names = [info.name for info in pkgutil.walk_packages(classic_bp.__path__, "classic_bp.")]
for name in names:
    __import__(name)
print(len(names))
for line in compiled:
    print(line)
"""


def test_importing_the_buildpack_compiles_none_of_its_patterns() -> None:
    found = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_EVERYTHING], capture_output=True, text=True, check=True
    )
    count, *compiled = found.stdout.splitlines()
    assert int(count) > 50  # every module was imported
    assert compiled == []


def test_a_pattern_is_compiled_on_its_first_use_only() -> None:
    pattern = lazy_re.compile(r"(?P<major>\d+)\.(?P<minor>\d+)")
    assert "match" not in vars(pattern)
    assert pattern.match("1.95").group("minor") == "95"
    assert "match" in vars(pattern)
    assert pattern.search("rust 1.95 now")["major"] == "1"


@pytest.mark.parametrize(
    ("source", "flags", "text"),
    [
        (r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]?)i?B?", re.IGNORECASE, "1.5 gib, 20mb"),
        (r"[\s,]+", 0, "postgres, tls  json"),
        (r"^cargo::?rerun-if-changed=(?P<path>.+)$", re.MULTILINE, "cargo:rerun-if-changed=a\nx"),
    ],
)
def test_every_method_answers_as_re_compile_does(source: str, flags: int, text: str) -> None:
    lazy, eager = lazy_re.compile(source, flags), re.compile(source, flags)
    for name in ("match", "fullmatch", "search"):
        ours, theirs = getattr(lazy, name)(text), getattr(eager, name)(text)
        assert (ours and ours.groups()) == (theirs and theirs.groups())
    assert lazy.findall(text) == eager.findall(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.split(text) == eager.split(text)
    assert lazy.sub("-", text) == eager.sub("-", text)
    assert lazy.subn("-", text) == eager.subn("-", text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (eager.pattern, eager.flags, eager.groups)
    assert lazy.groupindex == eager.groupindex


def test_a_bad_pattern_fails_when_used_with_re_s_error() -> None:
    pattern = lazy_re.compile(r"(unclosed")
    with pytest.raises(re.error):
        pattern.search("unclosed")


def test_special_names_are_not_forwarded() -> None:
    """copy and pickle probe for __deepcopy__ and the like: they must not compile."""
    pattern = lazy_re.compile(r"x")
    assert not hasattr(pattern, "__deepcopy__")
    assert "match" not in vars(pattern)
