"""cargo's RUSTC_WRAPPER with sccache (cargo/sccache.py WRAPPER_SCRIPT), with the real rustc.

cargo's two questions before compiling (rustc's version, its target) go
straight to rustc, the version question also starting sccache's first
request in the background; every compilation goes to sccache with cargo's
arguments untouched. sccache itself stands here as a recorder that runs what
it is given (as sccache does with what it does not cache); the real sccache
behind the wrapper is tests/test_sccache.py's two builders.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path

from classic_bp.cargo.sccache import _write_wrapper

RUSTC = Path.home() / ".cargo" / "bin" / "rustc"


def recorder(folder: Path) -> tuple[Path, Path]:
    """An executable that writes its arguments to a log, then runs them."""
    folder.mkdir(parents=True)
    log = folder / "calls.log"
    script = folder / "sccache"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(log))}\nexec "$@"\n')
    script.chmod(0o755)
    return script, log


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_cargos_questions_skip_sccache_and_compilations_go_through_it(tmp_path: Path) -> None:
    # A path a shell would split or unquote, to check the script's quoting.
    sccache, log = recorder(tmp_path / "it's a dir")
    wrapper = _write_wrapper(tmp_path / "rustc-wrapper", sccache)

    version = subprocess.run([wrapper, RUSTC, "-vV"], capture_output=True, text=True, check=True)
    assert (
        version.stdout
        == subprocess.run([RUSTC, "-vV"], capture_output=True, text=True, check=True).stdout
    )
    # The background request, for cargo's own rustc (sccache hashes the toolchain then).
    deadline = time.monotonic() + 10
    while not calls(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert calls(log) == [f"{RUSTC} -vV"]

    question = [RUSTC, "-", "--crate-name", "___", "--print=cfg"]
    target = subprocess.run([wrapper, *question], input="", capture_output=True, text=True)
    assert target.returncode == 0 and 'target_os="linux"' in target.stdout
    assert calls(log) == [f"{RUSTC} -vV"]  # not sccache's

    source = tmp_path / "lib.rs"
    source.write_text("pub fn answer() -> u32 { 42 }\n")
    compile_args = ["--crate-name", "answer", "--crate-type", "lib", "--emit=link"]
    compile_args += ["--out-dir", str(tmp_path / "out"), str(source)]
    subprocess.run([wrapper, RUSTC, *compile_args], check=True, capture_output=True)
    assert (tmp_path / "out" / "libanswer.rlib").is_file()
    assert calls(log)[-1] == " ".join([str(RUSTC), *compile_args])
