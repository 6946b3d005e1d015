"""Which toolchain an app asks for (config/toolchain_request.py).

Its toolchain files first, in rustup's order, then BP_RUST_TOOLCHAIN; a
channel is exact or moves with new releases; a `path` toolchain is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.config import toolchain_request


@pytest.mark.parametrize(
    ("channel", "exact"),
    [
        ("stable", False),
        ("1.95", False),
        ("1.95.0", True),
        ("nightly-2026-01-01", True),
        ("beta", False),
        ("1.95.0-x86_64-unknown-linux-gnu", True),
    ],
)
def test_toolchain_names(tmp_path: Path, channel: str, exact: bool) -> None:
    request = toolchain_request.resolve(tmp_path, channel)
    assert request.channel == channel
    assert request.is_exact is exact


def test_toolchain_files_win_over_the_variable_in_rustups_order(tmp_path: Path) -> None:
    (tmp_path / "rust-toolchain.toml").write_text(
        '[toolchain]\nchannel = "1.95.0"\ncomponents = ["clippy"]\ntargets = ["wasm32-wasip1"]\n'
    )
    request = toolchain_request.resolve(tmp_path, "nightly")
    assert (request.channel, request.components, request.targets) == (
        "1.95.0",
        ("clippy",),
        ("wasm32-wasip1",),
    )
    (tmp_path / "rust-toolchain").write_text("1.94.1\n")  # legacy file: rustup prefers it
    assert toolchain_request.resolve(tmp_path, None).channel == "1.94.1"


def test_a_path_toolchain_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rust-toolchain.toml").write_text('[toolchain]\npath = "/opt/rust"\n')
    with pytest.raises(errors.BuildError, match="`path` toolchains"):
        toolchain_request.resolve(tmp_path, None)
