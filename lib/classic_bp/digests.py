"""SHA-256 without loading OpenSSL until the bytes to hash make it worth it.

Why: ``import hashlib`` loads OpenSSL's libcrypto (through ``_hashlib``):
about 3 ms of a build's start, while a rebuild hashes little (a Cargo.lock,
the app's changed-looking sources). CPython's own SHA-256 (``_sha2`` from
3.12, ``_sha256`` before) is built into the interpreter and costs nothing to
import, but is slower (about 300 MB/s here, against OpenSSL's 1.7 GB/s). So
a build hashes with it until it has taken ``BUILTIN_BYTES`` (where the two
cost about the same), then with hashlib's. The digests are the same either
way; a Python built without its own SHA-256 uses hashlib's throughout.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    from _sha2 import sha256 as _builtin_sha256  # Python 3.12 and later
except ImportError:
    try:
        from _sha256 import sha256 as _builtin_sha256  # Python 3.10 and 3.11
    except ImportError:
        _builtin_sha256 = None

TYPE_CHECKING = False  # a build never imports typing (docs/development.md)
if TYPE_CHECKING:
    from typing import Any

# One megabyte takes the built-in SHA-256 about as long as loading OpenSSL.
BUILTIN_BYTES = 1 << 20
_builtin_left = BUILTIN_BYTES


def sha256(data: bytes = b"", expected_bytes: int = 0) -> Any:
    """A SHA-256 object of ``data``, for about ``expected_bytes`` more."""
    global _builtin_left
    wanted = len(data) + expected_bytes
    if _builtin_sha256 is not None and wanted <= _builtin_left:
        _builtin_left -= wanted
        return _builtin_sha256(data)
    import hashlib

    return hashlib.sha256(data)


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file's content."""
    with path.open("rb") as stream:
        digest = sha256(expected_bytes=os.fstat(stream.fileno()).st_size)
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
