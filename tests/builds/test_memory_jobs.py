"""Memory-aware builds: CARGO_BUILD_JOBS that fits the builder, and one retry with
fewer jobs when a compilation is killed (cargo/jobs.py)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from classic_bp.cargo import jobs
from platform_runner import Platform
from tests.assertions import assert_succeeded, error_message

GIB = 1 << 30


def test_jobs_fit_the_memory_and_the_users_setting_wins() -> None:
    cpus = jobs.cpu_count()
    small = jobs.plan({}, memory=GIB)
    assert small.jobs == 1 or cpus == 1
    assert jobs.plan({}, memory=64 * GIB * cpus).jobs is None  # enough: cargo's default
    assert jobs.plan({"CARGO_BUILD_JOBS": "8"}, memory=GIB) == jobs.JobsPlan(None, True)


@pytest.mark.parametrize(
    ("lines", "limits"),
    [
        (["0::/user.slice/build"], ["user.slice/build/memory.max", "user.slice/memory.max"]),
        (["4:memory:/process_api/abc", "0::/"], ["memory/process_api/abc/memory.limit_in_bytes"]),
    ],
)
def test_the_cgroup_limit_files_of_v1_and_v2(tmp_path: Path, lines, limits) -> None:
    proc = tmp_path / "cgroup"
    proc.write_text("\n".join(lines) + "\n")
    found = [
        path.relative_to(jobs.CGROUP_ROOT).as_posix() for path in jobs.cgroup_limit_files(proc)
    ]
    for limit in limits:
        assert limit in found


def killing_wrapper(tmp_path: Path, times: int) -> Path:
    """A RUSTC_WRAPPER that kills the compilation of the app's crate `times` times with
    SIGKILL, as the kernel's out-of-memory killer does."""
    counter = tmp_path / "kills"
    wrapper = tmp_path / "oom-wrapper"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"--crate-name web_std"*)\n'
        f'  if [ "$(wc -c < {counter} 2>/dev/null || echo 0)" -lt {times} ]; then\n'
        f"    printf x >> {counter}; kill -9 $$\n"
        "  fi;;\n"
        "esac\n"
        'exec "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@pytest.mark.slow
def test_a_killed_compilation_is_retried_with_fewer_jobs(
    mirrored_platform: Platform, tmp_path: Path
) -> None:
    if jobs.cpu_count() < 2:
        pytest.fail("needs a builder with 2 CPUs or more, as CI has")
    mirrored_platform.set_config(RUSTC_WRAPPER=str(killing_wrapper(tmp_path, 1)))
    build_dir, result = mirrored_platform.build("web-std")
    assert_succeeded(result)
    assert "A compilation was killed by the system (SIGKILL: out of memory" in result.stdout
    assert "running cargo again with CARGO_BUILD_JOBS=" in result.stdout
    assert (build_dir / "bin" / "web-std").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("users_jobs", [None, "2"])
def test_a_compilation_killed_again_fails_with_the_settings_to_change(
    mirrored_platform: Platform, tmp_path: Path, users_jobs: str | None
) -> None:
    mirrored_platform.set_config(RUSTC_WRAPPER=str(killing_wrapper(tmp_path, 5)))
    if users_jobs:
        mirrored_platform.set_config(CARGO_BUILD_JOBS=users_jobs)
    _build_dir, result = mirrored_platform.build("web-std")
    assert result.returncode == 1
    assert "Traceback" not in result.log
    message = error_message(result)
    assert "a compilation was killed by the system (signal 9" in message
    assert "CARGO_BUILD_JOBS=1" in message
    # The user's own setting is never changed: no retry then.
    assert ("running cargo again" in result.stdout) is (users_jobs is None)


def _child_cgroup(limit: int) -> tuple[Path, Path]:
    """A child of this process's memory cgroup with ``limit``: (its folder, procs file)."""
    own = next(path for path in jobs.cgroup_limit_files() if path.exists())
    child = own.parent / f"classic-bp-test-{uuid.uuid4().hex[:8]}"
    child.mkdir()
    (child / own.name).write_text(str(limit))
    return child, child / "cgroup.procs"


def _remove_cgroup(child: Path) -> None:
    """Once its last process (the slug's detached clean-up, say) has left."""
    deadline = time.monotonic() + 30
    while True:
        try:
            child.rmdir()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.slow
def test_a_small_memory_cgroup_gets_fewer_jobs(mirrored_platform: Platform) -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a cgroup needs root (CI runs as root)")
    if jobs.cpu_count() < 2:
        pytest.fail("needs a builder with 2 CPUs or more, as CI has")
    child, procs = _child_cgroup(2 * GIB)
    try:
        build_dir = mirrored_platform.new_build_dir("web-std")
        process = subprocess.run(
            [
                "sh",
                "-c",
                'echo $$ > "$1"; shift; exec "$@"',
                "enter-cgroup",
                str(procs),
                str(mirrored_platform.buildpack / "bin" / "compile"),
                str(build_dir),
                str(mirrored_platform.cache_dir),
                str(mirrored_platform.env_dir),
            ],
            env=mirrored_platform.environment(),
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        _remove_cgroup(child)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "CARGO_BUILD_JOBS=1: this builder has 2.0 GiB of memory" in process.stdout
