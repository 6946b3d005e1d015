"""Files are read as cargo and the platforms read them: a UTF-8 byte order mark
in Cargo.toml, a byte order mark and CRLF line endings in the Procfile.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classic_bp.config.procfile import read_process_types
from classic_bp.config.project import load_project
from platform_runner import Platform
from tests.assertions import assert_user_error, error_message
from tests.inputs.early_stops import STOP


def test_a_byte_order_mark_in_cargo_toml_is_read_as_cargo_reads_it(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.rs").write_text("fn main() {}\n")
    (tmp_path / "Cargo.toml").write_bytes(
        b'\xef\xbb\xbf[package]\r\nname = "bom"\r\nversion = "0.1.0"\r\n'
    )
    project = load_project(tmp_path)
    assert project.binaries() == ("bom",)


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfweb: bin/web --port $PORT\nworker: bin/worker\n",
        b"web: bin/web --port $PORT\r\nworker: bin/worker\r\n",
        b"\xef\xbb\xbfweb: bin/web --port $PORT\r\nworker: bin/worker",
    ],
)
def test_a_procfile_with_a_bom_or_crlf_keeps_its_web_line(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "Procfile").write_bytes(content)
    assert read_process_types(tmp_path) == {
        "web": "bin/web --port $PORT",
        "worker": "bin/worker",
    }


def test_a_bom_cargo_toml_passes_the_configuration_step(platform: Platform) -> None:
    build_dir = platform.new_build_dir("web-std")
    manifest = build_dir / "Cargo.toml"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    platform.set_config(**STOP)
    result = platform.compile(build_dir)
    assert_user_error(result, "BP_RUST_TOOLCHAIN")
    assert "Could not read the Cargo manifest" not in error_message(result)
