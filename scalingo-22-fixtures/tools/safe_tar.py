"""Unpack a tar archive safely on every Python the suite runs on.

Why: ``TarFile.extractall(filter="data")`` is the safe way, but ``filter=``
and ``tarfile.data_filter`` came with Python 3.12 and the security releases
3.11.4 and 3.10.12. Debian 12's python3 is 3.11.2 and has neither, so the
tests that unpack `make package`'s tarball stopped there with a TypeError.

Where the data filter exists, it is used. Where it does not, this module
does what the filter does, so a test sees the same files on every Python.
Each member is checked just before it is written, against the destination
as it stands (so that a link an earlier member made counts, as with the
filter), and the extraction stops with ``UnsafeArchive`` (a
``tarfile.TarError``, as the filter's own errors are) at a member that is:

- a path that leads outside ``destination`` (``..``, or through a link
  already there); a leading ``/`` is dropped, as the filter drops it;
- a symbolic or hard link whose target is absolute or outside;
- a device, a fifo or any other special file.

What it lets through loses, as with the filter, the set-user-id, set-group-id
and sticky bits and the group and other write bits; files get owner read and
write; nothing gets the archive's owner (the suite runs as root, where
extractall would otherwise chown every file to it).
"""

from __future__ import annotations

import copy
import os
import tarfile
from pathlib import Path


class UnsafeArchive(tarfile.TarError):
    """A member the data filter would refuse, found where it does not exist."""


def extract_all(archive: Path, destination: Path) -> None:
    """Unpack ``archive`` (any compression tarfile reads) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(destination, filter="data")
        else:
            for member in tar:
                tar.extract(_checked(member, destination), destination)


def _checked(member: tarfile.TarInfo, destination: Path) -> tarfile.TarInfo:
    """``member`` as the data filter would extract it, or UnsafeArchive."""
    root = os.path.realpath(destination)
    name = member.name.lstrip("/" + os.sep)
    if os.path.isabs(name):  # still, on a system where that is not enough
        raise UnsafeArchive(f"{member.name!r} is an absolute path")
    _inside(root, os.path.join(root, name), f"{name!r} leads outside {destination}")
    if member.issym() or member.islnk():
        if os.path.isabs(member.linkname):
            raise UnsafeArchive(f"{name!r} links to the absolute path {member.linkname!r}")
        # A symbolic link's target is relative to its folder, a hard link's to the root.
        base = os.path.join(root, os.path.dirname(name)) if member.issym() else root
        _inside(root, os.path.join(base, member.linkname), f"{name!r} links outside")
    elif not (member.isfile() or member.isdir()):
        raise UnsafeArchive(f"{name!r} is a device, fifo or other special file")
    safe = copy.copy(member)
    safe.name = name
    safe.uid, safe.gid = os.getuid(), os.getgid()
    safe.uname = safe.gname = ""  # so that a root extractall chowns to itself
    mode = member.mode & 0o755
    if member.isdir():
        safe.mode = mode | 0o700
    elif not member.issym():
        # As the filter: an owner who may not run the file makes it run by no one.
        safe.mode = (mode if mode & 0o100 else mode & ~0o111) | 0o600
    return safe


def _inside(root: str, path: str, refusal: str) -> None:
    if os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise UnsafeArchive(refusal)
