"""Two builder machines sharing sccache's backend: the checks every backend's test makes.

Builder A and builder B build the same app with different, empty cache dirs
and different build dirs; each has its own /tmp, at the same path, as two
machines would. After A, B must get from the backend every compilation A
made (sccache's cacheable ones: libraries, the app's own included), and
build the same binary.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from platform_runner import Platform, Result
from tests.assertions import assert_succeeded

# Each app: its binary and what it prints.
SHARED_APPS = {
    "lib-and-bin": ("vs", '{"name":"vs","major":1}\n'),  # registry crates + the app's library
    "workspace": ("web", "hello from the web of the workspace\n"),  # a member library
}


def sccache_counts(log: str) -> tuple[int, int]:
    """Hits and misses, from the build log's sccache line."""
    match = re.search(r"sccache: (\d+) hits, (\d+) misses", log)
    assert match, log
    return int(match[1]), int(match[2])


def sccache_config(rustup_mirror, crates_registry, package_index, **backend: str) -> dict:
    """An app's config vars for sccache with ``backend``, everything else from the stand-ins."""
    return {
        "RUSTUP_DIST_SERVER": rustup_mirror.dist_server,
        "RUSTUP_UPDATE_ROOT": rustup_mirror.update_root,
        "BP_CARGO_REGISTRY_MIRROR": crates_registry.index_url,
        "PIP_INDEX_URL": package_index.url,
        "BP_SCCACHE_ENABLED": "true",
        **backend,
    }


def two_builders(buildpack: Path, workdir: Path, config: dict[str, str]) -> tuple[Platform, ...]:
    """Builders A and B of one app, its config vars set on both."""
    machine_tmp = workdir / "machine-tmp"
    machine_tmp.mkdir()
    builders = []
    for name in ("builder-a", "builder-b"):
        builder = Platform(buildpack, workdir / name, process_env={"TMPDIR": str(machine_tmp)})
        builder.set_config(**config)
        builders.append(builder)
    return tuple(builders)


def assert_all_missed(first: Result) -> int:
    """Builder A's build: every cacheable compilation missed. Returns how many."""
    assert_succeeded(first)
    hits, misses = sccache_counts(first.stdout)
    assert hits == 0 and misses >= 1, first.stdout
    return misses


def assert_all_hit(app: str, first: tuple[Path, Result], second: tuple[Path, Result]) -> None:
    """Builder B's build: every compilation builder A made is a hit, the app's
    own library crates included (they compile at the fixed path, not in the
    build dir), and the binary is the same, byte for byte."""
    (build_dir_a, result_a), (build_dir_b, result_b) = first, second
    assert_succeeded(result_b)
    assert build_dir_b != build_dir_a
    _hits, misses_a = sccache_counts(result_a.stdout)
    hits, misses = sccache_counts(result_b.stdout)
    assert hits == misses_a and misses == 0, result_b.stdout
    print(f"{app}: builder A {misses_a} misses; builder B {hits} hits, {misses} misses")
    binary, printed = SHARED_APPS[app]
    built_a, built_b = build_dir_a / "bin" / binary, build_dir_b / "bin" / binary
    assert built_b.read_bytes() == built_a.read_bytes()
    output = subprocess.run([built_b], capture_output=True, text=True)
    assert output.stdout == printed
