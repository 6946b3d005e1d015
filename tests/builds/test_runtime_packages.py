"""A git clone of the buildpack on a Python without pip or its packages.

A platform's build (its output a pipe) needs none of them and fetches nothing
(on 3.10, tomli alone for a TOML file beyond toml_subset.py). At a terminal, bin/compile fetches the
pinned wheels from a PEP 691/503 index with the standard library alone,
verifies them and keeps them in the cache, while Rust installs: the toolchain
never waits for them. The other commands need no third-party package at all.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from package_index import PackageIndex, pinned_packages
from platform_runner import Platform, terminal_process
from tests.assertions import assert_succeeded


@pytest.fixture
def terminal_platform(stack_python_platform: Platform) -> Platform:
    """A stack's python3, and bin/* with their stdout on a terminal."""
    stack_python_platform.at_terminal = True
    return stack_python_platform


@pytest.mark.slow
def test_a_platform_build_fetches_no_package_and_drops_an_older_versions(
    stack_python_platform: Platform, package_index
) -> None:
    """Not at a terminal, on Python 3.11+: no request to the index, and the
    packages an earlier version kept in the cache are removed."""
    platform = stack_python_platform
    older = platform.cache_dir / "rust-buildpack-python" / "0123456789abcdef"
    (older / "click").mkdir(parents=True)
    package_index.clear_log()
    platform.set_config(PIP_INDEX_URL=package_index.url)
    _build_dir, result = platform.build("web-std")
    assert_succeeded(result)
    assert "Python packages" not in result.log
    assert package_index.requests == []
    assert not (platform.cache_dir / "rust-buildpack-python").exists()
    report = json.loads((platform.cache_dir / "rust-buildpack" / "last-build.json").read_text())
    assert report["cache_python_packages"] == "not used: a build not at a terminal needs none"


@pytest.mark.slow
@pytest.mark.parametrize("json_pages", [True, False], ids=["pep691-json", "pep503-html"])
def test_compile_fetches_verified_packages_then_reuses_them(
    terminal_platform: Platform, package_index, json_pages: bool
) -> None:
    platform = terminal_platform
    package_index.json_pages = json_pages
    package_index.clear_log()
    platform.set_config(PIP_INDEX_URL=package_index.url)
    build_dir, result = platform.build("web-std")
    assert_succeeded(result)
    assert _steps(result.stdout).count("-----> Fetching the buildpack's Python packages") == 1
    verified = [line for line in result.stdout.splitlines() if line.endswith("(sha256 verified)")]
    # Fetched several at once, listed on one line in the pins' order: the log reads
    # the same every time.
    listed = ", ".join(f"{package['name']} {package['version']}" for package in pinned_packages())
    assert verified == [f"       {listed} (sha256 verified)"]
    files = [path for path, status in package_index.requests if path.startswith("/files/")]
    assert len(files) == len(pinned_packages())
    cached = list((platform.cache_dir / "rust-buildpack-python").iterdir())
    assert len(cached) == 1 and (cached[0] / "click").is_dir()

    platform.at_terminal = False
    release = platform.release(build_dir)  # stdlib only, no network
    assert yaml.safe_load(release.stdout)["default_process_types"]["web"] == "/app/bin/web-std"

    package_index.clear_log()
    platform.at_terminal = True
    _build_dir, again = platform.build("web-std")
    assert_succeeded(again)
    assert "Fetching the buildpack's Python packages" not in again.stdout
    assert package_index.requests == []


def _steps(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("-----> ")]


@pytest.mark.slow
def test_rust_installs_while_a_slow_index_serves_the_packages(
    terminal_platform: Platform, package_index, rustup_mirror
) -> None:
    """A cold build from a git clone at a terminal: rustup-init's download and
    the toolchain's install start before the last wheel is in, and the packages
    are listed on one line once Rust is installed."""
    package_index.clear_log()
    rustup_mirror.clear_log()
    terminal_platform.set_config(PIP_INDEX_URL=package_index.url)
    package_index.delay = 1.0  # 14 requests, 6 at a time: about 3 s of fetching
    try:
        _build_dir, result = terminal_platform.build("web-std")
    finally:
        package_index.delay = 0.0
    assert_succeeded(result)
    last_wheel = max(package_index.answered_at)
    rustup_init = rustup_mirror.first_request_time("/rustup-init")
    toolchain = rustup_mirror.first_request_time("channel-rust-stable.toml")
    assert rustup_init is not None and toolchain is not None
    assert rustup_init < toolchain < last_wheel, (rustup_init, toolchain, last_wheel)

    steps = _steps(result.stdout)
    rust = next(n for n, step in enumerate(steps) if step.startswith("-----> Installing Rust"))
    assert steps.index("-----> Fetching the buildpack's Python packages") == rust + 1
    verified = [line for line in result.stdout.splitlines() if line.endswith("(sha256 verified)")]
    assert len(verified) == 1 and "click 8.1.8" in verified[0]


@pytest.mark.slow
def test_sigterm_while_the_build_waits_for_the_packages(
    terminal_platform: Platform, package_index
) -> None:
    """Rust is installed, the index is still slow: SIGTERM ends the build at once
    (143, recorded as interrupted), drops the unfinished fetch, and the next build
    fetches the packages anew and succeeds."""
    platform = terminal_platform
    platform.set_config(PIP_INDEX_URL=package_index.url)
    package_index.delay = 3.0  # 14 requests, 6 at a time: about 9 s of fetching
    command = platform.compile_command(platform.new_build_dir("web-std"))
    try:
        with terminal_process(command, platform.environment()) as build:
            log = ""
            while "-----> Fetching the buildpack's Python packages" not in log:
                line = build.stdout.readline()
                assert line, log
                log += line
            build.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            log += build.stdout.read() + build.stderr.read().decode()
            assert build.wait(timeout=30) == 143, log
            assert time.monotonic() - sent < 2.0, log
    finally:
        package_index.delay = 0.0
    assert "Traceback" not in log
    report = json.loads((platform.cache_dir / "rust-buildpack" / "last-build.json").read_text())
    assert report["failure_reason"] == "interrupted"
    assert list((platform.cache_dir / "rust-buildpack-python").iterdir()) == []

    _build_dir, again = platform.build("web-std")
    assert_succeeded(again)
    assert _steps(again.stdout).count("-----> Fetching the buildpack's Python packages") == 1


def test_a_user_error_before_rust_does_not_wait_for_the_packages(
    terminal_platform: Platform, package_index
) -> None:
    """The build fails on the app's own problem at once; the unfinished fetch is
    dropped, its staging folder removed."""
    terminal_platform.set_config(PIP_INDEX_URL=package_index.url)
    package_index.delay = 3.0
    try:
        started = time.monotonic()
        _build_dir, result = terminal_platform.build("no-lockfile")
        took = time.monotonic() - started
    finally:
        package_index.delay = 0.0
    assert result.returncode == 1, result.log
    assert "Cargo.lock" in result.stderr
    assert "Traceback" not in result.log
    assert "Fetching the buildpack's Python packages" not in result.log
    assert took < 3.0  # no answer from the index had come yet
    packages = terminal_platform.cache_dir / "rust-buildpack-python"
    assert not packages.exists() or list(packages.iterdir()) == []


def test_tomli_read_before_rust_on_python_310_is_fetched_first_and_alone(
    tmp_path: Path, package_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 3.10 the app's configuration (TOML) is read before Rust is installed:
    it waits for tomli's wheel only, imported from the unfinished fetch."""
    from classic_bp.fetch import bootstrap

    monkeypatch.setattr(bootstrap, "EARLY", ("tomli",))  # as on 3.10
    monkeypatch.delitem(sys.modules, "tomli", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    package_index.clear_log()
    package_index.delay = 0.5  # 14 requests, 6 at a time: about 1.5 s of fetching
    try:
        fetch = bootstrap._start(tmp_path, package_index.url)
        assert fetch.import_early("tomli")
        imported_at = time.monotonic()
        import tomli

        assert ".fetching-" in tomli.__file__ and fetch.thread.is_alive()
        folder = fetch.wait()
    finally:
        package_index.delay = 0.0
    assert imported_at < max(package_index.answered_at) - 0.5
    assert (folder / bootstrap.COMPLETE_MARKER).is_file() and (folder / "tomli").is_dir()
    assert [path.name for path in tmp_path.joinpath("rust-buildpack-python").iterdir()] == [
        folder.name
    ]


def test_a_platform_build_on_python_310_fetches_tomli_alone(
    tmp_path: Path, package_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not at a terminal, a 3.10 build fetches tomli only when a TOML file goes
    beyond toml_subset.py: one wheel, in a folder of its own beside the one a build
    at a terminal fetches, and neither removes the other."""
    from classic_bp.fetch import bootstrap

    monkeypatch.setattr(bootstrap, "EARLY", ("tomli",))  # as on 3.10
    package_index.clear_log()
    alone = bootstrap._start(tmp_path, package_index.url, at_terminal=False).wait()
    files = [path for path, _status in package_index.requests if path.startswith("/files/")]
    assert [Path(path).name for path in files] == ["tomli-2.2.1-py3-none-any.whl"]
    assert sorted(path.name for path in alone.iterdir()) == [
        bootstrap.COMPLETE_MARKER,
        "tomli",
        "tomli-2.2.1.dist-info",
    ]
    every = bootstrap._start(tmp_path, package_index.url).wait()
    assert sorted(tmp_path.joinpath("rust-buildpack-python").iterdir()) == sorted([alone, every])
    assert bootstrap._start(tmp_path, package_index.url, at_terminal=False) == alone


def test_tomli_in_then_another_package_failing_is_the_fetch_error(
    tmp_path: Path, package_index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3.10: tomli's wheel came, another was refused: tomli may be used or not,
    and the build ends with the fetch's error, never a crash."""
    from classic_bp import errors
    from classic_bp.fetch import bootstrap

    monkeypatch.setattr(bootstrap, "EARLY", ("tomli",))
    monkeypatch.delitem(sys.modules, "tomli", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    wheels = tmp_path / "wheels"
    shutil.copytree(package_index.wheels, wheels)
    click_wheel = next(wheels.glob("click-*.whl"))
    click_wheel.write_bytes(click_wheel.read_bytes() + b"tampered")
    with PackageIndex(wheels) as tampered:
        fetch = bootstrap._start(tmp_path / "cache", tampered.url)
        fetch.thread.join()
        assert fetch.import_early("tomli") is False
        with pytest.raises(errors.BuildError, match=r"click-8\.1\.8-py3-none-any\.whl"):
            fetch.wait()
    assert list((tmp_path / "cache" / "rust-buildpack-python").iterdir()) == []


def test_a_tampered_wheel_is_refused(
    terminal_platform: Platform, package_index, tmp_path: Path
) -> None:
    platform = terminal_platform
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for wheel in package_index.wheels.glob("*.whl"):
        (wheels / wheel.name).write_bytes(wheel.read_bytes())
    click_wheel = next(wheels.glob("click-*.whl"))
    click_wheel.write_bytes(click_wheel.read_bytes() + b"tampered")
    with PackageIndex(wheels) as tampered:
        platform.set_config(PIP_INDEX_URL=tampered.url)
        _build_dir, result = platform.build("web-std")
    assert result.returncode == 1
    assert " !     Could not fetch the buildpack's Python packages." in result.stderr
    assert "click 8.1.8: click-8.1.8-py3-none-any.whl from http://127.0.0.1:" in result.stderr
    assert "expected" in result.stderr
    assert not list((platform.cache_dir / "rust-buildpack-python").glob("*/click"))


def test_an_unreachable_index_is_named_in_the_error(
    terminal_platform: Platform, tmp_path: Path
) -> None:
    platform = terminal_platform
    with PackageIndex(tmp_path) as empty:  # serves nothing: every project is a 404
        platform.set_config(PIP_INDEX_URL=empty.url)
        _build_dir, result = platform.build("web-std")
    assert result.returncode == 1
    assert "Traceback" not in result.log
    assert f"The package index used is {empty.url}." in result.stderr
    assert "answered HTTP 404" in result.stderr
    assert "set PIP_INDEX_URL to a mirror" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("user", "password"), [("reader", "pw-4b8e2c6a9d"), ("tok-7f3a9c2e5b1d", "")]
)
def test_an_index_behind_basic_auth_is_used_and_its_secret_never_shown(
    terminal_platform: Platform, user: str, password: str
) -> None:
    """PIP_INDEX_URL with user:password@, or a token alone as its user part."""
    platform = terminal_platform
    from package_index import ensure_wheels

    secret = password or user
    with PackageIndex(ensure_wheels(), basic_auth=(user, password)) as index:
        userinfo = f"{user}:{password}" if password else user
        authenticated = index.url.replace("://", f"://{userinfo}@")
        platform.set_config(PIP_INDEX_URL=authenticated)
        build_dir, result = platform.build("web-std")
        assert_succeeded(result)
        assert [status for _, status in index.requests if status != 200] == []
        assert index.requests
    assert f"From {index.url}" in result.stdout
    found = subprocess.run(
        ["grep", "-rlaF", secret, str(build_dir), str(platform.cache_dir)],
        capture_output=True,
        text=True,
    )
    assert secret not in result.log and found.stdout == ""

    with PackageIndex(ensure_wheels(), basic_auth=(user, "other")) as refusing:
        refused = refusing.url.replace("://", f"://{user}:{secret}@")
        platform.set_config(PIP_INDEX_URL=refused)
        shutil.rmtree(platform.cache_dir / "rust-buildpack-python")
        _build_dir, failed = platform.build("web-std")
    assert failed.returncode == 1 and "answered HTTP 401" in failed.stderr
    assert secret not in failed.log


@pytest.mark.slow
def test_detect_release_report_need_no_packages(stack_python_platform: Platform) -> None:
    build_dir = stack_python_platform.new_build_dir("web-std")
    assert stack_python_platform.detect(build_dir).stdout == "Rust\n"
    release = stack_python_platform.release(build_dir)
    assert release.returncode == 0, release.log
    assert yaml.safe_load(release.stdout) == {"addons": [], "default_process_types": {}}
    report = stack_python_platform.run(
        "report", build_dir, stack_python_platform.cache_dir, stack_python_platform.env_dir
    )
    assert report.returncode == 0
    assert yaml.safe_load(report.stdout)["outcome"] == "unknown (no build report)"
