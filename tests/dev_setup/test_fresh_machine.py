"""The README's commands on a fresh machine: `make run` and `make test`, nothing done first.

The machine is a Debian 12 (or Ubuntu 22.04, 24.04) root filesystem built the
way the stack stand-ins are (scalingo-22-fixtures/tools/stack_rootfs.py,
flavour ``FRESH_MACHINE``, cached like them):
python3 with pip and venv, make, git, gcc, libc6-dev and nothing of the
project (no PyYAML, no pytest, no debootstrap, no crate sources). The
host's Rust toolchain (~/.rustup and ~/.cargo/bin) is mounted read-only, as
the README asks a newcomer to have it. The project is cloned from the
committed HEAD of this checkout (uncommitted changes are not part of it), and
`make run` must set itself up (its virtual environment, its stand-ins), build
the sample app through detect, compile and release, and get the app's answer.
`make test`, as root, must install its apt packages, its venv and build the
crates.io stand-in the same way on Debian 12 and Ubuntu 24.04.

The chroot shares the host's network: pip and the buildpack fetch their
packages from PyPI (or PIP_INDEX_URL), and the loopback mirrors work inside.
It is a machine on the host's network, so it trusts what the host trusts
(the host's CA bundle, copied into the machine's own /etc/ssl/certs: behind a
TLS-inspecting proxy, the proxy's CA is only there; a copy, since packages
such as ssl-cert, which postgresql needs, write into that folder) and gets
the host's proxy and pip index settings.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from platform_runner import REPO_ROOT
from prerequisites import check_rust_toolchain, rust_toolchain, rustup_binary
from stack_rootfs import FRESH_MACHINE, SYSTEM_PATH, build_rootfs
from stack_runner import StackRunner

pytestmark = pytest.mark.slow

# What a machine on this network is told about it (pip's own config file aside).
NETWORK_SETTINGS = (
    "CLASSIC_BP_DEBIAN_MIRROR",
    "PIP_INDEX_URL",
    "PIP_TRUSTED_HOST",
    "PIP_DEFAULT_TIMEOUT",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)
ANSWER = re.compile(
    r"^GET http://127\.0\.0\.1:\d+/hello -> Hello from a Rust web-std app at /hello$"
)


# Where the host's certificates are mounted (read-only) in the machine.
HOST_CERTS = "/etc/ssl/host-certs"


def committed_head(destination: Path) -> tuple[Path, str]:
    """A bundle of this checkout's HEAD (what `git clone` of it gets) and its commit."""
    bundle = destination / "project.bundle"
    subprocess.run(
        ["git", "-C", str(REPO_ROOT), "bundle", "create", str(bundle), "HEAD"],
        check=True,
        capture_output=True,
    )
    commit = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return bundle, commit


def make_in_a_fresh_machine(
    suite: str, tmp_path: Path, make_command: str
) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """Clone the committed HEAD in a fresh ``suite`` machine and run ``make_command`` there.

    Returns the run, its commit and a log for assertion messages.
    """
    rootfs = build_rootfs(suite, flavour=FRESH_MACHINE)  # cached: built once, before
    source = tmp_path / "source"
    source.mkdir()
    bundle, commit = committed_head(source)
    script = (
        "set -e\n"
        f"cp {HOST_CERTS}/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"
        f"git -c advice.detachedHead=false clone -q /source/{bundle.name} /root/project\n"
        "cd /root/project\n"
        'echo "commit $(git rev-parse HEAD)"\n'
        f"{make_command}\n"
    )
    env = {name: os.environ[name] for name in NETWORK_SETTINGS if os.environ.get(name)}
    env.update(HOME="/root", PATH=SYSTEM_PATH, PIP_CERT="/etc/ssl/certs/ca-certificates.crt")
    runner = StackRunner(rootfs, stack="scalingo-22")
    result = runner.run(
        ["/bin/sh", "-c", script],
        app_dir=source,
        app_target="/source",
        extra_env=env,
        ro_mounts={
            "/root/.rustup": rust_toolchain().parents[1],
            "/root/.cargo/bin": rustup_binary().parent,
            HOST_CERTS: Path("/etc/ssl/certs"),
        },
        timeout=1800,
    )
    log = f"stdout:\n{result.stdout[-6000:]}\nstderr:\n{result.stderr[-4000:]}"
    assert result.returncode == 0, log
    assert f"commit {commit}\n" in result.stdout, log
    return result, commit, log


# Debian 12 (Python 3.11); Ubuntu 22.04 (3.10: tomli comes from the venv) and
# 24.04 (3.12, an externally managed system Python).
FRESH_MACHINES = ("bookworm", "jammy", "noble")


# What `make test` runs inside: quick tests, two of which stand on the crates.io
# stand-in (built there from Debian 12's crate packages, fetched from the archive)
# and check that real cargo accepts the test apps' committed Cargo.lock files.
FRESH_MACHINE_TESTS = (
    "tests/platforms/test_detect.py tests/dev_setup/test_dev_env.py"
    " tests/standins/test_debian_crates.py tests/standins/test_crates_registry.py"
)
MAKE_TEST = f"make test PYTEST_ARGS='-q -p no:cacheprovider {FRESH_MACHINE_TESTS}'"
RunResult = tuple[subprocess.CompletedProcess[str], str, str]


@pytest.fixture(scope="module")
def fresh_machine_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, str], Future[RunResult]]]:
    """The selected tests' runs (`make test`, `make run`), all started at once.

    Each runs in its own machine (an overlay of its own): they share nothing
    but the host's network, and spend most of their time waiting on apt, pip
    and the Debian archive, so side by side they take far less than the 5
    minutes they took one after the other (a `make run` beside the `make
    test`s, not after them: the suite waits for the longest `make test`
    alone). Each test then waits for its own run and asserts on it.
    """
    check_rust_toolchain()
    runs = sorted(
        {
            (item.callspec.params["suite"], COMMANDS[item.originalname])
            for item in request.session.items
            if item.module is request.module and item.originalname in COMMANDS
        },
        key=lambda run: run[1] != MAKE_TEST,  # the long ones first
    )
    for suite in sorted({suite for suite, _ in runs}):
        build_rootfs(suite, flavour=FRESH_MACHINE)  # cached; built one at a time
    with ThreadPoolExecutor(max_workers=max(1, len(runs))) as pool:
        futures = {
            (suite, command): pool.submit(
                make_in_a_fresh_machine,
                suite,
                tmp_path_factory.mktemp(f"fresh-{suite}"),
                command,
            )
            for suite, command in runs
        }
        yield futures


@pytest.mark.parametrize("suite", FRESH_MACHINES)
def test_make_run_works_on_a_fresh_machine_with_only_the_rust_toolchain(
    suite: str, fresh_machine_runs
) -> None:
    result, _, log = fresh_machine_runs[suite, "make run"].result()
    lines = result.stdout.splitlines()
    assert "make: creating the virtual environment /root/project/.venv (once)" in lines, log
    assert "web-std needs no crate from a registry: the crates.io stand-in is not started." in lines
    assert '  "web": "/app/bin/web-std"' in lines, log  # the release YAML
    assert ANSWER.match(lines[-1]), log


@pytest.mark.parametrize("suite", FRESH_MACHINES)
def test_make_test_sets_up_a_fresh_machine_as_root(suite: str, fresh_machine_runs) -> None:
    """The apt packages (as root here), the venv with the test extras, then pytest.

    Only a few quick tests run inside: the point is the set-up, and the suite
    would otherwise run itself again.
    """
    result, _, log = fresh_machine_runs[suite, MAKE_TEST].result()
    lines = result.stdout.splitlines()
    assert re.match(r"make: installing \d+ Debian packages: debootstrap redis-server ", lines[1])
    assert "librust" not in result.stdout, log  # crate sources are no apt package
    assert "make: creating the virtual environment /root/project/.venv (once)" in lines, log
    assert "make: installing into /root/project/.venv: /root/project[test]" in lines, log
    tests = FRESH_MACHINE_TESTS
    assert f".venv/bin/python -m pytest -q -p no:cacheprovider {tests}" in lines, log
    assert re.match(r"^\d+ passed in ", lines[-1]), log  # none skipped, none failed


# Each test of this module, by the command its machine runs (fresh_machine_runs).
COMMANDS = {
    test_make_run_works_on_a_fresh_machine_with_only_the_rust_toolchain.__name__: "make run",
    test_make_test_sets_up_a_fresh_machine_as_root.__name__: MAKE_TEST,
}
