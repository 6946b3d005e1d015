"""`make run`: build a sample Rust app through detect, compile and release.

Everything runs on this machine: the rustup mirror (and, when the app
needs crates, the crates registry) is served on 127.0.0.1, the buildpack runs
as a platform runs it, and the web process is started from the slug and asked
for a page. The cache is kept between runs, so a second `make run` shows a
fast rebuild.

The demo needs only what its app needs: the sample app has no dependency, so
the crates.io stand-in (built from Debian's crate packages) is not built or
started. A missing prerequisite is one sentence with its fix, exit 1.

Run by `make run` with the Python of the project's virtual environment
(PyYAML, and tomli on Python 3.10).
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sys
import urllib.parse
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

from crates_registry import build_registry, default_registry_dir, serve_registry  # noqa: E402
from fixture_cache import fixture_cache_dir  # noqa: E402
from platform_runner import (  # noqa: E402
    APPS_DIR,
    Platform,
    copy_buildpack,
    http_get,
    running_web_process,
)
from prerequisites import MissingPrerequisite  # noqa: E402
from rustup_mirror import build_mirror, default_mirror_dir, serve_mirror  # noqa: E402

APP = "web-std"
# A Cargo.lock entry fetched from a registry (crates.io or a replacement).
_REGISTRY_SOURCE = re.compile(r'^source = "(registry|sparse)\+', re.MULTILINE)


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def registry_crates(app: Path) -> int:
    """How many of the app's locked packages come from a registry."""
    lock = app / "Cargo.lock"
    return len(_REGISTRY_SOURCE.findall(lock.read_text())) if lock.is_file() else 0


def serve_mirror_on_the_last_port(root: Path, workdir: Path):
    """The mirror, on the port of the last run when it is free.

    The cache remembers the URLs Rust came from: on the same port, a second
    `make run` reuses the installed toolchain instead of reinstalling it.
    """
    port_file = workdir / "mirror-port"
    with contextlib.suppress(OSError, ValueError):
        return serve_mirror(root, port=int(port_file.read_text()))
    server = serve_mirror(root)
    workdir.mkdir(parents=True, exist_ok=True)
    port_file.write_text(f"{urllib.parse.urlsplit(server.url).port}\n")
    return server


def main() -> int:
    # The tools say what they build the first time (the mirror takes a few seconds).
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return demo(APP)
    except MissingPrerequisite as problem:
        print(f"\n{problem}", file=sys.stderr)
        return 1


def demo(app: str) -> int:
    banner("Building the local stand-ins (once; cached in the fixture cache)")
    mirror_root = build_mirror(default_mirror_dir())
    needs_registry = registry_crates(APPS_DIR / app) > 0
    registry_root = build_registry(default_registry_dir()) if needs_registry else None
    if not needs_registry:
        print(f"{app} needs no crate from a registry: the crates.io stand-in is not started.")
    workdir = fixture_cache_dir() / "demo"
    shutil.rmtree(workdir / "buildpack", ignore_errors=True)
    shutil.rmtree(workdir / "builds", ignore_errors=True)
    buildpack = copy_buildpack(workdir / "buildpack")
    with contextlib.ExitStack() as servers:
        mirror = servers.enter_context(serve_mirror_on_the_last_port(mirror_root, workdir))
        platform = Platform(buildpack, workdir, echo=True)
        platform.set_config(
            RUSTUP_DIST_SERVER=mirror.dist_server,
            RUSTUP_UPDATE_ROOT=mirror.update_root,
        )
        # The env dir is kept between runs: a mirror left by an earlier run has gone.
        (platform.env_dir / "BP_CARGO_REGISTRY_MIRROR").unlink(missing_ok=True)
        if registry_root is not None:
            registry = servers.enter_context(serve_registry(registry_root))
            platform.set_config(BP_CARGO_REGISTRY_MIRROR=registry.index_url)
        build_dir = platform.new_build_dir(app)
        banner(f"bin/detect {build_dir}")
        if platform.detect(build_dir).returncode != 0:
            return 1
        banner(f"bin/compile {build_dir} {platform.cache_dir} {platform.env_dir}")
        if platform.compile(build_dir).returncode != 0:
            return 1
        banner(f"bin/release {build_dir}")
        release = platform.release(build_dir)
        if release.returncode != 0:
            return 1
        banner("Starting the web process from the slug, with PORT set")
        with running_web_process(release.stdout, build_dir) as url:
            print(f"GET {url}/hello -> {http_get(url + '/hello')}", end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
