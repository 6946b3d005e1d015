"""The buildpack's compiled modules, kept in the app's cache from one build to the next.

Why: a platform fetches the buildpack afresh for every build (a git clone of
BUILDPACK_URL, a tarball unpacked), so its lib/ has no ``__pycache__`` and
Python compiles each of the buildpack's modules before the build can start:
about 50 ms on every build, a fifth of what a no-change rebuild costs. The
cache dir is the one folder that survives from build to build.

How: a path hook gives the folders under lib/ a loader that keeps each
module's bytecode in ``CACHE_DIR/rust-buildpack-bytecode/``,

- named by the module's path inside lib/, because the fresh copy's own path
  may differ from one build to the next;
- checked against the hash of the module's source, because a fresh copy's
  files have new mtimes, so Python's usual mtime check would always miss.
  This is Python's "checked hash" .pyc format (PEP 552): the source is read
  and hashed on every import, and any difference means compiling it again.

Anything the cache dir refuses (read-only, full, a damaged file) only means
compiling, as without this. Standard library only: it runs before any of the
buildpack's other modules.
"""

from __future__ import annotations

import _imp
import contextlib
import importlib.machinery as machinery
import importlib.util
import marshal
import os
import sys
from types import CodeType

FOLDER = "rust-buildpack-bytecode"
# PEP 552 flags: bit 0 = hash-based, bit 1 = checked against the source.
CHECKED_HASH = (0b11).to_bytes(4, "little")
HEADER_SIZE = 16  # magic number, flags, source hash
# What Python's own loader calls on code read from a .pyc, so that tracebacks
# name the source file it was loaded for (here: this clone's, not the one that
# compiled it).
FIX_FILENAMES = getattr(_imp, "_fix_co_filename", None)


def install(lib_dir: str, cache_dir: str) -> None:
    """From now on, modules under ``lib_dir`` keep their bytecode in ``cache_dir``.

    Nothing changes when the cache dir does not exist (yet) or its folder for
    bytecode is not a real folder (a link someone planted is never followed).
    """
    tag = sys.implementation.cache_tag
    store = os.path.join(os.path.abspath(cache_dir), FOLDER)
    if tag is None or FIX_FILENAMES is None:
        return  # a Python without .pyc files, or without the means to reuse them here
    if not os.path.isdir(cache_dir) or os.path.islink(store):
        return
    lib_dir = os.path.abspath(lib_dir)

    def inside_lib(path: str) -> bool:
        folder = os.path.abspath(path or os.getcwd())
        return folder == lib_dir or folder.startswith(lib_dir + os.sep)

    loader = _loader_for(lib_dir, store, tag)
    details = (
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (loader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    )

    def finder_for(path: str) -> machinery.FileFinder:
        if not inside_lib(path):
            raise ImportError("not the buildpack's lib/")  # the next hook's to answer
        return machinery.FileFinder(path, *details)

    sys.path_hooks.insert(0, finder_for)
    for path in list(sys.path_importer_cache):
        if inside_lib(path):
            del sys.path_importer_cache[path]


def _loader_for(lib_dir: str, store: str, tag: str) -> type[machinery.SourceFileLoader]:
    class CachedBytecodeLoader(machinery.SourceFileLoader):
        """SourceFileLoader whose bytecode lives in ``store``, checked by source hash."""

        def get_code(self, fullname: str) -> CodeType:
            source_path = self.get_filename(fullname)
            source = self.get_data(source_path)
            digest = importlib.util.source_hash(source)
            relative = os.path.splitext(os.path.relpath(source_path, lib_dir))[0]
            cached = os.path.join(store, f"{relative}.{tag}.pyc")
            code = read_cached(cached, digest)
            if code is not None:
                FIX_FILENAMES(code, source_path)
                return code
            code = self.source_to_code(source, source_path)
            if not sys.dont_write_bytecode:
                write_cached(cached, digest, code)
            return code

    return CachedBytecodeLoader


def read_cached(path: str, digest: bytes) -> CodeType | None:
    """The code in ``path`` if it was compiled from the source hashing to ``digest``."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    header = importlib.util.MAGIC_NUMBER + CHECKED_HASH + digest
    if data[:HEADER_SIZE] != header:
        return None
    try:
        code = marshal.loads(memoryview(data)[HEADER_SIZE:])
    except (EOFError, ValueError, TypeError):
        return None  # truncated or damaged: compiled again, and rewritten
    return code if isinstance(code, CodeType) else None


def write_cached(path: str, digest: bytes, code: CodeType) -> None:
    """Write whole or not at all: a build killed midway leaves no half file behind."""
    staging = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(staging, "wb") as stream:
            stream.write(importlib.util.MAGIC_NUMBER + CHECKED_HASH + digest)
            stream.write(marshal.dumps(code))
        os.replace(staging, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(staging)
