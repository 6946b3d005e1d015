"""The app's binaries are the executables cargo reports building (cargo/pruning.py).

Binaries and examples count, build scripts and libraries do not; two
packages building one binary name are a clash naming both manifests.
"""

from __future__ import annotations

import json

from classic_bp.cargo.pruning import CargoUnits


def _artifact(name: str, kind: str, manifest: str, executable: str | None) -> str:
    return json.dumps(
        {
            "reason": "compiler-artifact",
            "manifest_path": manifest,
            "target": {"name": name, "kind": [kind]},
            "filenames": [f"/t/release/deps/{name}-0123456789abcdef"],
            "executable": executable,
        }
    )


def test_binaries_come_from_cargo_messages_and_clashes_are_found() -> None:
    units = CargoUnits()
    messages = [
        _artifact("web", "bin", "/app/a/Cargo.toml", "/t/release/web"),
        _artifact("worker", "bin", "/app/a/Cargo.toml", "/t/release/worker"),
        _artifact("demo", "example", "/app/a/Cargo.toml", "/t/release/examples/demo"),
        _artifact("build-script-build", "custom-build", "/app/a/Cargo.toml", "/t/build/x"),
        _artifact("shared", "lib", "/app/s/Cargo.toml", None),
        _artifact("web", "bin", "/app/b/Cargo.toml", "/t/release/web"),
        "   Compiling web v0.1.0",
    ]
    assert [units.add_message(line) for line in messages] == [True] * 6 + [False]
    assert sorted(units.executables) == ["demo", "web", "worker"]
    assert units.clashes() == {"web": ["/app/a/Cargo.toml", "/app/b/Cargo.toml"]}


def test_units_found_fresh_are_not_counted_as_compiled() -> None:
    """A no-change rebuild compiles nothing: then the last build's reading of the
    target dir still holds (build.py). A message without "fresh" counts as
    compiled: when unsure, read again."""
    units = CargoUnits()
    fresh = json.loads(_artifact("web", "bin", "/app/Cargo.toml", "/t/release/web"))
    for message in ({**fresh, "fresh": True}, {**fresh, "fresh": True}):
        units.add_message(json.dumps(message))
    assert units.compiled == 0
    units.add_message(json.dumps({**fresh, "fresh": False}))
    units.add_message(json.dumps(fresh))
    units.add_message(json.dumps({"reason": "build-script-executed", "package_id": "x"}))
    assert units.compiled == 2
