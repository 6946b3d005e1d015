"""Which system library a build script or the linker could not find.

A crate that links a C library says so in its own words, deep in cargo's
output: the ``pkg-config`` crate ("The system library `libpq` required by
crate `pq-sys` was not found", older versions "could not find system
library 'x' required by the 'y' crate"), the pkg-config program ("Package
libsodium was not found in the pkg-config search path"), openssl-sys
("Could not find directory of OpenSSL installation"), and the linker for a
crate that just asks for ``-lNAME`` (pq-sys, mysqlclient-sys): GNU ld and
gold "cannot find -lNAME", lld "unable to find library -lNAME", mold
"library not found: NAME". None says what to do on a platform. So each
library named is looked up in the table of what the stacks carry
(platform/system_libraries.py), and the error names its Ubuntu -dev
package, whether the stack carries it, and the apt buildpack that adds it.
"""

from __future__ import annotations

import re

from .. import errors, lazy_re
from ..platform import system_libraries

PKG_CONFIG_CRATE = lazy_re.compile(
    r"The system library `(?P<name>[^`]+)` required by crate `(?P<crate>[^`]+)` was not found"
    r"|could not find system library '(?P<old>[^']+)' required by the '(?P<old_crate>[^']+)'"
)
PC_FILE = lazy_re.compile(r"The file `(?P<name>[^`]+)\.pc` needs to be installed")
PKG_CONFIG_PROGRAM = lazy_re.compile(
    r"Package (?P<name>\S+) was not found in the pkg-config search path"
    r"|Package '(?P<quoted>[^']+)', required by '[^']*', not found"
)
OPENSSL = lazy_re.compile(r"Could not find directory of OpenSSL installation")
LINKER = lazy_re.compile(
    r"(?:cannot find|unable to find library) -l(?P<name>[^\s:'\"]+|:[^\s'\"]+)"
    r"|mold: fatal: library not found: (?P<mold>[^\s'\"]+)"
)
# What failed: a build script, or the link of a crate. Only what it printed
# counts: a library named elsewhere (the warning of a build script whose
# probe fell back to a bundled copy) is not the cause.
BUILD_SCRIPT = lazy_re.compile(r"failed to run custom build command for `(?P<crate>\S+) v")
LINK_FAILED = lazy_re.compile(r"error: linking with `[^`]+` failed")
LINKING = lazy_re.compile(r"could not compile `(?P<crate>[^`]+)`")


Found = tuple[str, str, "str | None"]  # the library's name, who looked, the crate


def _after(
    pattern: lazy_re.LazyPattern, lines: list[str]
) -> tuple[re.Match[str], list[str]] | None:
    """The first line that matches, and the lines from there on."""
    for index, line in enumerate(lines):
        if match := pattern.search(line):
            return match, lines[index:]
    return None


def _named_by_a_build_script(line: str, build_script: str) -> Found | None:
    if match := PKG_CONFIG_CRATE.search(line):
        return match["name"] or match["old"], "pkg-config", match["crate"] or match["old_crate"]
    if match := PC_FILE.search(line) or PKG_CONFIG_PROGRAM.search(line):
        return match.groupdict().get("quoted") or match["name"], "pkg-config", build_script
    if OPENSSL.search(line):
        return "openssl", "openssl-sys", build_script
    return None


def _missing(lines: list[str]) -> list[Found]:
    """Each library named, once, in order: by the build script that failed,
    then by the linker whose link failed."""
    found: dict[str, Found] = {}
    if failed := _after(BUILD_SCRIPT, lines):
        match, printed = failed
        for line in printed:
            if named := _named_by_a_build_script(line, match["crate"]):
                found.setdefault(named[0], named)
    if failed := _after(LINK_FAILED, lines):
        _, printed = failed
        linking = next((m["crate"] for line in printed if (m := LINKING.search(line))), None)
        for line in printed:
            if match := LINKER.search(line):
                name = match["name"] or match["mold"]
                found.setdefault(name, (name, "the linker", linking))
    return list(found.values())


def diagnose(
    lines: list[str], command: str, returncode: int, stack: str | None
) -> errors.BuildError | None:
    """The buildpack's error for a system library that was not found, if one was named."""
    missing = []
    for name, looker, crate in _missing(lines):
        library = system_libraries.find(name)
        missing.append(
            errors.MissingLibrary(
                name=name,
                looker=looker,
                crate=crate,
                package=library.package if library else None,
                carried=library is not None and library.carried_on(stack),
            )
        )
    if not missing:
        return None
    return errors.system_library_missing(
        command,
        returncode,
        missing,
        stack,
        system_libraries.UBUNTU_RELEASES.get(stack or ""),
    )
