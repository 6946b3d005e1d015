"""The rustup mirror fixture serves what rustup checks: matching sha256 files, 404s, a log.

Fast by design: the mirror build is cached (see ``default_mirror_dir``) and no
rustup install runs here; the buildpack tests install from the mirror.
"""

from __future__ import annotations

import hashlib
import http.client
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "scalingo-22-fixtures" / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))
import rustup_mirror  # noqa: E402
import toml_reader  # noqa: E402

HOST = "x86_64-unknown-linux-gnu"
# Never let an environment proxy see loopback requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def mirror_root() -> Path:
    if not (rustup_mirror.DEFAULT_TOOLCHAIN / "lib" / "rustlib" / "components").is_file():
        pytest.skip(f"no installed toolchain at {rustup_mirror.DEFAULT_TOOLCHAIN}")
    return rustup_mirror.build_mirror(rustup_mirror.default_mirror_dir())


@pytest.fixture(scope="module")
def server(mirror_root: Path) -> Iterator[rustup_mirror.MirrorServer]:
    """Our own server, so log assertions do not see other tests' requests."""
    with rustup_mirror.serve_mirror(mirror_root) as running:
        yield running


def fetch(url: str, method: str = "GET") -> tuple[int, bytes]:
    try:
        with OPENER.open(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def served_manifest(server) -> dict:
    status, body = fetch(f"{server.dist_server}/dist/channel-rust-stable.toml")
    assert status == 200
    return toml_reader.loads(body.decode())


def test_build_is_cached(mirror_root: Path) -> None:
    started = time.monotonic()
    assert rustup_mirror.build_mirror(mirror_root) == mirror_root
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("channel", ["stable", "1.95.0", "1.95"])
def test_channel_manifest_sha256_matches(server, channel: str) -> None:
    name = f"channel-rust-{channel}.toml"
    manifest = served_manifest(server)
    for folder in ("dist", f"dist/{manifest['date']}"):
        status, body = fetch(f"{server.dist_server}/{folder}/{name}")
        sha_status, sha_line = fetch(f"{server.dist_server}/{folder}/{name}.sha256")
        assert (status, sha_status) == (200, 200)
        assert sha_line.decode() == f"{hashlib.sha256(body).hexdigest()}  {name}\n"


def test_manifest_only_lists_what_is_served(server) -> None:
    manifest = served_manifest(server)
    date = manifest["date"]
    served = set(manifest["pkg"]) - {"rust"}
    assert {"rustc", "cargo", "rust-std"} <= served
    for pkg in served:
        target = manifest["pkg"][pkg]["target"][HOST]
        assert not {"xz_url", "zst_url"} & set(target)  # rustup would prefer them
        assert target["url"].startswith(f"https://static.rust-lang.org/dist/{date}/")
        path = target["url"].removeprefix("https://static.rust-lang.org")
        assert fetch(f"{server.dist_server}{path}", method="HEAD")[0] == 200
    for members in manifest["profiles"].values():
        assert set(members) <= served
    assert all(rename["to"] in served for rename in manifest["renames"].values())


def test_smallest_tarball_is_rust_installer_v3(server, mirror_root: Path) -> None:
    manifest = served_manifest(server)
    targets = [manifest["pkg"][p]["target"][HOST] for p in manifest["pkg"] if p != "rust"]
    smallest = min(targets, key=lambda t: _local(mirror_root, t["url"]).stat().st_size)
    path = _local(mirror_root, smallest["url"])
    assert rustup_mirror.sha256_file(path) == smallest["hash"]
    top = path.name.removesuffix(".tar.gz")
    with tarfile.open(path) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names) and names[0] == top
        assert all(m.isdir() or m.isfile() for m in members)  # rustup rejects links
        assert tar.extractfile(f"{top}/rust-installer-version").read() == b"3\n"
        (component,) = tar.extractfile(f"{top}/components").read().decode().split()
        listing = tar.extractfile(f"{top}/{component}/manifest.in").read().decode()
    for line in listing.splitlines():
        assert f"{top}/{component}/{line.partition(':')[2]}" in names


def _local(root: Path, url: str) -> Path:
    return root / url.removeprefix("https://static.rust-lang.org/")


@pytest.mark.parametrize("folder", [f"dist/{HOST}", f"archive/{{version}}/{HOST}"])
def test_rustup_init_sha256_matches(server, folder: str) -> None:
    status, release = fetch(f"{server.update_root}/release-stable.toml")
    assert status == 200
    version = toml_reader.loads(release.decode())["version"]
    base = f"{server.update_root}/{folder.format(version=version)}/rustup-init"
    status, binary = fetch(base)
    sha_status, sha_line = fetch(f"{base}.sha256")
    assert (status, sha_status) == (200, 200)
    assert sha_line[:64].decode() == hashlib.sha256(binary).hexdigest()
    assert sha_line.decode().endswith(" *rustup-init\n")


def test_missing_paths_directories_and_dotdot_are_refused(server) -> None:
    assert fetch(f"{server.url}/dist/channel-rust-beta.toml")[0] == 404
    assert fetch(f"{server.url}/dist/")[0] == 404  # no listings
    assert fetch(f"{server.url}/dist")[0] == 404  # no redirect to a listing
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=10)
    try:
        connection.request("GET", "/dist/../rustup/release-stable.toml")
        assert connection.getresponse().status == 403
    finally:
        connection.close()


def test_request_log_records_method_path_and_status(server) -> None:
    server.clear_log()
    fetch(f"{server.update_root}/release-stable.toml", method="HEAD")
    fetch(f"{server.dist_server}/dist/channel-rust-stable.toml.sha256")
    fetch(f"{server.dist_server}/dist/nope.toml")
    assert server.requests == [
        ("HEAD", "/rustup/release-stable.toml", 200),
        ("GET", "/dist/channel-rust-stable.toml.sha256", 200),
        ("GET", "/dist/nope.toml", 404),
    ]
    assert server.paths_requested()[-1] == "/dist/nope.toml"
    server.clear_log()
    assert server.requests == []


@pytest.mark.parametrize("folder", ["dist", "dist/{date}"])
def test_combined_installer_sha256_matches(server, mirror_root: Path, folder: str) -> None:
    manifest = served_manifest(server)
    version = manifest["pkg"]["rust"]["version"].split()[0]
    name = f"rust-{version}-{HOST}.tar.gz"
    base = f"{server.dist_server}/{folder.format(date=manifest['date'])}/{name}"
    assert fetch(base, method="HEAD")[0] == 200
    sha_status, sha_line = fetch(f"{base}.sha256")
    assert sha_status == 200
    digest = rustup_mirror.sha256_file(mirror_root / "dist" / name)  # spare a 200 MB GET
    assert sha_line.decode() == f"{digest}  {name}\n"
    rust = manifest["pkg"]["rust"]["target"][HOST]
    assert (rust["url"], rust["hash"]) == (
        f"https://static.rust-lang.org/dist/{manifest['date']}/{name}",
        digest,
    )


def test_combined_installer_holds_rustc_cargo_and_rust_std(mirror_root: Path) -> None:
    """Upstream's layout: one top folder, components, and a manifest.in per component."""
    (path,) = (mirror_root / "dist").glob(f"rust-*-{HOST}.tar.gz")
    top = path.name.removesuffix(".tar.gz")
    with tarfile.open(path) as tar:
        assert tar.next().name == top  # the first entry: no need to read 200 MB here
        assert tar.extractfile(f"{top}/rust-installer-version").read() == b"3\n"
        components = tar.extractfile(f"{top}/components").read().decode().split()
        assert components == ["rustc", "cargo", f"rust-std-{HOST}"]
        assert b"file:bin/cargo\n" in tar.extractfile(f"{top}/cargo/manifest.in").read()
