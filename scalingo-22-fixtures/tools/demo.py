"""`make run`: build a sample Rust app through detect, compile and release.

Everything runs on this machine: the rustup mirror and the crates registry
are served on 127.0.0.1, the buildpack runs as a platform runs it, and the
web process is started from the slug and asked for a page. The cache is
kept between runs, so a second `make run` shows a fast rebuild.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))

from crates_registry import build_registry, default_registry_dir, serve_registry  # noqa: E402
from fixture_cache import fixture_cache_dir  # noqa: E402
from platform_runner import (  # noqa: E402
    Platform,
    copy_buildpack,
    http_get,
    running_web_process,
)
from rustup_mirror import build_mirror, default_mirror_dir, serve_mirror  # noqa: E402

APP = "web-std"


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def main() -> int:
    banner("Building the local stand-ins (once; cached in the fixture cache)")
    mirror_root = build_mirror(default_mirror_dir())
    registry_root = build_registry(default_registry_dir())
    workdir = fixture_cache_dir() / "demo"
    shutil.rmtree(workdir / "buildpack", ignore_errors=True)
    shutil.rmtree(workdir / "builds", ignore_errors=True)
    buildpack = copy_buildpack(workdir / "buildpack")
    with serve_mirror(mirror_root) as mirror, serve_registry(registry_root) as registry:
        platform = Platform(buildpack, workdir, echo=True)
        platform.set_config(
            RUSTUP_DIST_SERVER=mirror.dist_server,
            RUSTUP_UPDATE_ROOT=mirror.update_root,
            BP_CARGO_REGISTRY_MIRROR=registry.index_url,
        )
        build_dir = platform.new_build_dir(APP)
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
