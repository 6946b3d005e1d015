"""What a rebuild imports: the modules it pays for on every build stay out.

A no-change rebuild spends more of its fixed time importing than doing
(docs/benchmark.md). ``dataclasses`` (with ``inspect``, ``ast``, ``dis`` and
``tokenize``) and ``typing`` were the largest that nothing needed at run
time: records.py replaces the first, and ``TYPE_CHECKING = False`` keeps
the annotations' imports for the type checker (docs/development.md). urllib's
client (``http.client``, ``email``, ``ssl``) is imported only when a file is
downloaded: the channel's ``.sha256`` goes through fetch/small_get.py.
OpenSSL's libcrypto (``_hashlib``, loaded by ``hashlib``) only when a build has
hashed a megabyte: digests.py hashes less with CPython's own SHA-256.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"
# What compile imports before its first step.
COMPILE_MODULES = ("classic_bp.commands.platform_main",)


def imported_by(modules: tuple[str, ...]) -> set[str]:
    code = (
        f"import sys; sys.path.insert(0, {str(LIB)!r});"
        f"import {', '.join(modules)};"
        "print(' '.join(sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    )
    return set(found.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "dataclasses",
        "inspect",
        "typing",
        "http.client",
        "email",
        "urllib.request",
        "ssl",
        "_hashlib",
    ],
)
def test_a_compile_does_not_import(module: str) -> None:
    imported = imported_by(COMPILE_MODULES)
    assert "classic_bp.commands.compile" in imported  # the check itself ran
    assert module not in imported
