"""A build killed in the middle of any step never breaks the next one.

Each kill point names the step it interrupts and a line of that step's log.
As soon as that line shows, the test stops the whole build (SIGSTOP to its
process group: the buildpack, cargo, rustc and rustup) and checks, from
everything the build wrote, that the step was still running: its header is
the last one, and no later step began. Only then does the kill land:
SIGKILL to the group (a platform killing the container), or SIGTERM to the
buildpack alone (a platform's timeout), which must stop cargo, rustc and
rustup itself, record ``failure_reason: interrupted`` and exit 143. The
next build on the same cache must succeed, and its binary run.

The steps are made long enough to be caught in the act without changing
the buildpack: the rustup mirror answers some requests late, the app
(slow-build) has build scripts that take 1.5 s each, and the checkout holds
20,000 more files for the first comparison of the app's files, which walks
them all. Reading the configuration and writing the runtime files take
milliseconds in the buildpack's own process and write nothing to the cache:
no kill point can prove it caught them. Nor can one catch the SBOM step: its
`cargo metadata` runs beside cargo's build (slug/early_metadata.py), so the
step itself only writes a file into the build dir (through a temporary name),
in milliseconds; the kill points inside cargo's build interrupt that metadata
run. The same goes for what follows cargo's build: the record of the app's
files covers only those cargo read (cargo/tracked_sources.py), written to
the cache atomically, and the sources leave the slug by one rename into a
folder outside the cache: milliseconds each, with nothing half done to find.

The kill points inside rustup start from an empty cache. Those after it
start, as most builds do, from a cache in which an earlier build (of another
app) installed rustup and the toolchain: hard links to it, which no build
writes into while the channel is unchanged. The app itself is compiled cold.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from platform_runner import Platform, hardlink_tree
from tests.assertions import group_is_gone

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

APP = "slow-build"
STEP = "-----> "


@dataclass(frozen=True)
class KillPoint:
    step: str  # the header of the step interrupted
    marker: str  # a line of that step, after which it still works for a while
    delay: tuple[str, float] | None = None  # mirror requests made slow: (path part, seconds)


KILL_POINTS = {
    "downloading rustup-init": KillPoint(
        "Installing rustup", "Downloading rustup-init", ("rustup-init", 3.0)
    ),
    "running rustup-init": KillPoint("Installing rustup", "Verified sha256"),
    "rustup syncing the channel": KillPoint(
        "Installing Rust", "syncing channel updates", ("channel-rust-stable.toml", 3.0)
    ),
    "rustup downloading components": KillPoint(
        "Installing Rust", "downloading 3 components", (".tar.", 3.0)
    ),
    "restoring cargo's cache": KillPoint(
        "Restoring cargo's cache", "-----> Restoring cargo's cache"
    ),
    "cargo starting": KillPoint("Compiling the app", "Running: cargo build"),
    "cargo building the library": KillPoint("Compiling the app", "Compiling slow-lib"),
    "cargo building the binary": KillPoint("Compiling the app", "Compiling slow-app"),
}
# Where rustup and the toolchain live in the cache, and their records.
RUST_INSTALL = ("rustup-init", "rustup", "rustup-proxies")
RUST_KEYS = ("layout", "rustup-init", "rustup", "toolchain")
# Files the steps that walk, hash or delete the checkout take a while over.
BULK_FILES = 20_000


class Build:
    """bin/compile of a fresh checkout, stopped and killed where a test says."""

    def __init__(self, platform: Platform) -> None:
        self.workdir = platform.workdir
        self.build_dir = build_dir = platform.new_build_dir(APP)
        bulk = build_dir / "assets"
        bulk.mkdir()
        for number in range(BULK_FILES):
            (bulk / f"{number}.txt").write_text(f"{number}\n")
        self.files = listing(build_dir)
        self.process = subprocess.Popen(
            platform.compile_command(build_dir),
            env=platform.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self.reader = self.process.stdout.fileno()
        self.log = b""

    def freeze_at(self, marker: str) -> str:
        """Read the log up to ``marker``'s line, stop the whole build; return its log."""
        needle = marker.encode()
        while (at := self.log.find(needle)) < 0 or self.log.find(b"\n", at) < 0:
            chunk = os.read(self.reader, 4096)
            if not chunk:
                pytest.fail(f"the build ended before {marker!r}:\n{self.text}")
            self.log += chunk
        os.killpg(self.process.pid, signal.SIGSTOP)
        time.sleep(0.2)  # what was written just before the stop reaches the pipe
        os.set_blocking(self.reader, False)
        try:
            while chunk := os.read(self.reader, 1 << 16):
                self.log += chunk
        except BlockingIOError:
            pass
        return self.text

    def kill(self, kill: str) -> str:
        """Once frozen: SIGKILL to the group (a platform killing the container), or
        SIGTERM to the buildpack alone (a timeout); the rest of the log."""
        if kill == "SIGKILL":
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            os.kill(self.process.pid, signal.SIGTERM)
            os.killpg(self.process.pid, signal.SIGCONT)
        return self.finish()

    def finish(self) -> str:
        """Once killed: the rest of the log, until every writer is gone."""
        os.set_blocking(self.reader, True)
        while chunk := os.read(self.reader, 1 << 16):
            self.log += chunk
        self.process.wait(timeout=60)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.text

    @property
    def text(self) -> str:
        return self.log.decode("utf-8", "replace")


def listing(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def last_step(log: str) -> str:
    headers = [line[len(STEP) :] for line in log.splitlines() if line.startswith(STEP)]
    return headers[-1] if headers else ""


@pytest.fixture(scope="module")
def rust_installed(buildpack: Path, module_tmp_path: Path, rustup_mirror) -> Path:
    """The cache of an earlier build that installed Rust (for web-std)."""
    platform = Platform(buildpack, module_tmp_path / "rust-installed")
    platform.set_config(
        RUSTUP_DIST_SERVER=rustup_mirror.dist_server,
        RUSTUP_UPDATE_ROOT=rustup_mirror.update_root,
    )
    _build_dir, result = platform.build("web-std")
    assert result.returncode == 0, result.log
    return platform.cache_dir / "rust-buildpack"


def seed_rust(installed: Path, cache_dir: Path) -> None:
    """rustup and the toolchain of ``installed`` (hard links) with their records;
    nothing of the app's build."""
    root = cache_dir / "rust-buildpack"
    for folder in RUST_INSTALL:
        hardlink_tree(installed / folder, root / folder)
    (root / "keys").mkdir(parents=True)
    for key in RUST_KEYS:
        shutil.copyfile(installed / "keys" / f"{key}.json", root / "keys" / f"{key}.json")


@pytest.fixture
def new_build() -> Iterator[Callable[[Platform], Build]]:
    """Starts builds; a test that fails while one is stopped leaves no frozen
    build (and its cargo and rustc) behind: the group is killed."""
    started: list[Build] = []

    def start(platform: Platform) -> Build:
        started.append(Build(platform))
        return started[-1]

    yield start
    for build in started:
        if build.process.poll() is None:
            os.killpg(build.process.pid, signal.SIGKILL)
            build.process.wait(timeout=60)
        _kill_programs_under(build.workdir)


def _kill_programs_under(folder: Path) -> None:
    """A SIGKILLed build's sccache server outlives it in a session of its own
    (it never idles out: SCCACHE_IDLE_TIMEOUT=0). On a platform it goes with
    the builder; here it is stopped with the test that left it."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            program = os.readlink(entry / "exe")
        except OSError:
            continue
        if program.startswith(f"{folder}{os.sep}"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


@pytest.fixture
def slowed_mirror(rustup_mirror):
    yield rustup_mirror
    rustup_mirror.faults.clear()


@pytest.mark.parametrize("kill", ["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_kill_in_the_middle_of_a_step_never_breaks_the_next_build(
    mirrored_platform: Platform,
    slowed_mirror,
    rust_installed: Path,
    new_build: Callable[[Platform], Build],
    point: str,
    kill: str,
) -> None:
    platform, where = mirrored_platform, KILL_POINTS[point]
    if not where.step.startswith(("Installing rustup", "Installing Rust")):
        seed_rust(rust_installed, platform.cache_dir)
    if where.delay:
        slowed_mirror.delay_next(1, where.delay[1], where.delay[0])
    build = new_build(platform)
    log = build.freeze_at(where.marker)
    # Proof that the kill lands in the step: the build is frozen inside it.
    process = build.process
    assert process.poll() is None
    assert last_step(log).startswith(where.step), log
    assert "Build succeeded" not in log
    log = build.kill(kill)
    assert "Build succeeded" not in log
    if kill == "SIGTERM":
        assert process.returncode == 143, log
        assert "The build was interrupted" in log
        assert "Traceback" not in log
        # The buildpack stopped cargo, rustc and rustup itself.
        assert group_is_gone(process.pid), "children of the build survived it"
        report = platform.cache_dir / "rust-buildpack" / "last-build.json"
        if report.is_file():  # absent when the kill came before the cache was opened
            assert json.loads(report.read_text())["failure_reason"] == "interrupted"
    slowed_mirror.faults.clear()

    build_dir, result = platform.build(APP)
    assert result.returncode == 0, result.log
    binary = subprocess.run([build_dir / "bin" / "slow-app"], capture_output=True, text=True)
    assert binary.stdout == "hello from the slow build\n"


COLD_BUILD_STEPS = {
    "Installing rustup",
    "Installing Rust",
    "Restoring cargo's cache",
    "Compiling the app",
}


def test_the_kill_points_cover_every_step_of_a_cold_build() -> None:
    """Every step of slow-build's cold build that does more than milliseconds of work."""
    assert {point.step for point in KILL_POINTS.values()} == COLD_BUILD_STEPS
    assert len(KILL_POINTS) >= 8


@pytest.mark.parametrize("kill", ["SIGKILL", "SIGTERM"])
def test_a_kill_while_the_app_is_at_the_fixed_path_never_loses_it(
    mirrored_platform: Platform, package_index, new_build: Callable[[Platform], Build], kill: str
) -> None:
    """With sccache the app's files are renamed to the fixed path while cargo
    runs (cargo/fixed_path.py). SIGTERM: they are back before the build ends.
    SIGKILL: the next build puts them back into the killed build's dir."""
    platform = mirrored_platform
    platform.set_config(BP_SCCACHE_ENABLED="true", PIP_INDEX_URL=package_index.url)
    build = new_build(platform)
    build.freeze_at("Compiling slow-lib")
    fixed_app = platform.tmp_dir / f"classic-bp-{os.getuid()}" / "app"
    assert not fixed_app.is_symlink() and (fixed_app / "Cargo.toml").is_file()
    assert list(build.build_dir.iterdir()) == []
    log = build.kill(kill)
    if kill == "SIGTERM":
        assert build.process.returncode == 143, log
        assert "Traceback" not in log
        assert listing(build.build_dir) >= build.files
        assert not fixed_app.exists() or fixed_app.is_symlink()
    else:
        assert list(build.build_dir.iterdir()) == []

    build_dir, result = platform.build(APP)
    assert result.returncode == 0, result.log
    moved_back = f"moved back to {build.build_dir}"
    assert (moved_back in result.stdout) == (kill == "SIGKILL"), result.stdout
    assert listing(build.build_dir) >= build.files
    binary = subprocess.run([build_dir / "bin" / "slow-app"], capture_output=True, text=True)
    assert binary.stdout == "hello from the slow build\n"
