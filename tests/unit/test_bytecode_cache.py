"""The buildpack's compiled modules are kept in the app's cache (lib/bytecode_cache.py).

A platform clones the buildpack afresh for every build, at a path that may
change and with new mtimes: the second clone must compile nothing, a changed
module must never run from stale bytecode, and a damaged or unwritable store
must only mean compiling.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from platform_runner import REPO_ROOT

STORE = "rust-buildpack-bytecode"
TAG = sys.implementation.cache_tag
CHECKED_HASH_FLAGS = (0b11).to_bytes(4, "little")


def clone(destination: Path) -> Path:
    """lib/ as a fresh clone has it: no __pycache__, new mtimes."""
    shutil.copytree(
        REPO_ROOT / "lib",
        destination,
        ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.egg-info"),
        copy_function=shutil.copy,
    )
    return destination


def import_in(lib: Path, cache: Path, statement: str = "pass") -> str:
    """Import the compile command from ``lib`` with the store installed, as boot.py does."""
    program = (
        f"import sys; sys.path.insert(0, {str(lib)!r}); import bytecode_cache;"
        f" bytecode_cache.install({str(lib)!r}, {str(cache)!r});"
        " import classic_bp.commands.platform_main; import classic_bp.layer as layer;"
        f" {statement}"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-c", program], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def stored(cache: Path) -> dict[str, tuple[int, int]]:
    return {
        path.relative_to(cache / STORE).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in (cache / STORE).rglob("*.pyc")
    }


def test_a_second_clone_elsewhere_compiles_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    first = clone(tmp_path / "clone-1" / "lib")
    import_in(first, cache)
    kept = stored(cache)
    name = f"classic_bp/commands/platform_main.{TAG}.pyc"
    assert name in kept
    header = (cache / STORE / name).read_bytes()[:8]
    assert header == importlib.util.MAGIC_NUMBER + CHECKED_HASH_FLAGS

    second = clone(tmp_path / "somewhere-else" / "lib")
    shown = import_in(second, cache, "print(layer.runs.__code__.co_filename)")
    assert stored(cache) == kept  # nothing compiled, nothing rewritten
    assert not list((second / "classic_bp").rglob("__pycache__"))
    # Tracebacks name the files of the clone that runs, not of the one that compiled.
    assert shown.strip() == str(second / "classic_bp" / "layer.py")


def test_a_changed_module_runs_its_new_source(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    import_in(clone(tmp_path / "old" / "lib"), cache)
    new = clone(tmp_path / "new" / "lib")
    with (new / "classic_bp" / "layer.py").open("a") as module:
        module.write("\nADDED_IN_THIS_VERSION = 42\n")
    kept = cache / STORE / f"classic_bp/layer.{TAG}.pyc"
    old_hash = kept.read_bytes()[8:16]
    assert import_in(new, cache, "print(layer.ADDED_IN_THIS_VERSION)").strip() == "42"
    # The store now holds the new version, checked by the hash of its source.
    new_source = (new / "classic_bp" / "layer.py").read_bytes()
    assert kept.read_bytes()[8:16] == importlib.util.source_hash(new_source) != old_hash
    again = clone(tmp_path / "again" / "lib")
    shutil.copy(new / "classic_bp" / "layer.py", again / "classic_bp" / "layer.py")
    before = stored(cache)
    assert f"classic_bp/layer.{TAG}.pyc" in before
    assert import_in(again, cache, "print(layer.ADDED_IN_THIS_VERSION)").strip() == "42"
    assert stored(cache) == before  # the new version's bytecode served, not rewritten


def test_damaged_bytecode_is_compiled_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    lib = clone(tmp_path / "clone" / "lib")
    import_in(lib, cache)
    damaged = cache / STORE / f"classic_bp/layer.{TAG}.pyc"
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[: len(whole) // 2])  # a build killed while writing, say
    assert import_in(lib, cache, "print(layer.runs.__name__)").strip() == "runs"
    assert damaged.read_bytes() == whole


def test_a_store_that_cannot_be_written_only_means_compiling(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / STORE).write_text("not a folder")
    lib = clone(tmp_path / "clone" / "lib")
    assert import_in(lib, cache, "print(layer.runs.__name__)").strip() == "runs"
    assert not [name for name in os.listdir(cache) if name != STORE]  # no stray files


def test_a_link_in_place_of_the_store_is_not_followed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (cache / STORE).symlink_to(outside)
    import_in(clone(tmp_path / "clone" / "lib"), cache)
    assert not list(outside.iterdir())


def test_bin_compile_keeps_its_modules_in_the_cache_dir(tmp_path: Path) -> None:
    """Through the platform's entry point: even a build that stops at its first
    check (no build dir) leaves the modules it imported compiled for the next."""
    buildpack = tmp_path / "buildpack"
    shutil.copytree(REPO_ROOT / "bin", buildpack / "bin")
    clone(buildpack / "lib")
    cache = tmp_path / "cache"
    cache.mkdir()
    completed = subprocess.run(
        [str(buildpack / "bin" / "compile"), str(tmp_path / "missing"), str(cache)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        check=False,
    )
    assert completed.returncode != 0
    assert "Traceback" not in completed.stdout + completed.stderr
    kept = {path.name for path in (cache / STORE).rglob("*.pyc")}
    assert {f"platform_main.{TAG}.pyc", f"errors.{TAG}.pyc"} <= kept
    assert not list((buildpack / "lib" / "classic_bp").rglob("__pycache__"))
