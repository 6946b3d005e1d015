"""toml_subset.py, the TOML reader of Python 3.10 builds, against tomllib.

For every document it answers for, its answer is tomllib's; every document
tomllib refuses, it leaves to tomli (``Unsupported``). The corpus is what
builds read: the sample apps' manifests, lockfiles and toolchain files, the
real crates of the crates.io stand-in, rustup's channel manifests; plus the
cases below, and CPython's own tomllib test data where this Python has it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from classic_bp import toml_compat, toml_subset
from classic_bp.errors import Reason
from platform_runner import APPS_DIR
from toml_reader import tomllib  # tomli under its old name on 3.10

VALID = {
    "manifest": """
# A comment
[package]
name = "app"  # trailing comment
version = "0.1.0"
authors = [
  "A <a@example.com>",  # one
  'B',
]
description = \"\"\"
One line, \\
    continued; "quoted" and \\u00e9\"\"\"
readme = '''
raw \\n stays'''
[dependencies]
serde = { version = "1", features = ["derive"], default-features = false }
tokio.workspace = true
tokio.features = ["full"]
"dotted.name" = "1"
[target.'cfg(unix)'.dependencies]
libc = "0.2"
[target."cfg(windows)".dependencies.winapi]
version = "0.3"
[[bin]]
name = "web"
[[bin]]
name = "worker"
path = "src/worker.rs"
[profile.release]
lto = true
opt-level = 3
codegen-units = 1_6
debug = -0
""",
    "toolchain": '[toolchain]\nchannel = "1.95.0"\ncomponents = [ "rustfmt", "clippy" ]\n',
    "crlf": '[package]\r\nname = "app"\r\nversion = "0.1.0"\r\n',
    "empty": "",
    "nested arrays": "a = [[1, 2], ['x'], [{b = true}], []]\n",
    "implicit then explicit": "[a.b.c]\nd = 1\n[a]\ne = 2\n",
    "array of tables with sub-table": "[[a]]\nb = 1\n[a.c]\nd = 2\n[[a]]\nb = 3\n",
    "escapes": 'a = "tab\\there \\"q\\" \\\\ \\U0001F600"\n',
    "two quotes inside": "a = \"\"\"one \"\" two\"\"\"\nb = '''it''s'''\n",
}

# Each is refused by tomllib; the reader must leave every one to tomli.
INVALID = {
    "duplicate key": "a = 1\na = 2\n",
    "table twice": "[a]\n[a]\n",
    "dotted then header": "a.b = 1\n[a]\n",
    "static array extended": "a = []\n[[a]]\n",
    "inline table extended": "a = {b = 1}\n[a.c]\n",
    "inline table dotted": "a = {b = 1}\na.c = 2\n",
    "value then table": "a = 1\n[a.b]\n",
    "no value": "a =\n",
    "two on a line": "a = 1 b = 2\n",
    "newline in string": 'a = "x\ny"\n',
    "unknown escape": 'a = "\\q"\n',
    "leading zero": "a = 01\n",
    "unclosed array": "a = [1, 2\n",
    "unclosed table": "[a\n",
    "control character": "a = 1 # \x01\n",
}

# Valid TOML the reader leaves to tomli (which then reads it).
LEFT_TO_TOMLI = {
    "float": "a = 1.5\n",
    "date": "[package.metadata]\nreleased = 2024-01-01\n",
    "hexadecimal": "a = 0x1f\n",
    "infinity": "a = inf\n",
    "exponent": "a = 1e3\n",
}


def _corpus() -> list[Path]:
    found = [
        path
        for pattern in ("**/*.toml", "**/Cargo.lock")
        for path in APPS_DIR.glob(pattern)
        if "target" not in path.parts
    ]
    from debian_crates import crate_sources
    from rustup_mirror import build_mirror, default_mirror_dir

    found += build_mirror(default_mirror_dir()).glob("dist/**/*.toml")
    found += crate_sources().glob("*/Cargo.toml")  # the crates.io stand-in's crates
    cpython = Path(tomllib.__file__).parent.parent / "test" / "test_tomllib" / "data"
    found += cpython.glob("**/*.toml")
    return found


def _verdict(text: str) -> object:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


@pytest.mark.parametrize("name", sorted(VALID))
def test_it_reads_what_cargo_files_hold_as_tomllib_does(name: str) -> None:
    assert toml_subset.loads(VALID[name]) == tomllib.loads(VALID[name])


@pytest.mark.parametrize("name", sorted(INVALID))
def test_it_leaves_every_invalid_document_to_tomli(name: str) -> None:
    assert _verdict(INVALID[name]) is None
    with pytest.raises(toml_subset.Unsupported):
        toml_subset.loads(INVALID[name])


@pytest.mark.parametrize("name", sorted(LEFT_TO_TOMLI))
def test_what_it_leaves_out_goes_to_tomli_and_reads_the_same(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(toml_subset.Unsupported):
        toml_subset.loads(LEFT_TO_TOMLI[name])
    # As on 3.10: toml_compat falls back to the full reader.
    monkeypatch.setattr(sys, "version_info", (3, 10, 12))
    monkeypatch.setattr(toml_compat, "_toml", lambda: tomllib)
    assert toml_compat.loads(LEFT_TO_TOMLI[name]) == tomllib.loads(LEFT_TO_TOMLI[name])


def test_every_file_a_build_reads_reads_as_with_tomllib() -> None:
    files = _corpus()
    answered = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        expected = _verdict(text)
        try:
            got = toml_subset.loads(text)
        except toml_subset.Unsupported:
            continue
        assert got == expected, path
        answered += 1
    cargo_files = [path for path in files if path.name in ("Cargo.toml", "Cargo.lock")]
    assert len(cargo_files) > 100
    unread = [
        path
        for path in cargo_files
        if _verdict(path.read_text(encoding="utf-8")) is not None
        and _reads(path.read_text(encoding="utf-8")) is False
    ]
    # Every valid Cargo file of the corpus is read here, not left to tomli.
    assert unread == []
    assert answered >= len(cargo_files) - 1  # the one deliberately broken manifest


def _reads(text: str) -> bool:
    try:
        toml_subset.loads(text)
    except toml_subset.Unsupported:
        return False
    return True


def test_on_310_a_file_beyond_the_reader_with_no_tomli_to_fetch_says_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """3.10, tomli not in the cache and the index unreachable: a manifest within
    the reader is read with no request; one beyond it fails naming the line and
    the fetch's problem, and an ``except TOMLDecodeError`` clause neither fetches
    nor matches on the way."""
    from classic_bp import errors
    from classic_bp.fetch import bootstrap, retry

    monkeypatch.setattr(sys, "version_info", (3, 10, 12, "final", 0))
    monkeypatch.setattr(bootstrap, "EARLY", ("tomli",))
    monkeypatch.setitem(sys.modules, "tomli", None)  # not importable
    monkeypatch.setattr(bootstrap, "_on_demand", (tmp_path, "http://127.0.0.1:9/simple"))
    monkeypatch.setattr(retry, "FIRST_BACKOFF_SECONDS", 0.01)
    manifest = '[package]\nname = "app"\nversion = "0.1.0"\n'
    assert toml_compat.loads(manifest) == tomllib.loads(manifest)
    assert not (tmp_path / "rust-buildpack-python").exists()

    dated = manifest + "\n[package.metadata.release]\ndate = 2026-11-30\n"
    with pytest.raises(errors.BuildError) as raised:
        try:
            toml_compat.loads(dated)
        except toml_compat.TOMLDecodeError:
            pytest.fail("the except clause matched")
    assert raised.value.reason is Reason.TOML_BEYOND_READER
    message = str(raised.value)
    assert "(line 6: a float, a date or a mistake)" in message
    assert "Could not fetch the buildpack's Python packages" in message
    assert "http://127.0.0.1:9/simple" in message


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is 3.11's")
def test_from_311_small_files_are_read_without_importing_tomllib() -> None:
    """What toml_compat reads with toml_subset first: a manifest costs no tomllib
    import; a file beyond the reader, an invalid one and a large one are
    tomllib's, value and error alike."""
    import subprocess

    lib = Path(toml_compat.__file__).resolve().parents[1]
    code = (
        f"import sys; sys.path.insert(0, {str(lib)!r});"
        "from classic_bp import toml_compat;"
        f"print(toml_compat.loads({VALID['manifest']!r})['package']['name'],"
        " 'tomllib' in sys.modules)"
    )
    answer = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    )
    assert answer.stdout.split() == ["app", "False"]
    for text in LEFT_TO_TOMLI.values():
        assert toml_compat.loads(text) == tomllib.loads(text)
    for text in INVALID.values():
        with pytest.raises(tomllib.TOMLDecodeError) as ours:
            toml_compat.loads(text)
        with pytest.raises(tomllib.TOMLDecodeError) as theirs:
            tomllib.loads(text)
        assert str(ours.value) == str(theirs.value)
    large = "".join(f'[[package]]\nname = "c{n}"\nversion = "1.0.{n}"\n\n' for n in range(400))
    assert len(large) > toml_compat.SMALL_FILE
    assert toml_compat.loads(large) == tomllib.loads(large)
