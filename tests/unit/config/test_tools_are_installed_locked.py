"""Build tools (BP_CARGO_INSTALL_TOOLS) are installed with `--locked`, unless their
arguments already say `--locked` or `--frozen` (config/tools.py).
"""

from __future__ import annotations

import pytest

from classic_bp.config.tools import plan_tools


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (None, ("--locked",)),
        ("--features x", ("--locked", "--features", "x")),
        ("--frozen", ("--frozen",)),
        ("--locked --no-default-features", ("--locked", "--no-default-features")),
    ],
)
def test_tools_are_installed_with_locked(arguments: str | None, expected: tuple) -> None:
    assert plan_tools("diesel_cli", arguments).install_arguments == expected
