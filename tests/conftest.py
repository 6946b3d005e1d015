"""Shared fixtures: the buildpack as a platform sees it, and the outside world.

The rustup mirror and the crates registry are built once (cached outside the
repository, see scalingo-22-fixtures/tools) and served on 127.0.0.1 for the
whole session.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "scalingo-22-fixtures" / "tools"))
sys.path.insert(0, str(REPO_ROOT / "lib"))

from platform_runner import Platform, copy_buildpack  # noqa: E402
from prerequisites import MissingPrerequisite  # noqa: E402
from stack_rootfs import FRESH_MACHINE, STACK, Prebuild  # noqa: E402

# The root filesystems the suite's tests use, in the order a full run first asks
# for them (tests/builds/test_from_emk.py, the fresh machines of tests/dev_setup,
# then the stacks of tests/platforms and tests/standins).
ROOTFS_IN_ORDER = (
    ("jammy", STACK),
    ("bookworm", FRESH_MACHINE),
    ("jammy", FRESH_MACHINE),
    ("noble", FRESH_MACHINE),
    ("noble", STACK),
    ("bookworm", STACK),
    ("resolute", STACK),
)
# A run with this many slow tests (a full run: make test, .ci/run) builds them in
# the background from its start (stack_rootfs.Prebuild); a smaller one leaves each
# to the first test that needs it.
PREBUILD_FROM_SLOW_TESTS = 100
_prebuild: Prebuild | None = None


def pytest_collection_finish(session: pytest.Session) -> None:
    global _prebuild
    slow = sum(1 for item in session.items if item.get_closest_marker("slow"))
    can_build = os.geteuid() == 0 and shutil.which("debootstrap") is not None
    if slow >= PREBUILD_FROM_SLOW_TESTS and can_build:
        _prebuild = Prebuild(ROOTFS_IN_ORDER).start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An early end (-x, a failure) waits for the build under way, never the rest."""
    if _prebuild is not None:
        _prebuild.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A missing prerequisite (no toolchain, no debootstrap, not root) is its one
    sentence with the fix, not a traceback through the fixture that found it."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and call.excinfo.errisinstance(MissingPrerequisite):
        report.longrepr = f"missing prerequisite: {call.excinfo.value}"


@pytest.fixture(scope="session")
def buildpack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_buildpack(tmp_path_factory.mktemp("buildpack"))


@pytest.fixture(scope="module")
def module_tmp_path(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A folder shared by one module's tests, removed when the module is done.

    Module fixtures install toolchains (~600 MB each): left until the end of
    the session, they add up to more disk than a CI machine may have.
    """
    path = tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def platform(buildpack: Path, tmp_path: Path) -> Platform:
    return Platform(buildpack, tmp_path)


@pytest.fixture(scope="session")
def rustup_mirror() -> Iterator[object]:
    from rustup_mirror import build_mirror, default_mirror_dir, serve_mirror

    root = build_mirror(default_mirror_dir())
    with serve_mirror(root) as server:
        yield server


@pytest.fixture(scope="session")
def crates_registry() -> Iterator[object]:
    from crates_registry import build_registry, default_registry_dir, serve_registry

    root = build_registry(default_registry_dir())
    with serve_registry(root) as server:
        yield server


@pytest.fixture(scope="module")
def cold_builds(module_tmp_path: Path, rustup_mirror, crates_registry) -> object:
    """Apps built cold in the stack stand-ins, each once for the module's tests
    (tests/cold_builds.py); removed with the module's folder (several GB:
    toolchains and targets)."""
    from tests.cold_builds import ColdBuilds

    config_vars = {
        "RUSTUP_DIST_SERVER": rustup_mirror.dist_server,
        "RUSTUP_UPDATE_ROOT": rustup_mirror.update_root,
        "BP_CARGO_REGISTRY_MIRROR": crates_registry.index_url,
        # What a git clone of the buildpack holds needs no Python package on any
        # stack for these apps: a fetch attempt would fail, nothing listens there.
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    }
    return ColdBuilds(module_tmp_path, copy_buildpack(module_tmp_path / "buildpack"), config_vars)


@pytest.fixture
def mirrored_platform(platform: Platform, rustup_mirror) -> Platform:
    """A platform whose app config points rustup at the local mirror."""
    platform.set_config(
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
    )
    return platform


@pytest.fixture
def online_platform(mirrored_platform: Platform, crates_registry) -> Platform:
    """Also points cargo at the crates.io stand-in, as a user would with a config var."""
    mirrored_platform.set_config(BP_CARGO_REGISTRY_MIRROR=crates_registry.index_url)
    return mirrored_platform


@pytest.fixture(scope="session")
def validators() -> dict[str, object]:
    """CycloneDX schema validators per spec version (see tests/cyclonedx_schema.py)."""
    from tests.cyclonedx_schema import load_validators

    return load_validators()


@pytest.fixture(scope="session")
def package_index() -> Iterator[object]:
    """The buildpack's pinned wheels on a PEP 691/503 index at 127.0.0.1."""
    from package_index import PackageIndex, ensure_wheels

    with PackageIndex(ensure_wheels()) as index:
        yield index


STACK_PATH = "/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture(scope="session")
def stack_python() -> str:
    """The machine's own python3, which must lack the buildpack's packages as a
    stack's does: with click importable, a test that the buildpack fetches or
    needs none would prove nothing."""
    probe = subprocess.run(
        ["python3", "-c", "import click"], env={"PATH": STACK_PATH}, capture_output=True
    )
    if probe.returncode == 0:
        raise MissingPrerequisite(
            "the system python3 on /usr/bin can import click, unlike a stack's: uninstall"
            " it from the system Python (python3-click) to run these tests"
        )
    return STACK_PATH


@pytest.fixture
def stack_python_platform(mirrored_platform: Platform, stack_python: str) -> Platform:
    """Like a stack: a system python3 with none of the buildpack's packages."""
    mirrored_platform.process_env["PATH"] = stack_python
    return mirrored_platform


@pytest.fixture(scope="session")
def tarballs(tmp_path_factory: pytest.TempPathFactory, package_index) -> list[Path]:
    """Two `make package` builds from the same commit, packages from the local index."""
    import package_buildpack as package

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIP_INDEX_URL", package_index.url)
        cache = tmp_path_factory.mktemp("package-cache")
        return [package.build_tarball(tmp_path_factory.mktemp(f"dist{n}"), cache) for n in (1, 2)]


@contextlib.contextmanager
def _redis_server(tmp_path_factory: pytest.TempPathFactory, *options: str) -> Iterator[int]:
    """A real redis-server on 127.0.0.1 with ``options``; yields its port."""
    from server_process import serve

    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: apt-get install redis-server (see .ci/run)")
    workdir = tmp_path_factory.mktemp("redis")
    settings = ["--bind", "127.0.0.1", "--save", "", "--dir", str(workdir), *options]
    with serve(lambda port: [server, "--port", str(port), *settings], workdir / "log") as port:
        yield port


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on 127.0.0.1, the shared backend sccache builders use."""
    with _redis_server(tmp_path_factory) as port:
        yield f"redis://127.0.0.1:{port}"


@dataclass(frozen=True)
class PasswordRedis:
    """A redis-server that answers only with its password, as an add-on's does."""

    port: int
    password: str

    def keys(self) -> int:
        answer = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--no-auth-warning", "-a", self.password, "dbsize"],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(answer.stdout)


@pytest.fixture(scope="session")
def password_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PasswordRedis]:
    password = "hunter2-redis-add-on-password"
    with _redis_server(tmp_path_factory, "--requirepass", password) as port:
        yield PasswordRedis(port, password)


@pytest.fixture(scope="session")
def s3_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real S3 API server on 127.0.0.1 (moto's), with a bucket and a user whose
    secret key it checks: the other shared backend sccache builders use."""
    if importlib.util.find_spec("moto") is None:
        raise MissingPrerequisite(
            "moto's S3 server is missing from this Python: `make test` installs the test"
            " extras (pyproject.toml), or pip install 'moto[server]' into the venv"
        )
    from s3_store import serve_s3_store

    with serve_s3_store(tmp_path_factory.mktemp("s3")) as store:
        yield store


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on 127.0.0.1 (Debian's `postgresql`), for apps that
    use a database: a fresh cluster in a temporary folder, a superuser with a
    password (scram-sha-256 over TCP), stopped and removed after the session.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    `postgres` user (`nobody` without it). Its folder is made outside pytest's
    base temp, whose folders (mode 0700) that user cannot enter.
    """
    import os
    import pwd
    import secrets
    import signal
    import socket
    import tempfile
    import time

    servers = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if not servers:
        pytest.fail("PostgreSQL is missing: apt-get install postgresql (`make test` does)")
    bin_dir = servers[-1].parent
    user: str | None = None
    if os.geteuid() == 0:
        user = "postgres"
        try:
            pwd.getpwnam(user)
        except KeyError:
            user = "nobody"
    workdir = Path(tempfile.mkdtemp(prefix="classic-bp-postgres-"))
    if user is not None:
        account = pwd.getpwnam(user)
        os.chown(workdir, account.pw_uid, account.pw_gid)
    as_user = {"user": user} if user is not None else {}
    password = secrets.token_hex(12)
    (workdir / "password").write_text(password)
    (workdir / "sockets").mkdir()
    if user is not None:
        for path in (workdir / "password", workdir / "sockets"):
            os.chown(path, account.pw_uid, account.pw_gid)
    initdb = [
        str(bin_dir / "initdb"),
        f"--pgdata={workdir / 'data'}",
        "--username=classic_bp",
        f"--pwfile={workdir / 'password'}",
        "--auth-host=scram-sha-256",
        "--auth-local=peer",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",  # a throwaway cluster: no fsync of its files
    ]
    created = subprocess.run(initdb, capture_output=True, text=True, cwd=workdir, **as_user)
    if created.returncode != 0:
        pytest.fail(f"initdb failed:\n{created.stdout}{created.stderr}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (workdir / "server.log").open("wb")
    server = [
        str(bin_dir / "postgres"),
        "-D",
        str(workdir / "data"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-k",
        str(workdir / "sockets"),
        "-c",
        "fsync=off",
    ]
    process = subprocess.Popen(server, stdout=log, stderr=log, cwd=workdir, **as_user)
    ready = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
    deadline = time.monotonic() + 30
    while subprocess.run(ready).returncode != 0:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"PostgreSQL did not start:\n{(workdir / 'server.log').read_text()}")
        time.sleep(0.1)
    try:
        yield f"postgres://classic_bp:{password}@127.0.0.1:{port}/postgres"
    finally:
        process.send_signal(signal.SIGINT)  # a fast shutdown: no wait for clients
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """A new, empty database of this test's own on the session's PostgreSQL:
    an app's migrations and tables never meet another test's."""
    import uuid

    name = f"test_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", postgres_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"
