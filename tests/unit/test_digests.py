"""digests.py: SHA-256 by CPython's own code for the first megabyte a build
hashes, by OpenSSL's after, the same digests either way."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "lib"


@pytest.mark.parametrize("size", [0, 1, 4096, 3 << 20])
def test_a_files_digest_is_its_sha256(tmp_path: Path, size: int) -> None:
    from classic_bp.digests import file_sha256

    path = tmp_path / "file"
    content = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path.write_bytes(content)
    assert file_sha256(path) == hashlib.sha256(content).hexdigest()


def test_openssl_is_loaded_only_once_a_megabyte_was_hashed(tmp_path: Path) -> None:
    """Run in a Python of its own: whether ``_hashlib`` is loaded is the point."""
    small, large = tmp_path / "small", tmp_path / "large"
    small.write_bytes(b"s" * 100_000)
    large.write_bytes(b"l" * (2 << 20))
    code = f"""
import sys
sys.path.insert(0, {str(LIB)!r})
from pathlib import Path
from classic_bp.digests import file_sha256, sha256
answers = [file_sha256(Path({str(small)!r})), sha256(b"abc").hexdigest()]
loaded_before = "_hashlib" in sys.modules
answers.append(file_sha256(Path({str(large)!r})))
print(loaded_before, "_hashlib" in sys.modules, *answers)
"""
    printed = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert printed == [
        "False",
        "True",
        hashlib.sha256(b"s" * 100_000).hexdigest(),
        hashlib.sha256(b"abc").hexdigest(),
        hashlib.sha256(b"l" * (2 << 20)).hexdigest(),
    ]
