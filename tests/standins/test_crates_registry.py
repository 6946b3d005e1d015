"""Tests of the local crates.io stand-in (scalingo-22-fixtures/tools/crates_registry.py).

Why these checks: the buildpack's integration tests and benchmarks trust this
registry to behave like crates.io for real cargo, and committed Cargo.lock
files trust its checksums.  The registry is built once into the fixture cache
(``$CLASSIC_BP_FIXTURE_CACHE``) and reused.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import toml_reader

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "scalingo-22-fixtures" / "tools" / "crates_registry.py"


def _load_tool():
    """Import the tool from its hyphenated folder (not a package)."""
    spec = importlib.util.spec_from_file_location("crates_registry", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # one shared module object for every importer
    spec.loader.exec_module(module)
    return module


cr = _load_tool()


def _cargo() -> str | None:
    """The cargo binary: on PATH, else rustup's default location."""
    found = shutil.which("cargo")
    fallback = Path.home() / ".cargo" / "bin" / "cargo"
    return found or (str(fallback) if fallback.is_file() else None)


def _get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET, without raising on 4xx."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _raw_status(server, path: str) -> int:
    """Status of a GET sent verbatim (urllib might tidy ``..`` away)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server():
    """A served registry built (or reused) in the fixture cache, from Debian 12's
    and 13's crate packages (fetched once from the Debian archive)."""
    root = cr.build_registry()
    with cr.serve_registry(root) as running:
        yield running


def _serde_json_line(server) -> dict:
    """The newest serde_json index line, as served."""
    status, body = _get(server.url + "/index/" + cr.index_path("serde_json"))
    assert status == 200
    return json.loads(body.decode().splitlines()[-1])


# -- pure helpers: fast, no server --------------------------------------------


@pytest.mark.parametrize(
    ("req", "version", "expected"),
    [
        ("1", "1.0.152", True),
        ("1", "2.0.0", False),
        ("0.2", "0.2.139", True),
        ("^0.2.3", "0.3.0", False),
        ("~1.2", "1.2.9", True),
        ("=1.2.3", "1.2.4", False),
        (">= 0.8.2, < 0.10", "0.9.3", True),
        (">= 0.8.2, < 0.10", "0.10.0", False),
        ("1", "1.0.0-alpha.9", False),
        ("=1.0.0-alpha.9", "1.0.0-alpha.9", True),
        ("*", "3.1.4", True),
    ],
)
def test_version_matches_follows_cargo(req, version, expected):
    """Dropping deps relies on cargo-compatible requirement matching."""
    assert cr.version_matches(req, version) is expected


def test_index_paths_follow_cargo_layout():
    """Cargo asks for these exact paths; any other layout is a silent 404."""
    assert [cr.index_path(n) for n in ("a", "ab", "abc", "Serde_Json")] == [
        "1/a",
        "2/ab",
        "3/a/abc",
        "se/rd/serde_json",
    ]


def test_gzip_stored_round_trips():
    """The hand-written gzip stream must decode with any gzip reader."""
    data = bytes(range(256)) * 600  # spans several 64 KiB stored blocks
    assert gzip.decompress(cr.gzip_stored(data)) == data
    assert gzip.decompress(cr.gzip_stored(b"")) == b""


def test_prune_drops_unmet_required_and_default_deps_consistently():
    """Unmet deps cargo would need go from deps and features; others stay."""
    manifest = toml_reader.loads(
        """
        [package]
        name = "x"
        version = "1.0.0"
        [dependencies]
        a = "1"
        logger = { version = "9", optional = true }
        extra = { version = "9", optional = true }
        [target.'cfg(windows)'.dependencies]
        windows-sys = { version = "0.42", features = ["Win32"] }
        [features]
        default = ["logging"]
        logging = ["logger", "a/std"]
        win = ["windows-sys/std", "dep:windows-sys"]
        more = ["extra"]
        """
    )
    dropped = cr.prune_manifest(manifest, {"a": ["1.2.0"]})
    assert sorted(dropped) == ["logger", "windows-sys (cfg(windows))"]
    assert "target" not in manifest
    assert manifest["features"] == {
        "default": ["logging"],
        "logging": ["a/std"],
        "win": [],
        "more": ["extra"],
    }
    assert "extra" in manifest["dependencies"]
    assert toml_reader.loads(cr.toml_dumps(manifest)) == manifest


# -- served registry --------------------------------------------------------------


def test_config_json_carries_the_served_port(server):
    """Cargo downloads from config.json's ``dl``: it must point at this server."""
    status, body = _get(server.url + "/index/config.json")
    config = json.loads(body)
    assert status == 200
    assert config["dl"].startswith(f"http://127.0.0.1:{server.port}/")
    assert config["api"] == f"http://127.0.0.1:{server.port}"
    assert server.index_url == f"sparse+http://127.0.0.1:{server.port}/index/"


def test_index_cksum_is_sha256_of_served_crate(server):
    """Cargo rejects a download whose sha256 differs from the index."""
    line = _serde_json_line(server)
    dl = json.loads(_get(server.url + "/index/config.json")[1])["dl"]
    status, crate = _get(f"{dl}/serde_json/{line['vers']}/download")
    assert status == 200
    assert hashlib.sha256(crate).hexdigest() == line["cksum"]
    with tarfile.open(fileobj=io.BytesIO(crate)) as tar:
        names = tar.getnames()
    prefix = f"serde_json-{line['vers']}/"
    assert all(n.startswith(prefix) for n in names)
    assert prefix + "Cargo.toml" in names
    assert not any(
        n.startswith(prefix + "debian/") or n.endswith(".cargo-checksum.json") for n in names
    )


def test_unknown_paths_are_404_and_dotdot_refused(server):
    """Cargo probes absent names and expects 404; ``..`` must not escape."""
    server.clear_log()
    assert _get(server.url + "/index/" + cr.index_path("no-such-crate-here"))[0] == 404
    assert _get(server.url + "/api/v1/crates/serde_json/0.0.0/download")[0] == 404
    assert _raw_status(server, "/index/../crates.json") == 400
    assert server.requests[0] == ("GET", "/index/no/-s/no-such-crate-here", 404)


def test_cargo_config_args_match_config_toml(server, tmp_path):
    """Both ways of pointing cargo at the mirror must say the same thing."""
    merged: dict = {}
    for arg in server.cargo_config_args():
        for key, value in toml_reader.loads(arg).items():
            merged.setdefault(key, {})
            _deep_merge(merged[key], value)
    written = toml_reader.loads(server.write_cargo_config(tmp_path).read_text())
    assert merged == written
    assert written["source"]["mirror"]["registry"] == server.index_url


def _deep_merge(into: dict, other: dict) -> None:
    """Merge nested dicts (dotted ``--config`` keys build one tree)."""
    for key, value in other.items():
        if isinstance(value, dict):
            _deep_merge(into.setdefault(key, {}), value)
        else:
            into[key] = value


def _cargo_against(server, app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Real cargo in ``app``, with crates.io replaced by ``server`` (a fresh CARGO_HOME)."""
    cargo = _cargo()
    if cargo is None:
        pytest.skip("cargo not installed")
    cargo_home = app.parent / "cargo-home"
    server.write_cargo_config(cargo_home)
    env = {k: v for k, v in os.environ.items() if k != "CARGO_NET_OFFLINE"}
    env["CARGO_HOME"] = str(cargo_home)
    # rustc beside cargo (rustup's proxies), also when ~/.cargo/bin is not on PATH.
    env["PATH"] = os.pathsep.join([str(Path(cargo).parent), env.get("PATH", os.defpath)])
    return subprocess.run(
        [cargo, *args], cwd=app, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_real_cargo_locks_serde_json_against_it(server, tmp_path):
    """The end-to-end promise: real cargo resolves against the stand-in."""
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "src" / "main.rs").write_text("fn main() {}\n")
    (app / "Cargo.toml").write_text(
        '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nserde = { version = "1", features = ["derive"] }\nserde_json = "1"\n'
    )
    server.clear_log()
    result = _cargo_against(server, app, "generate-lockfile")
    assert result.returncode == 0, result.stderr
    lock = toml_reader.loads((app / "Cargo.lock").read_text())
    packages = {p["name"]: p for p in lock["package"]}
    assert packages["serde_json"]["checksum"] == _serde_json_line(server)["cksum"]
    assert {"serde", "serde_derive", "itoa", "ryu"} <= packages.keys()
    assert ("GET", "/index/se/rd/serde_json", 200) in server.requests


# Every test app whose Cargo.lock names a crate of the registry.
LOCKING_APPS = sorted(
    lock.parent.name
    for lock in (REPO / "scalingo-22-fixtures" / "apps").glob("*/Cargo.lock")
    if 'source = "registry+' in lock.read_text()
)


@pytest.mark.parametrize("app_name", LOCKING_APPS)
def test_the_test_apps_committed_lockfiles_hold_against_it(server, tmp_path, app_name):
    """Every crate the apps lock is served with the checksum their Cargo.lock pins
    (``cargo fetch --locked`` downloads and checks them all, compiles nothing)."""
    committed = REPO / "scalingo-22-fixtures" / "apps" / app_name
    app = tmp_path / app_name
    shutil.copytree(committed, app)
    result = _cargo_against(server, app, "fetch", "--locked")
    assert result.returncode == 0, result.stderr
    assert (app / "Cargo.lock").read_bytes() == (committed / "Cargo.lock").read_bytes()
