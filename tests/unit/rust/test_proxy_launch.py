"""cargo started from its toolchain's folder gets what rustup's proxy would give it.

The build runs the toolchain's cargo itself instead of rustup's proxy
(rust/proxy_launch.py). Each case here runs the real proxy (the rustup binary
of the rustup mirror, named ``cargo``) on a toolchain whose ``bin/cargo``
prints its environment, and compares that with what the build gives the same
cargo from the same environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from classic_bp.rust.environment import RustInstall

TOOLCHAIN = "printenv-toolchain"


@pytest.fixture(scope="module")
def proxy_setup(rustup_mirror, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """rustup's proxy for cargo, and RUSTUP_HOME with a toolchain whose cargo
    prints its environment (a custom toolchain: a folder rustup runs from)."""
    root = tmp_path_factory.mktemp("proxy")
    proxies = root / "proxies"
    proxies.mkdir()
    rustup_init = next(Path(rustup_mirror.root).glob("rustup/dist/*/rustup-init"))
    shutil.copy(rustup_init, proxies / "rustup")
    (proxies / "cargo").symlink_to("rustup")
    rustup_home = root / "rustup"
    cargo = rustup_home / "toolchains" / TOOLCHAIN / "bin" / "cargo"
    cargo.parent.mkdir(parents=True)
    cargo.write_text("#!/bin/sh\nexec env -0\n")
    cargo.chmod(0o755)
    return proxies, rustup_home


def _environment_seen(command: Path, environment: dict[str, str]) -> dict[str, str]:
    printed = subprocess.run(
        [str(command)], env=environment, capture_output=True, check=True, cwd="/"
    ).stdout.decode()
    return dict(entry.split("=", 1) for entry in printed.split("\0") if entry)


@pytest.mark.parametrize(
    "before",
    [
        {},
        {"LD_LIBRARY_PATH": "/opt/lib:/usr/local/lib", "RUST_RECURSION_COUNT": "2"},
        {"LD_LIBRARY_PATH": ""},
        {"LD_LIBRARY_PATH": "::/opt/lib"},
        {"LD_LIBRARY_PATH": "/opt/lib:{toolchain}/lib/"},
        {"PATH": "{proxies}:/usr/bin:{cargo_home}/bin/"},
        {"PATH": "{proxies}::/usr/bin:/bin:"},
        {"RUST_RECURSION_COUNT": "not a number"},
    ],
    ids=[
        "plain",
        "library-path-and-recursion",
        "empty-library-path",
        "library-path-with-empty-entries",
        "toolchain-lib-already-listed",
        "cargo-home-bin-already-on-path",
        "path-with-empty-entries",
        "odd-recursion-count",
    ],
)
def test_cargo_gets_the_environment_rustups_proxy_gives_it(
    proxy_setup: tuple[Path, Path], tmp_path: Path, before: dict[str, str]
) -> None:
    proxies, rustup_home = proxy_setup
    toolchain = rustup_home / "toolchains" / TOOLCHAIN
    cargo_home = tmp_path / "cargo-home"
    places = {"proxies": proxies, "toolchain": toolchain, "cargo_home": cargo_home}
    environment = {
        "PATH": f"{proxies}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CARGO_HOME": str(cargo_home),
        "RUSTUP_HOME": str(rustup_home),
        "RUSTUP_TOOLCHAIN": TOOLCHAIN,
        **{name: value.format(**places) for name, value in before.items()},
    }
    rust = RustInstall("rustc 1.95.0", proxies, toolchain_dir=toolchain)

    through_proxy = _environment_seen(proxies / "cargo", environment)
    started_directly = _environment_seen(rust.cargo, rust.cargo_env(environment))

    assert rust.cargo == toolchain / "bin" / "cargo"
    assert started_directly == through_proxy
    assert through_proxy["LD_LIBRARY_PATH"].split(os.pathsep)[0] in (
        str(toolchain / "lib"),
        "/opt/lib",  # already listed further on: left as it was
    )


def test_a_rust_without_rustup_runs_its_cargo_as_it_is(tmp_path: Path) -> None:
    """The standalone install (BP_RUSTUP_ENABLED=false) has no proxy to stand in for."""
    rust = RustInstall("rustc 1.95.0", tmp_path / "bin")
    environment = {"PATH": "/usr/bin", "LD_LIBRARY_PATH": "/opt/lib"}
    assert rust.cargo == tmp_path / "bin" / "cargo"
    assert rust.cargo_env(environment) == environment
