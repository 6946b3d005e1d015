"""safe_tar.extract_all, the tar extraction of the tests, on every Python.

Both ways it works are checked on any Python: the data filter (where tarfile
has it, from 3.11.4 and 3.12) and its own checks (what Debian 12's 3.11.2
runs), by hiding ``tarfile.data_filter``. The same archives must give the
same files, and the same refusals, either way.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

import safe_tar

HAS_DATA_FILTER = hasattr(tarfile, "data_filter")


@pytest.fixture(params=["data filter", "own checks"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "data filter" and not HAS_DATA_FILTER:
        pytest.skip("this Python's tarfile has no data filter")
    if request.param == "own checks" and HAS_DATA_FILTER:
        monkeypatch.delattr(tarfile, "data_filter")
    return request.param


def _archive(tmp_path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    path = tmp_path / "archive.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, mode: int = 0o644, link: str = ""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname = kind, mode, link
    info.uid = info.gid = 4242
    info.uname = info.gname = "nobody-here"
    return info


def test_files_folders_and_links_inside_are_extracted_as_the_filter_does(
    way: str, tmp_path: Path
) -> None:
    archive = _archive(
        tmp_path,
        (_member("app", tarfile.DIRTYPE, 0o775), None),
        (_member("app/bin/run", mode=0o4775), b"#!/bin/sh\n"),
        (_member("app/data.txt", mode=0o466), b"data"),
        (_member("/app/rooted.txt"), b"rooted"),
        (_member("app/latest", tarfile.SYMTYPE, link="bin/run"), None),
        (_member("app/copy", tarfile.LNKTYPE, link="app/data.txt"), None),
    )
    out = tmp_path / "out"
    safe_tar.extract_all(archive, out)
    assert (out / "app" / "bin" / "run").read_bytes() == b"#!/bin/sh\n"
    assert stat.S_IMODE((out / "app" / "bin" / "run").stat().st_mode) == 0o755
    assert stat.S_IMODE((out / "app" / "data.txt").stat().st_mode) == 0o644
    assert (out / "app" / "rooted.txt").read_bytes() == b"rooted"  # the leading / dropped
    assert os.readlink(out / "app" / "latest") == "bin/run"
    assert (out / "app" / "copy").read_bytes() == b"data"
    owners = {(path.lstat().st_uid, path.lstat().st_gid) for path in out.rglob("*")}
    assert owners == {(os.getuid(), os.getgid())}


@pytest.mark.parametrize(
    "member",
    [
        _member("../escaped"),
        _member("app/../../escaped"),
        _member("app/link", tarfile.SYMTYPE, link="/etc/passwd"),
        _member("app/link", tarfile.SYMTYPE, link="../../escaped"),
        _member("app/hard", tarfile.LNKTYPE, link="../escaped"),
        _member("app/device", tarfile.CHRTYPE),
        _member("app/fifo", tarfile.FIFOTYPE),
    ],
    ids=lambda member: f"{member.name}->{member.linkname}" if member.linkname else member.name,
)
def test_what_could_reach_outside_is_refused(
    way: str, tmp_path: Path, member: tarfile.TarInfo
) -> None:
    data = b"x" if member.isreg() else None
    archive = _archive(tmp_path, (_member("app", tarfile.DIRTYPE, 0o755), None), (member, data))
    out = tmp_path / "deep" / "out"
    with pytest.raises(tarfile.TarError):
        safe_tar.extract_all(archive, out)
    written = sorted(path.name for path in tmp_path.rglob("*"))
    assert written == ["app", "archive.tgz", "deep", "out"]


def test_a_link_an_earlier_member_made_is_followed_when_checking(way: str, tmp_path: Path) -> None:
    """``up`` -> ``.`` is inside, but ``up/out`` -> ``..`` then leaves the folder."""
    archive = _archive(
        tmp_path,
        (_member("up", tarfile.SYMTYPE, link="."), None),
        (_member("up/out", tarfile.SYMTYPE, link=".."), None),
    )
    with pytest.raises(tarfile.TarError):
        safe_tar.extract_all(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "out").exists()
