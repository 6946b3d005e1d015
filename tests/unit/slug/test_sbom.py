"""The CycloneDX SBOM: checked against the official JSON schema, on real cargo output.

The schema files come from the ``cyclonedx-python-lib`` wheel (its
``cyclonedx/schema/_res`` folder), resolved offline through a ``referencing``
registry: nothing is fetched from cyclonedx.org. The warm cargo caches are
made with the local crates.io stand-in, which is stopped before the SBOM is
written, so ``cargo metadata --offline`` is really offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from classic_bp import __version__
from classic_bp.errors import Reason
from classic_bp.slug import sbom
from classic_bp.slug.early_metadata import MetadataBesideBuild
from classic_bp.toml_compat import loads as toml_loads
from platform_runner import REPO_ROOT
from tests.cyclonedx_schema import assert_valid

APPS = REPO_ROOT / "scalingo-22-fixtures" / "apps"
CARGO = Path.home() / ".cargo" / "bin" / "cargo"
SCHEMA_BASE = "http://cyclonedx.org/schema/"
SERDE_JSON_PURL = "pkg:cargo/serde_json@1.0.87"
# Every registry crate lib-and-bin's Cargo.lock holds: what its SBOM must list.
LIB_AND_BIN_CRATES = {
    "itoa@1.0.1",
    "proc-macro2@1.0.47",
    "quote@1.0.21",
    "ryu@1.0.2",
    "serde@1.0.152",
    "serde_derive@1.0.152",
    "serde_json@1.0.87",
    "syn@1.0.107",
    "unicode-ident@1.0.0",
}


# --------------------------------------------------------------------------
# Apps and warm cargo homes
# --------------------------------------------------------------------------


def cargo_environment(cargo_home: Path) -> dict[str, str]:
    assert CARGO.is_file(), f"these tests need the machine's cargo at {CARGO}"
    return {
        **os.environ,
        "CARGO_HOME": str(cargo_home),
        "RUSTUP_TOOLCHAIN": "stable",
        "CARGO_TERM_COLOR": "never",
    }


def run_cargo(args: list[str], app: Path, environment: Mapping[str, str]) -> None:
    completed = subprocess.run(
        [str(CARGO), *args], cwd=app, env=dict(environment), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr


@pytest.fixture(scope="module")
def registry_root() -> Path:
    from crates_registry import build_registry, default_registry_dir

    return build_registry(default_registry_dir())


def warm_app(
    registry_root: Path, app: Path, cargo_home: Path, fetch_args: list[str]
) -> dict[str, str]:
    """Download the app's crates through the stand-in registry, then stop serving it."""
    from crates_registry import serve_registry

    environment = cargo_environment(cargo_home)
    with serve_registry(registry_root) as server:
        server.write_cargo_config(cargo_home)
        if not (app / "Cargo.lock").exists():
            run_cargo(["generate-lockfile"], app, environment)
        run_cargo(["fetch", "--locked", *fetch_args], app, environment)
    return environment


@pytest.fixture(scope="module")
def lib_and_bin(
    registry_root: Path, module_tmp_path: Path
) -> Iterator[tuple[Path, dict[str, str]]]:
    base = module_tmp_path / "lib-and-bin"
    app = base / "app"
    shutil.copytree(APPS / "lib-and-bin", app)
    yield app, warm_app(registry_root, app, base / "cargo-home", [])


def generate(
    app: Path, environment: Mapping[str, str], destination: Path, cargo: Path = CARGO
) -> tuple[sbom.SbomSummary, dict[str, Any]]:
    summary = sbom.write_sbom(app, cargo, environment, destination)
    return summary, json.loads(destination.read_text(encoding="utf-8"))


def listed(document: Mapping[str, Any]) -> set[str]:
    return {f"{c['name']}@{c['version']}" for c in document["components"]}


def by_purl(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["purl"]: c for c in document["components"] if "purl" in c}


def edges(document: Mapping[str, Any]) -> dict[str, list[str]]:
    return {entry["ref"]: entry["dependsOn"] for entry in document["dependencies"]}


def lock_checksum(app: Path, name: str) -> str:
    lock = toml_loads((app / "Cargo.lock").read_text(encoding="utf-8"))
    return next(p["checksum"] for p in lock["package"] if p["name"] == name)


def broken_cargo(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "no-such-cargo"
    script = tmp_path / "failing-cargo"
    script.write_text("#!/bin/sh\necho 'error: the index is unreachable' >&2\nexit 101\n")
    script.chmod(0o755)
    return script


# --------------------------------------------------------------------------
# lib-and-bin: serde_json from the registry, through cargo metadata
# --------------------------------------------------------------------------


def test_lib_and_bin_sbom_is_valid_and_complete(lib_and_bin, validators, tmp_path: Path) -> None:
    app, environment = lib_and_bin
    summary, document = generate(app, environment, tmp_path / "out" / "sbom.cdx.json")

    assert_valid(validators, document)
    assert summary.used_cargo_metadata is True
    assert summary.path == tmp_path / "out" / "sbom.cdx.json"
    assert summary.component_count == len(document["components"]) == 9
    assert listed(document) == LIB_AND_BIN_CRATES
    assert document["bomFormat"] == "CycloneDX"
    assert document["serialNumber"].startswith("urn:uuid:")
    tools = document["metadata"]["tools"]["components"]
    assert tools == [{"type": "application", "name": "classic-bp", "version": __version__}]

    serde_json = by_purl(document)[SERDE_JSON_PURL]
    assert (serde_json["type"], serde_json["name"], serde_json["version"]) == (
        "library",
        "serde_json",
        "1.0.87",
    )
    assert serde_json["hashes"] == [{"alg": "SHA-256", "content": lock_checksum(app, "serde_json")}]
    assert serde_json["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert serde_json["description"] == "A JSON serialization file format"


def test_lib_and_bin_root_application_and_dependency_graph(lib_and_bin, tmp_path: Path) -> None:
    app, environment = lib_and_bin
    _, document = generate(app, environment, tmp_path / "sbom.json")

    root = document["metadata"]["component"]
    assert root == {"type": "application", "bom-ref": "vs@0.1.0", "name": "vs", "version": "0.1.0"}
    assert "vs" not in {c["name"] for c in document["components"]}
    graph = edges(document)
    assert graph["vs@0.1.0"] == ["pkg:cargo/serde@1.0.152", SERDE_JSON_PURL]
    assert graph[SERDE_JSON_PURL] == [
        "pkg:cargo/itoa@1.0.1",
        "pkg:cargo/ryu@1.0.2",
        "pkg:cargo/serde@1.0.152",
    ]
    assert graph["pkg:cargo/unicode-ident@1.0.0"] == []  # a leaf is listed, with no deps
    refs = {c["bom-ref"] for c in document["components"]} | {root["bom-ref"]}
    assert set(graph) == refs
    assert all(dep in refs for deps in graph.values() for dep in deps)


def test_lib_and_bin_licenses_are_valid_spdx(lib_and_bin, tmp_path: Path) -> None:
    from license_expression import get_spdx_licensing

    app, environment = lib_and_bin
    _, document = generate(app, environment, tmp_path / "sbom.json")
    licensing = get_spdx_licensing()
    assert listed(document) == LIB_AND_BIN_CRATES
    for entry in document["components"]:
        (choice,) = entry["licenses"]
        assert licensing.validate(choice["expression"]).errors == [], entry["name"]


def test_output_is_deterministic_but_serial_and_time(lib_and_bin, tmp_path: Path) -> None:
    app, environment = lib_and_bin
    first = generate(app, environment, tmp_path / "one.json")[1]
    second = generate(app, environment, tmp_path / "two.json")[1]

    assert first["serialNumber"] != second["serialNumber"]
    assert listed(first) == LIB_AND_BIN_CRATES
    for document in (first, second):
        del document["serialNumber"], document["metadata"]["timestamp"]
    assert first == second
    assert not list(tmp_path.glob("*.partial"))


def test_a_15_consumer_reads_the_same_document(lib_and_bin, validators, tmp_path: Path) -> None:
    """Everything used exists in CycloneDX 1.5 too, so downgrading is one field."""
    app, environment = lib_and_bin
    _, document = generate(app, environment, tmp_path / "sbom.json")
    assert_valid(validators, {**document, "specVersion": "1.5"})


# --------------------------------------------------------------------------
# Cargo.lock alone, when cargo metadata cannot run
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "failing"])
def test_cargo_lock_fallback_is_valid(
    kind: str, lib_and_bin, validators, tmp_path: Path, capsys
) -> None:
    app, environment = lib_and_bin
    _, reference = generate(app, environment, tmp_path / "metadata.json")
    cargo = broken_cargo(tmp_path, kind)

    summary, document = generate(app, environment, tmp_path / "lock.json", cargo)

    assert_valid(validators, document)
    assert summary.used_cargo_metadata is False
    assert summary.component_count == 9
    assert listed(document) == LIB_AND_BIN_CRATES
    serde_json = by_purl(document)[SERDE_JSON_PURL]
    assert serde_json["hashes"][0]["content"] == lock_checksum(app, "serde_json")
    assert "licenses" not in serde_json
    assert document["metadata"]["component"]["bom-ref"] == "vs@0.1.0"
    assert edges(document) == edges(reference)
    (note,) = document["metadata"]["properties"]
    assert note["value"].startswith("Cargo.lock only")
    assert "`cargo metadata` failed" in capsys.readouterr().err


# --------------------------------------------------------------------------
# cargo metadata beside cargo's build (early_metadata.py)
# --------------------------------------------------------------------------


def without_identity(document: dict[str, Any]) -> dict[str, Any]:
    """The document minus what differs between two identical builds."""
    del document["serialNumber"], document["metadata"]["timestamp"]
    return document


def test_metadata_run_beside_the_build_gives_the_same_document(lib_and_bin, tmp_path: Path) -> None:
    app, environment = lib_and_bin
    _, after_the_build = generate(app, environment, tmp_path / "after.json")
    early = MetadataBesideBuild(CARGO, environment)
    early.start(app)
    early.start(tmp_path / "elsewhere")  # started once: later starts change nothing
    answer = early.answer()
    assert answer is not None and answer.metadata is not None, answer

    summary = sbom.write_sbom(app, CARGO, environment, tmp_path / "beside.json", answer)

    assert summary.used_cargo_metadata is True
    beside = json.loads((tmp_path / "beside.json").read_text(encoding="utf-8"))
    assert listed(beside) == LIB_AND_BIN_CRATES
    assert without_identity(beside) == without_identity(after_the_build)


def test_metadata_never_started_beside_the_build_runs_in_the_sbom_step(
    lib_and_bin, tmp_path: Path
) -> None:
    """A build that failed before cargo reported anything never started it."""
    app, environment = lib_and_bin
    early = MetadataBesideBuild(tmp_path / "no-such-cargo", environment)
    assert early.answer() is None

    summary = sbom.write_sbom(app, CARGO, environment, tmp_path / "s.json", early.answer())

    assert summary.used_cargo_metadata is True
    assert listed(json.loads((tmp_path / "s.json").read_text())) == LIB_AND_BIN_CRATES


def test_a_failure_beside_the_build_is_run_again_after_it(lib_and_bin, tmp_path: Path) -> None:
    """An offline run that needed the network after all downloads a crate only
    in its online run: a failure beside the build says nothing about after it."""
    app, environment = lib_and_bin
    early = MetadataBesideBuild(broken_cargo(tmp_path, "failing"), environment)
    early.start(app)
    assert early.answer() is None

    summary = sbom.write_sbom(app, CARGO, environment, tmp_path / "s.json", early.answer())

    assert summary.used_cargo_metadata is True
    assert listed(json.loads((tmp_path / "s.json").read_text())) == LIB_AND_BIN_CRATES


def test_no_lockfile_is_a_build_error(tmp_path: Path) -> None:
    from classic_bp.errors import BuildError

    shutil.copy(APPS / "lib-and-bin" / "Cargo.toml", tmp_path / "Cargo.toml")
    with pytest.raises(BuildError) as raised:
        sbom.write_sbom(tmp_path, tmp_path / "no-cargo", {}, tmp_path / "sbom.json")
    assert raised.value.reason is Reason.MISSING_CARGO_LOCK


def test_unreadable_lockfile_is_a_build_error(tmp_path: Path) -> None:
    from classic_bp.errors import BuildError

    shutil.copy(APPS / "lib-and-bin" / "Cargo.toml", tmp_path / "Cargo.toml")
    (tmp_path / "Cargo.lock").write_text("[[package]\n")
    with pytest.raises(BuildError) as raised:
        sbom.write_sbom(tmp_path, tmp_path / "no-cargo", {}, tmp_path / "sbom.json")
    assert raised.value.reason is Reason.INVALID_CARGO_LOCK
    assert "Cargo.lock" in raised.value.message


# --------------------------------------------------------------------------
# Workspaces and path packages
# --------------------------------------------------------------------------


@pytest.mark.parametrize("with_cargo", [True, False], ids=["metadata", "lockfile"])
def test_workspace_of_path_packages(with_cargo: bool, validators, tmp_path: Path, capsys) -> None:
    app = tmp_path / "app"
    shutil.copytree(APPS / "workspace", app)
    cargo = CARGO if with_cargo else tmp_path / "no-cargo"

    summary, document = generate(
        app, cargo_environment(tmp_path / "home"), tmp_path / "s.json", cargo
    )

    assert_valid(validators, document)
    assert summary.used_cargo_metadata is with_cargo
    assert document["components"] == [
        {"type": "library", "bom-ref": "shared@0.1.0", "name": "shared", "version": "0.1.0"}
    ]  # path packages: no purl, no hash
    root = document["metadata"]["component"]
    assert root["name"] == "web-server, worker-server"
    assert [c["bom-ref"] for c in root["components"]] == ["web-server@0.1.0", "worker-server@0.1.0"]
    assert all(c["type"] == "application" and "purl" not in c for c in root["components"])
    assert edges(document) == {
        root["bom-ref"]: ["web-server@0.1.0", "worker-server@0.1.0"],
        "shared@0.1.0": [],
        "web-server@0.1.0": ["shared@0.1.0"],
        "worker-server@0.1.0": ["shared@0.1.0"],
    }


def write_package(directory: Path, name: str, extra: str = "", binary: bool = False) -> None:
    (directory / "src").mkdir(parents=True)
    manifest = f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n{extra}'
    (directory / "Cargo.toml").write_text(manifest)
    (directory / "src" / ("main.rs" if binary else "lib.rs")).write_text("")


@pytest.mark.parametrize("with_cargo", [True, False], ids=["metadata", "lockfile"])
def test_dev_dependencies_are_left_out(with_cargo: bool, validators, tmp_path: Path) -> None:
    """Normal and build dependencies are listed; dev-only ones are not, in both modes."""
    app = tmp_path / "app"
    write_package(
        app,
        "server",
        '[dependencies]\ncore = { path = "core" }\n\n'
        '[build-dependencies]\ncodegen = { path = "codegen" }\n\n'
        '[dev-dependencies]\ntestkit = { path = "testkit" }\n'
        'core = { path = "core" }\n',
        binary=True,
    )
    for name in ("core", "codegen", "testkit"):
        write_package(app / name, name)
    environment = cargo_environment(tmp_path / "home")
    run_cargo(["generate-lockfile", "--offline"], app, environment)
    cargo = CARGO if with_cargo else tmp_path / "no-cargo"

    summary, document = generate(app, environment, tmp_path / "s.json", cargo)

    assert_valid(validators, document)
    assert summary.used_cargo_metadata is with_cargo
    assert [c["name"] for c in document["components"]] == ["codegen", "core"]
    assert edges(document)["server@0.1.0"] == ["codegen@0.1.0", "core@0.1.0"]


# --------------------------------------------------------------------------
# Platform-specific dependencies: only the built platform's, and offline
# --------------------------------------------------------------------------


def host_triple() -> str:
    completed = subprocess.run(
        [str(CARGO), "-vV"],
        env=cargo_environment(Path("/nonexistent")),
        capture_output=True,
        text=True,
        check=True,
    )
    return next(line[6:] for line in completed.stdout.splitlines() if line.startswith("host: "))


@pytest.mark.parametrize("beside", ["rustc", "nothing"])
def test_the_host_comes_from_rustc_beside_cargo_else_from_cargo(
    beside: str, tmp_path: Path
) -> None:
    """rustc -vV answers without cargo -vV's OS probe (lsb_release); a cargo with
    no rustc beside it is still asked itself."""
    from classic_bp.slug.dependency_graph import _host_target

    (tmp_path / "cargo").symlink_to(CARGO)
    if beside == "rustc":
        (tmp_path / "rustc").symlink_to(CARGO.with_name("rustc"))
    environment = cargo_environment(Path("/nonexistent"))
    assert _host_target(tmp_path / "cargo", environment, counted=False) == host_triple()


def test_only_the_built_platform_is_listed_and_metadata_stays_offline(
    registry_root: Path, validators, tmp_path: Path
) -> None:
    """socket2 needs winapi on Windows only. A build downloads no winapi, and plain
    ``cargo metadata --offline`` then fails for lack of it: --filter-platform is
    what makes the offline run work (and keeps winapi out of the SBOM)."""
    app = tmp_path / "app"
    write_package(app, "sock", '[dependencies]\nsocket2 = "0.4"\n', binary=True)
    # What `cargo install` downloads on this host: the host platform's crates only.
    environment = warm_app(registry_root, app, tmp_path / "home", ["--target", host_triple()])

    summary, document = generate(app, environment, tmp_path / "s.json")

    assert_valid(validators, document)
    assert summary.used_cargo_metadata is True
    assert sorted(c["name"] for c in document["components"]) == ["libc", "socket2"]
    assert host_triple() in document["metadata"]["properties"][0]["value"]

    _, fallback = generate(app, environment, tmp_path / "f.json", tmp_path / "no-cargo")
    assert "winapi" in {c["name"] for c in fallback["components"]}  # every platform


# --------------------------------------------------------------------------
# Package URLs and licences
# --------------------------------------------------------------------------


def crate(source: str | None, name: str = "foo", version: str = "1.2.3") -> sbom.Crate:
    return sbom.Crate(name=name, version=version, source=source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("registry+https://github.com/rust-lang/crates.io-index", "pkg:cargo/foo@1.2.3"),
        ("sparse+https://index.crates.io/", "pkg:cargo/foo@1.2.3"),
        (
            "sparse+https://crates.example.com/index/",
            "pkg:cargo/foo@1.2.3?repository_url=https://crates.example.com/index/",
        ),
        (
            "git+https://github.com/acme/foo?branch=main#0123abcd",
            "pkg:cargo/foo@1.2.3?vcs_url=git%2Bhttps://github.com/acme/foo%400123abcd",
        ),
        ("path+file:///app/crates/foo", None),
        (None, None),
    ],
)
def test_package_urls(source: str | None, expected: str | None) -> None:
    assert sbom.package_url(crate(source)) == expected


def test_package_urls_parse_back() -> None:
    """A purl library reads back the name, version and qualifiers written."""
    from packageurl import PackageURL

    git = "git+https://github.com/acme/foo?rev=v1#0123abcd"
    parsed = PackageURL.from_string(sbom.package_url(crate(git, version="1.0.0+build.5")))
    assert (parsed.type, parsed.name, parsed.version) == ("cargo", "foo", "1.0.0+build.5")
    assert parsed.qualifiers == {"vcs_url": "git+https://github.com/acme/foo@0123abcd"}


@pytest.mark.parametrize(
    ("declared", "expression"),
    [
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
        ("MIT / Apache-2.0", "MIT OR Apache-2.0"),
    ],
)
def test_legacy_license_separator(declared: str, expression: str) -> None:
    assert sbom.spdx_expression(declared) == expression


def test_license_file_and_checksum_in_a_component(validators) -> None:
    checksum = "AB" * 32
    foo = sbom.Crate(
        "foo",
        "1.0.0",
        "registry+https://github.com/rust-lang/crates.io-index",
        checksum=checksum,
        license_file="/registry/src/foo-1.0.0/LICENSE.txt",
        description="  Many\n   lines  ",
    )
    graph = sbom.DependencyGraph(
        crates={"app": crate(None, "app"), "foo": foo},
        edges={"app": ("foo",)},
        roots=("app",),
        source_note="test",
    )

    document = sbom.build_document(graph, uuid.uuid4().urn, "2026-01-01T00:00:00Z")

    assert_valid(validators, document)
    (entry,) = document["components"]
    assert entry["licenses"] == [{"license": {"name": "LICENSE.txt"}}]
    assert entry["hashes"] == [{"alg": "SHA-256", "content": checksum.lower()}]
    assert entry["description"] == "Many lines"


def test_the_schema_is_strict_and_its_references_resolve(validators) -> None:
    """Not a vacuous check: unknown fields, bad hashes and (through the local
    spdx schema) unknown licence ids are rejected."""
    graph = sbom.DependencyGraph(
        crates={"app": crate(None, "app")}, edges={}, roots=("app",), source_note="test"
    )
    document = sbom.build_document(graph, uuid.uuid4().urn, "2026-01-01T00:00:00Z")
    assert_valid(validators, document)
    validator = validators["1.6"]
    app = document["metadata"]["component"]
    for broken in (
        {**app, "unknown": 1},
        {**app, "hashes": [{"alg": "SHA-256", "content": "not hex"}]},
        {**app, "licenses": [{"license": {"id": "Not-A-Licence"}}]},
    ):
        assert not validator.is_valid({**document, "metadata": {"component": broken}})
    assert not validator.is_valid({**document, "serialNumber": "1234"})
    assert not validator.is_valid({**document, "metadata": {"timestamp": "yesterday"}})


def test_serial_numbers_are_random_version_4_uuids() -> None:
    """Made without the uuid module (an import on every build): the standard
    library must read each as a version 4 UUID of RFC 4122's variant."""
    serials = {sbom.serial_number() for _ in range(200)}
    assert len(serials) == 200
    for serial in serials:
        parsed = uuid.UUID(serial)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert parsed.urn == serial


def test_the_file_reads_line_by_line_and_parses_to_the_document(
    lib_and_bin, tmp_path: Path
) -> None:
    """One component per line (a diff between two builds shows the crates that
    changed), written with json's C encoder rather than indent=2's Python one."""
    app, environment = lib_and_bin
    path = tmp_path / "sbom.cdx.json"
    document = generate(app, environment, path)[1]
    lines = path.read_text(encoding="utf-8").splitlines()

    component_lines = [line for line in lines if '"bom-ref": "pkg:cargo/' in line]
    assert len(component_lines) >= len(document["components"])
    for component in document["components"]:
        line = f"    {json.dumps(component, ensure_ascii=False)}"
        assert line in lines or f"{line}," in lines
    assert lines[0] == "{" and lines[-1] == "}"
    assert '  "bomFormat": "CycloneDX",' in lines


@pytest.mark.parametrize(
    "document",
    [
        {"a": [], "b": {"c": [1, 2]}, "d": "née ✓", "e": None},
        {"components": [{"name": "x"}], "only": [1]},
        {},
    ],
)
def test_document_text_is_the_same_json(document: dict[str, Any]) -> None:
    text = sbom.document_text(document)
    assert json.loads(text) == document
    assert text.endswith("}\n")
