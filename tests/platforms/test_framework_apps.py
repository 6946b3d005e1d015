"""Apps on the web frameworks users deploy build on the stacks, serve HTTP, and
rebuild nothing when nothing changed.

axum (with askama templates and a static/ folder), actix-web and warp, their
crates Debian 13's from the crates.io stand-in, each built through detect,
compile and release in a stack stand-in (stack_runner.py), started as the
platform starts it (``.profile.d`` sourced, ``$PORT`` set) and asked over HTTP.
Then the same app again from a fresh checkout (a new /build/<id>, every mtime
new) with a copy of that cache: cargo must compile nothing, not even the app.

Each (app, stack) is built cold once for the module (``cold_builds``,
tests/cold_builds.py) and its cache dir kept as the build left it; later tests
start from a copy. An actix-web app's cold build takes about 100 s on 2 CPUs,
so: the three apps cold on scalingo-22 (Ubuntu 22.04, the oldest stack: the
oldest glibc, Python 3.10), and on scalingo-24 the axum app only (the one with
templates and static files). A scalingo-24 build from a copy of the
scalingo-22 cache would be no cheaper proof: the build artifacts are keyed on
the rustc and the host triple, not on the stack (cargo/caches.py), so it would
reuse the jammy artifacts rather than build on noble.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from platform_runner import free_port, http_get
from stack_runner import BuildpackRun, StackRunner
from tests.cold_builds import ColdBuild, ColdBuilds, copied_cache, fresh_checkout

pytestmark = pytest.mark.slow

FRAMEWORK_APPS = ("axum-app", "actix-web-app", "warp-app")
# What each app answers, by path: the whole body, or for the HTML pages
# (PAGES) a part of it.
ANSWERS: dict[str, dict[str, str]] = {
    "axum-app": {
        "/": "<h1>Hello from axum-app</h1>\n<ul>\n<li>axum</li>\n<li>askama</li>\n"
        "<li>tower-http</li>\n</ul>",
        "/hello/stack": "<p>Hello, stack!</p>",
        "/static/style.css": "body { font-family: sans-serif; }\n",
    },
    "actix-web-app": {
        "/": "Hello from an actix-web app\n",
        "/hello/stack": '{"framework":"actix-web","hello":"stack"}',
    },
    "warp-app": {
        "/": "Hello from a warp app\n",
        "/hello/stack": "Hello, stack, from warp\n",
    },
}
PAGES = {("axum-app", "/"), ("axum-app", "/hello/stack")}


def compiled_crates(log: str) -> list[str]:
    return re.findall(r"^ +Compiling (\S+) v", log, flags=re.MULTILINE)


def assert_answers(runner: StackRunner, app_dir: Path, run: BuildpackRun, app: str) -> None:
    command = yaml.safe_load(run.release.stdout)["default_process_types"]["web"]
    assert command == f"/app/bin/{app}"
    port = free_port()
    with runner.start_app(app_dir, command, port=port) as process:
        process.wait_for_port(port)
        for path, expected in ANSWERS[app].items():
            body = http_get(f"http://127.0.0.1:{port}{path}")
            if (app, path) in PAGES:
                assert expected in body, (path, body)
            else:
                assert body == expected, path


def rebuild_unchanged(build: ColdBuild, tmp_path: Path, app: str) -> BuildpackRun:
    """The app again from a fresh checkout, with a copy of the cold build's cache."""
    cache = copied_cache(build, tmp_path / "cache")
    checkout = fresh_checkout(tmp_path, app)
    started = time.monotonic()
    run = build.runner.run_buildpack(checkout, cache, build.env, timeout=600)
    print(f"{app} on {build.stack}: unchanged rebuild in {time.monotonic() - started:.0f} s")
    assert run.ok, run.log
    assert compiled_crates(run.compile.stdout + run.compile.stderr) == [], run.log
    assert "changed or new: 0" in run.compile.stdout
    assert_answers(build.runner, checkout, run, app)
    shutil.rmtree(cache, ignore_errors=True)
    return run


@pytest.mark.parametrize("app", FRAMEWORK_APPS)
def test_a_framework_app_builds_cold_on_scalingo_22_and_answers_http(
    app: str, cold_builds: ColdBuilds
) -> None:
    build = cold_builds.get(app, "scalingo-22")
    assert build.run.ok, build.run.log
    compiled = compiled_crates(build.run.compile.stdout + build.run.compile.stderr)
    assert app.removesuffix("-app") in compiled and app in compiled, compiled
    assert_answers(build.runner, build.app, build.run, app)


@pytest.mark.parametrize("app", FRAMEWORK_APPS)
def test_a_fresh_checkout_of_a_framework_app_compiles_nothing_on_scalingo_22(
    app: str, cold_builds: ColdBuilds, tmp_path: Path
) -> None:
    build = cold_builds.get(app, "scalingo-22")
    assert build.run.ok, build.run.log
    run = rebuild_unchanged(build, tmp_path, app)
    assert "Reusing the cached build artifacts" in run.compile.stdout


def test_the_axum_app_with_templates_and_static_files_builds_on_scalingo_24(
    cold_builds: ColdBuilds, tmp_path: Path
) -> None:
    """The slug keeps static/, which the app reads at run time (BP_INCLUDE_FILES'
    default), while askama compiled templates/ into the binary."""
    build = cold_builds.get("axum-app", "scalingo-24")
    assert build.run.ok, build.run.log
    assert "askama_derive" in compiled_crates(build.run.compile.stdout + build.run.compile.stderr)
    assert (build.app / "static" / "style.css").is_file()
    assert_answers(build.runner, build.app, build.run, "axum-app")
    rebuild_unchanged(build, tmp_path, "axum-app")
