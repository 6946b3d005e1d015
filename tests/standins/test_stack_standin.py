"""The Docker-less stand-in for the stack image, and the docker-run script for real Docker.

The root filesystem is built once per machine (debootstrap, about 1.5 min) and
cached, see scalingo-22-fixtures/tools/stack_rootfs.py. These tests need root
(mount namespaces, chroot); they skip otherwise.
"""

from __future__ import annotations

import http.server
import os
import shlex
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# Every test here builds a real Rust app: `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[2] / "scalingo-22-fixtures"
TOOLS = FIXTURES / "tools"
DOCKER_RUN = FIXTURES / "docker-run"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))
import stack_rootfs  # noqa: E402
import stack_runner  # noqa: E402

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="the stack stand-in needs root and unshare",
)
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
STACK_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/app",
    "STACK": "scalingo-22",
    "LANG": "C.UTF-8",
}


def _rootfs(suite: str) -> Path:
    if os.geteuid() != 0:
        pytest.skip("the stack stand-in needs root")
    # Built on first use (debootstrap, installed by .ci/run), cached afterwards.
    return stack_rootfs.build_rootfs(suite)


@pytest.fixture(scope="module")
def rootfs() -> Path:
    return _rootfs("bookworm")


TESTED_SUITES = [stack_rootfs.DEFAULT_SUITE, *stack_rootfs.STACK_SUITES.values()]


@pytest.fixture(scope="module", params=TESTED_SUITES)
def any_rootfs(request: pytest.FixtureRequest) -> Path:
    return _rootfs(request.param)


FAKE_SCRIPTS = {
    # Each step logs its uid and arguments into the build dir, like a real one writes there.
    "detect": '#!/bin/sh\necho "detect $(id -u) $*" >> "$1/steps.log"\n'
    '[ -f "$1/Cargo.toml" ] || exit 1\necho Rust\n',
    "compile": '#!/bin/sh\nset -e\necho "compile $(id -u) $*" >> "$1/steps.log"\n'
    'echo "-----> compiling on $STACK"\necho cached > "$2/cached"\n'
    'mkdir -p "$1/bin"\ncat "$3/GREETING" > "$1/bin/greeting"\n',
    "release": '#!/bin/sh\necho "release $(id -u) $*" >> "$1/steps.log"\n'
    "printf -- '---\\ndefault_process_types:\\n  web: bin/web\\n'\n",
}


@pytest.fixture(scope="module")
def fake_buildpack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fake buildpack")  # a space on purpose
    (root / "bin").mkdir()
    for name, text in FAKE_SCRIPTS.items():
        script = root / "bin" / name
        script.write_text(text)
        script.chmod(0o700)  # the runner must make it usable by u1000
    return root


@pytest.fixture
def runner(rootfs: Path, fake_buildpack: Path, tmp_path: Path) -> stack_runner.StackRunner:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return stack_runner.StackRunner(rootfs, fake_buildpack, tmp_root=scratch)


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    found = {name: tmp_path / name for name in ("app", "cache", "env")}
    for folder in found.values():
        folder.mkdir()
    return found


def mount_points() -> set[str]:
    with open("/proc/self/mountinfo") as mountinfo:
        return {line.split()[4] for line in mountinfo}


@pytest.fixture
def http_server() -> Iterator[str]:
    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"hello from the host\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------
# The root filesystem
# --------------------------------------------------------------------------


@needs_root
def test_rootfs_python_yaml_requests(any_rootfs: Path) -> None:
    runner = stack_runner.StackRunner(any_rootfs)
    probe = (
        "import sys, yaml, requests;"
        "print(sys.version.split()[0], yaml.__version__, requests.__version__)"
    )
    result = runner.run(["python3", "-c", probe], user="u1000", timeout=60)
    assert result.returncode == 0, result.stderr
    python, yaml_version, requests_version = result.stdout.split()
    print(f"{any_rootfs.name}: python3 {python}, yaml {yaml_version}, requests {requests_version}")
    suite = any_rootfs.name.removeprefix("stack-rootfs-")
    assert python.startswith(stack_rootfs.SUITES[suite].python + ".")
    assert runner.run(["sh", "-c", "command -v python3"]).stdout.strip() == "/usr/bin/python3"


@needs_root
def test_rootfs_has_no_pip_ensurepip_or_venv(any_rootfs: Path) -> None:
    runner = stack_runner.StackRunner(any_rootfs)
    for module in ("pip", "ensurepip"):
        result = runner.run(["python3", "-c", f"import {module}"], timeout=60)
        assert result.returncode == 1
        assert f"No module named '{module}'" in result.stderr
    venv = runner.run(["python3", "-m", "venv", "/tmp/venv"], user="u1000", timeout=60)
    assert venv.returncode != 0
    assert "ensurepip is not available" in " ".join((venv.stdout + venv.stderr).split())
    which = runner.run(["sh", "-c", "command -v pip pip3 || true"], timeout=60)
    assert which.stdout == ""


@needs_root
def test_rootfs_has_gcc_curl_git_and_no_rust(any_rootfs: Path) -> None:
    runner = stack_runner.StackRunner(any_rootfs)
    for tool in ("gcc", "curl", "git", "xz", "zstd", "cc", "make", "pkg-config"):
        found = runner.run(["sh", "-c", f"command -v {tool}"], timeout=60)
        assert found.returncode == 0, tool
    for tool in ("cargo", "rustc", "rustup"):
        missing = runner.run(["sh", "-c", f"command -v {tool}"], timeout=60)
        assert missing.returncode != 0 and missing.stdout == "", tool
    compiled = runner.run(
        [
            "sh",
            "-c",
            'printf "#include <stdio.h>\\nint main(void){puts(\\"built\\");return 0;}\\n" '
            "> /tmp/hello.c && gcc -o /tmp/hello /tmp/hello.c && /tmp/hello",
        ],
        user="u1000",
        timeout=60,
    )
    assert compiled.returncode == 0, compiled.stderr
    assert compiled.stdout == "built\n"


def test_mirror_is_read_from_apt_sources(tmp_path: Path, monkeypatch) -> None:
    sources_dir = tmp_path / "sources.list.d"
    sources_dir.mkdir()
    (sources_dir / "nodesource.sources").write_text(
        "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n"
    )
    (sources_dir / "debian.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
    )
    (sources_dir / "old.list.disabled").write_text(
        "deb http://wrong.example/debian bookworm main\n"
    )
    monkeypatch.setattr(stack_rootfs, "APT_SOURCES", tmp_path / "sources.list")
    monkeypatch.setattr(stack_rootfs, "APT_SOURCES_DIR", sources_dir)
    monkeypatch.delenv("CLASSIC_BP_DEBIAN_MIRROR", raising=False)
    assert stack_rootfs.debian_mirror() == "http://mirror.example/debian"

    (tmp_path / "sources.list").write_text(
        "# deb http://commented.example/debian bookworm main\n"
        "deb [signed-by=/usr/share/keyrings/x.gpg] http://first.example/debian bookworm main\n"
    )
    assert stack_rootfs.debian_mirror() == "http://first.example/debian"
    monkeypatch.setenv("CLASSIC_BP_DEBIAN_MIRROR", "http://override.example/debian")
    assert stack_rootfs.debian_mirror() == "http://override.example/debian"


@needs_root
def test_a_failed_build_leaves_nothing_that_looks_complete(tmp_path: Path, monkeypatch) -> None:
    dest = tmp_path / "stack-rootfs-bookworm"
    killed = tmp_path / ".stack-rootfs-bookworm.building-killed"  # a killed build's leftover
    (killed / "usr").mkdir(parents=True)

    def broken(target: Path, *args) -> None:
        (target / "etc").mkdir()
        raise stack_rootfs.RootfsError("network down")

    monkeypatch.setattr(stack_rootfs, "_debootstrap", broken)
    monkeypatch.setenv("CLASSIC_BP_DEBIAN_MIRROR", "http://mirror.invalid/debian")
    with pytest.raises(stack_rootfs.RootfsError, match="network down"):
        stack_rootfs.build_rootfs("bookworm", dest)
    assert not dest.exists()
    assert not stack_rootfs.is_complete(dest)
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == [".stack-rootfs-bookworm.lock"]


def test_a_background_prebuild_reports_a_failure_and_stops_after_the_build_under_way(
    monkeypatch, caplog
) -> None:
    """A full run builds the root filesystems beside its first tests (tests/conftest.py):
    a failure is only a warning there (the test needing it builds it again and
    reports), and an early end of the run waits for one debootstrap, not all."""
    started, release, built = threading.Event(), threading.Event(), []

    def build(suite: str, flavour: stack_rootfs.Flavour) -> Path:
        built.append(suite)
        started.set()
        release.wait(10)
        raise stack_rootfs.RootfsError("network down")

    monkeypatch.setattr(stack_rootfs, "build_rootfs", build)
    prebuild = stack_rootfs.Prebuild([("jammy", stack_rootfs.STACK), ("noble", stack_rootfs.STACK)])
    prebuild.start()
    assert started.wait(10)
    threading.Timer(0.2, release.set).start()
    prebuild.stop()
    assert built == ["jammy"]
    assert "prebuilding stack-rootfs-jammy failed: network down" in caplog.text


# --------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------


@needs_root
def test_runner_mounts_env_and_unprivileged_user(
    runner: stack_runner.StackRunner, dirs: dict[str, Path]
) -> None:
    (dirs["app"] / "Cargo.toml").write_text("[package]\n")
    (dirs["env"] / "GREETING").write_text("hi")
    script = (
        'id -u; id -g; cat "/build/$BUILD_ID_SEEN/Cargo.toml"; cat /tmp/env/GREETING; echo;'
        "touch /tmp/cache/written && echo cache-writable;"
        'touch "/build/$BUILD_ID_SEEN/written" && echo app-writable;'
        "touch /buildpack/x 2>/dev/null || echo buildpack-read-only;"
        "mkdir -p $HOME/.cache && echo home-writable"
    )
    result = runner.run(
        ["sh", "-c", script],
        app_dir=dirs["app"],
        build_id="b42",
        cache_dir=dirs["cache"],
        env_dir=dirs["env"],
        user="u1000",
        extra_env={"BUILD_ID_SEEN": "b42"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1000",
        "1000",
        "[package]",
        "hi",
        "cache-writable",
        "app-writable",
        "buildpack-read-only",
        "home-writable",
    ]
    assert (dirs["cache"] / "written").stat().st_uid == 1000
    assert (dirs["app"] / "written").exists()

    environment = runner.run(["env"], user="u1000", extra_env={"EXTRA": "1"}, timeout=60)
    lines = environment.stdout.splitlines()
    assert dict(line.split("=", 1) for line in lines) == {**STACK_ENV, "EXTRA": "1"}

    as_root = runner.run(["sh", "-c", "id -u; pwd"], timeout=60)
    assert as_root.stdout.split() == ["0", "/"]


@needs_root
def test_loopback_server_on_the_host_is_reachable(
    runner: stack_runner.StackRunner, http_server: str
) -> None:
    result = runner.run(["curl", "-fsS", http_server], user="u1000", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from the host\n"


@needs_root
def test_more_host_dirs_are_mounted_read_only(
    runner: stack_runner.StackRunner, tmp_path: Path
) -> None:
    shared = tmp_path / "shared dir"  # a space on purpose
    shared.mkdir()
    (shared / "file").write_text("from the host\n")
    script = 'cat "$1/file"; touch "$1/new" 2>/dev/null && echo writable || echo read-only'
    result = runner.run(
        ["/bin/sh", "-c", script, "sh", "/opt/shared"],
        ro_mounts={"/opt/shared": shared},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from the host\nread-only\n"
    assert sorted(p.name for p in shared.iterdir()) == ["file"]
    with pytest.raises(stack_runner.StackRunnerError, match="bad mount point"):
        runner.run(["true"], ro_mounts={"relative": shared})


@needs_root
def test_nothing_stays_mounted_or_running_on_the_host(
    runner: stack_runner.StackRunner, dirs: dict[str, Path], tmp_path: Path
) -> None:
    before = mount_points()
    inside = runner.run(
        ["sh", "-c", "sleep 4242 & cat /proc/self/mountinfo"],
        app_dir=dirs["app"],
        cache_dir=dirs["cache"],
        env_dir=dirs["env"],
        user="u1000",
        timeout=60,
    )
    assert inside.returncode == 0
    assert " /tmp/cache " in inside.stdout and " /buildpack " in inside.stdout
    with pytest.raises(subprocess.TimeoutExpired):
        runner.run(["sleep", "4243"], app_dir=dirs["app"], timeout=1)
    assert mount_points() == before
    ours = [str(runner.rootfs), str(tmp_path)]
    assert not [p for p in mount_points() if any(p.startswith(o) for o in ours)]
    # The PID namespace took the background job with it; the scratch layers are gone.
    assert subprocess.run(["pgrep", "-f", "sleep 424[23]"], capture_output=True).stdout == b""
    assert list((tmp_path / "scratch").iterdir()) == []


@needs_root
def test_detect_compile_release_like_the_platform(
    runner: stack_runner.StackRunner, dirs: dict[str, Path]
) -> None:
    (dirs["app"] / "Cargo.toml").write_text("[package]\n")
    (dirs["env"] / "GREETING").write_text("hello")
    build = runner.run_buildpack(dirs["app"], dirs["cache"], dirs["env"], timeout=60)
    assert build.ok, build.log
    assert build.detect.stdout == "Rust\n"
    assert "-----> compiling on scalingo-22" in build.compile.stdout
    assert build.release.stdout.startswith("---\ndefault_process_types:")
    build_dir = f"/build/{build.build_id}"
    assert (dirs["app"] / "steps.log").read_text().splitlines() == [
        f"detect 1000 {build_dir}",
        f"compile 1000 {build_dir} /tmp/cache /tmp/env",
        f"release 1000 {build_dir}",
    ]
    assert (dirs["app"] / "bin" / "greeting").read_text() == "hello"
    assert (dirs["cache"] / "cached").read_text() == "cached\n"

    again = runner.run_buildpack(dirs["app"], dirs["cache"], dirs["env"], timeout=60)
    assert again.build_id != build.build_id  # a new build dir every time, like Scalingo

    (dirs["app"] / "Cargo.toml").unlink()
    not_rust = runner.run_buildpack(dirs["app"], dirs["cache"], dirs["env"], timeout=60)
    assert not_rust.detect.returncode == 1
    assert not_rust.compile is None and not not_rust.ok


@needs_root
def test_the_command_line_runs_the_stacks_own_release(
    fake_buildpack: Path, dirs: dict[str, Path]
) -> None:
    tool = Path(stack_runner.__file__)
    (dirs["app"] / "Cargo.toml").write_text("[package]\n")
    (dirs["env"] / "GREETING").write_text("hello")
    folders = [str(fake_buildpack), *(str(dirs[name]) for name in ("app", "cache", "env"))]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(tool), *folders, *extra]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    built = run("scalingo-24")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("# stack-rootfs-noble, STACK=scalingo-24, app at /build/")
    assert "# bin/detect: exit 0\nRust\n# bin/compile: exit 0\n" in built.stdout
    assert "-----> compiling on scalingo-24" in built.stdout
    release = "# bin/release: exit 0\n---\ndefault_process_types:\n  web: bin/web\n"
    assert built.stdout.endswith(release)

    overridden = run("--suite", "bookworm", "--build-id", "b7")
    header = "# stack-rootfs-bookworm, STACK=scalingo-22, app at /build/b7\n"
    assert overridden.stdout.startswith(header)

    (dirs["app"] / "Cargo.toml").unlink()
    not_rust = run()
    assert not_rust.returncode == 1  # detect's answer, and nothing after it
    assert not_rust.stdout.endswith("# bin/detect: exit 1\n")

    unknown = run("--suite", "hardy")
    assert unknown.returncode == 2 and "invalid choice: 'hardy'" in unknown.stderr


@needs_root
def test_background_app_answers_http_from_the_host(
    runner: stack_runner.StackRunner, dirs: dict[str, Path]
) -> None:
    app = dirs["app"]
    (app / "bin").mkdir()
    (app / "bin" / "web").write_text(
        '#!/bin/sh\ncd "$HOME/public" && exec python3 -m http.server --bind 127.0.0.1 "$PORT"\n'
    )
    (app / "bin" / "web").chmod(0o755)
    (app / "public").mkdir()
    (app / "public" / "index.html").write_text("served from the stack\n")
    (app / ".profile.d").mkdir()
    (app / ".profile.d" / "rust.sh").write_text('export PATH="$HOME/bin:$PATH"\n')
    port = stack_runner.free_port()
    with runner.start_app(app, "web", port=port) as process:
        process.wait_for_port(port, timeout=30)
        with OPENER.open(f"http://127.0.0.1:{port}/index.html", timeout=10) as response:
            assert response.read() == b"served from the stack\n"
    assert process.returncode is not None
    assert "GET /index.html" in process.stderr
    with pytest.raises(OSError):
        OPENER.open(f"http://127.0.0.1:{port}/", timeout=2)


# --------------------------------------------------------------------------
# docker-run, for machines with Docker and the real images
# --------------------------------------------------------------------------

INNER_SCRIPT = (
    "set -e\n"
    '/buildpack/bin/detect "$1"\n'
    '/buildpack/bin/compile "$1" /tmp/cache /tmp/env\n'
    '/buildpack/bin/release "$1"'
)


def expected_docker_args(bp: Path, app: Path, cache: Path, env: Path, stack: str, image: str):
    return [
        "run",
        "--rm",
        "--env",
        f"STACK={stack}",
        "-v",
        f"{bp}:/buildpack:ro",
        "-v",
        f"{app}:/build/b1",
        "-v",
        f"{cache}:/tmp/cache",
        "-v",
        f"{env}:/tmp/env",
        image,
        "bash",
        "-c",
        INNER_SCRIPT,
        "_",
        "/build/b1",
    ]


@pytest.fixture
def docker_dirs(tmp_path: Path) -> dict[str, Path]:
    base = tmp_path / "with space's"  # a space and a quote
    found = {name: base / name for name in ("buildpack dir", "app", "cache", "env")}
    for folder in found.values():
        folder.mkdir(parents=True)
    (found["buildpack dir"] / "bin").mkdir()
    return found


def docker_run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [str(DOCKER_RUN), *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "BUILD_ID": "b1", **(env or {})},
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("stack", "image"),
    [
        (None, "scalingo/scalingo-22:latest"),
        ("scalingo-24", "scalingo/scalingo-24:latest"),
        ("scalingo-26", "scalingo/scalingo-26:latest"),
        ("heroku-22", "heroku/heroku:22-build"),
        ("heroku-24", "heroku/heroku:24-build"),
    ],
)
def test_docker_run_passes_exact_arguments(
    docker_dirs: dict[str, Path], tmp_path: Path, stack: str | None, image: str
) -> None:
    argv_file = tmp_path / "argv"
    fake_docker = tmp_path / "fake-docker"
    fake_docker.write_text(f"#!/bin/sh\nprintf '%s\\0' \"$@\" > '{argv_file}'\n")
    fake_docker.chmod(0o755)
    paths = [str(p) for p in docker_dirs.values()]
    result = docker_run(*paths, *([stack] if stack else []), env={"DOCKER": str(fake_docker)})
    assert result.returncode == 0, result.stderr
    argv = argv_file.read_bytes().split(b"\0")[:-1]
    expected = expected_docker_args(*docker_dirs.values(), stack or "scalingo-22", image)
    assert [a.decode() for a in argv] == expected

    printed = docker_run("--print", *paths, *([stack] if stack else []))
    assert printed.returncode == 0, printed.stderr
    assert shlex.split(printed.stdout) == ["docker", *expected]


def test_docker_run_resolves_relative_paths_and_new_build_ids(docker_dirs) -> None:
    base = docker_dirs["app"].parent
    printed = docker_run("--print", "buildpack dir", "app", "cache", "env", cwd=base)
    args = shlex.split(printed.stdout)
    image = "scalingo/scalingo-22:latest"
    assert args == ["docker", *expected_docker_args(*docker_dirs.values(), "scalingo-22", image)]
    fresh = [
        shlex.split(
            subprocess.run(
                [str(DOCKER_RUN), "--print", *map(str, docker_dirs.values())],
                capture_output=True,
                text=True,
                env={"PATH": os.environ["PATH"]},
            ).stdout
        )[-1]
        for _ in range(2)
    ]
    assert fresh[0] != fresh[1] and all(f.startswith("/build/") for f in fresh)


def test_docker_run_refuses_bad_input(docker_dirs: dict[str, Path], tmp_path: Path) -> None:
    paths = [str(p) for p in docker_dirs.values()]
    assert docker_run("--print", *paths, "ubuntu-22").returncode == 2
    assert docker_run("--print", *paths[:3]).returncode == 2
    colon = tmp_path / "a:b"
    colon.mkdir()
    refused = docker_run("--print", str(colon), *paths[1:])
    assert refused.returncode == 2 and "cannot contain ':'" in refused.stderr
    bad_id = docker_run("--print", *paths, env={"BUILD_ID": "x;rm -rf /"})
    assert bad_id.returncode == 2


@needs_root
def test_docker_run_inner_script_runs_the_three_steps(
    runner: stack_runner.StackRunner, dirs: dict[str, Path], docker_dirs: dict[str, Path]
) -> None:
    """The `bash -c` part of the printed command, run in the stand-in as docker would."""
    printed = docker_run("--print", *map(str, docker_dirs.values()))
    args = shlex.split(printed.stdout)
    inner = args[args.index("bash") :]
    (dirs["app"] / "Cargo.toml").write_text("[package]\n")
    (dirs["env"] / "GREETING").write_text("hi")
    result = runner.run(
        inner,
        app_dir=dirs["app"],
        build_id="b1",
        cache_dir=dirs["cache"],
        env_dir=dirs["env"],
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Rust\n-----> compiling on scalingo-22\n---\n")
    assert (dirs["app"] / "steps.log").read_text().splitlines() == [
        "detect 0 /build/b1",
        "compile 0 /build/b1 /tmp/cache /tmp/env",
        "release 0 /build/b1",
    ]
