#!/usr/bin/env python3
"""What `make run` and `make test` do before anything else: check the machine, set it up.

Usage (from the Makefile; the repository root is the working directory)::

    python3 dev_env.py run  [--venv .venv]
    python3 dev_env.py test [--venv .venv]
    python3 dev_env.py bench [--venv .venv]
    python3 dev_env.py lint [--venv .venv]

Both commands must work on a fresh Debian 12 or Ubuntu 22.04/24.04 that has
python3, make, git, gcc and a Rust toolchain under ~/.rustup, with nothing
done first. So this script

- checks the prerequisites the README names (Python 3.10+, the Rust toolchain
  the local rustup mirror is made from, a C compiler for cargo's linking);
- for ``test`` (which needs root for the stack stand-ins): installs the
  Debian packages the suite needs (debootstrap, redis-server, git and
  openssh-server for the private git servers, postgresql, and the -dev
  packages the stacks carry); for ``bench``, the same
  without debootstrap when root, and otherwise prints the command that does it.
  The crate sources the crates.io stand-in is built from are no apt package:
  debian_crates.py fetches Debian 12's from the Debian archive when a test
  first needs them, the same on Debian and Ubuntu;
- creates the virtual environment ``.venv`` (never a system-wide ``pip
  install``: PEP 668 refuses it on Debian 12 and Ubuntu 24.04) and installs
  into it what the command needs: for ``run``, PyYAML (and tomli on
  Python 3.10); for ``test``, the project with its ``test`` extras; for
  ``bench``, those and matplotlib; ``lint`` needs only the venv of ``test``
  (ruff), without the Rust toolchain, the Debian packages or root. A stamp in
  the venv remembers what was installed, so later runs start at once and
  offline. A venv keeps running the Python it was made with, whatever
  ``PYTHON`` says: one made by another Python (``make test`` after
  ``make test PYTHON=/usr/bin/python3``) is made again, with a line saying
  so, so that the suite runs on the Python it was asked to run on.

A missing prerequisite is one sentence with its fix on stderr, exit 1, never a
traceback. Standard library only: it runs before the venv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
REPO_ROOT = TOOLS.parents[1]
sys.path.insert(0, str(TOOLS))

from prerequisites import (  # noqa: E402
    MissingPrerequisite,
    apt_install_command,
    check_rust_toolchain,
    is_root,
)

MINIMUM_PYTHON = (3, 10)
# What demo.py imports beyond the standard library (platform_runner reads the
# release YAML; the rustup mirror parses TOML, stdlib tomllib from 3.11 on).
RUN_REQUIREMENTS = ["pyyaml>=5.4", "tomli>=2.0; python_version < '3.11'"]
BENCH_REQUIREMENTS = ["matplotlib>=3.5"]
STAMP_PREFIX = ".classic-bp-installed-"
PIP = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check")
# Which Python a venv runs on, printed by its own python: as running_python() says it.
WHICH_PYTHON = "import platform, sys; print(platform.python_version(), 'from', sys.base_prefix)"


def say(text: str) -> None:
    print(f"make: {text}", flush=True)


def check_python() -> None:
    if sys.version_info < MINIMUM_PYTHON:
        raise MissingPrerequisite(
            f"This project needs python3 3.10 or newer and {sys.executable} is"
            f" {sys.version.split()[0]}: install a newer python3 or run"
            " `make PYTHON=python3.X ...` with one."
        )


def check_c_compiler() -> None:
    if not any(shutil.which(name) for name in ("cc", "gcc")):
        raise MissingPrerequisite(
            "cargo links Rust programs with the system C compiler, and there is no cc or gcc"
            f" on PATH: run `{apt_install_command(['gcc', 'libc6-dev'])}`."
        )


# --------------------------------------------------------------------------
# Debian packages (make test)
# --------------------------------------------------------------------------


def test_packages() -> list[str]:
    """What the suite needs from apt: the stack stand-ins (debootstrap, and the
    keys the Debian 12 one is checked with, which Ubuntu lacks), sccache's
    backend, the private git servers (git http-backend, sshd and the ssh
    client), the database of the apps that use one (postgresql), and what
    the stacks carry for -sys crates (libpq-dev, libssl-dev, pkg-config);
    the same names on Debian and Ubuntu."""
    return [
        "debootstrap",
        "redis-server",
        "git",
        "openssh-server",
        "openssh-client",
        "debian-archive-keyring",
        "postgresql",
        "libpq-dev",
        "libssl-dev",
        "pkg-config",
    ]


def missing_packages(packages: list[str]) -> list[str]:
    """The packages dpkg does not list as installed."""
    result = subprocess.run(
        ["dpkg-query", "--show", "--showformat=${Package} ${db:Status-Status}\n", *packages],
        capture_output=True,
        text=True,
    )
    installed = {
        line.split()[0] for line in result.stdout.splitlines() if line.split()[1:] == ["installed"]
    }
    return [name for name in packages if name not in installed]


def packages_count(names: list[str]) -> str:
    return f"{len(names)} Debian package{'' if len(names) == 1 else 's'}"


def ensure_apt_packages(packages: list[str], why: str) -> None:
    """Install what is missing when root; otherwise say which command does it."""
    if shutil.which("dpkg-query") is None or shutil.which("apt-get") is None:
        raise MissingPrerequisite(
            f"{why} needs Debian packages, and this machine has no apt: use Debian 12"
            " or Ubuntu 22.04/24.04 (or install the same tools by hand: see .ci/run)."
        )
    missing = missing_packages(packages)
    if not missing:
        return
    if not is_root():
        raise MissingPrerequisite(
            f"{why} needs {packages_count(missing)} that are not installed:"
            f" run `{apt_install_command(missing)}`, then the same make command again."
        )
    say(
        f"installing {packages_count(missing)}: {' '.join(missing[:6])}"
        + (" ..." if len(missing) > 6 else "")
    )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    result = subprocess.run(install, env=env, stdout=subprocess.DEVNULL)
    if result.returncode == 0:
        return
    raise MissingPrerequisite(
        f"apt-get could not install the packages {why} needs (see above):"
        f" fix apt, then run `{apt_install_command(missing)}`."
    )


# --------------------------------------------------------------------------
# The virtual environment
# --------------------------------------------------------------------------


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def running_python() -> str:
    """This Python, as ``WHICH_PYTHON`` prints a venv's: its version and installation."""
    return f"{platform.python_version()} from {sys.base_prefix}"


def venv_made_by(venv: Path) -> str | None:
    """The Python the venv's python runs on, or None when there is none that starts."""
    python = venv_python(venv)
    if not python.exists():
        return None
    probe = subprocess.run([str(python), "-c", WHICH_PYTHON], capture_output=True, text=True)
    return probe.stdout.strip() if probe.returncode == 0 else None


def venv_works(venv: Path) -> bool:
    """A venv whose python and pip both start (a half-made one does not)."""
    python = venv_python(venv)
    if not python.exists():
        return False
    probe = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True)
    return probe.returncode == 0


def venv_module_hint() -> str:
    """How to get a working ``python3 -m venv`` for this interpreter."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if sys.executable.startswith("/usr/bin/"):
        return f"run `{apt_install_command([f'python{version}-venv'])}`"
    return f"install the venv module (ensurepip) for {sys.executable}"


def create_venv(venv: Path, install_venv_package: bool) -> None:
    """``python3 -m venv``, after checking it can work (Debian ships ensurepip apart)."""
    if importlib.util.find_spec("ensurepip") is None or importlib.util.find_spec("venv") is None:
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        package = f"python{version}-venv"
        if install_venv_package and is_root() and sys.executable.startswith("/usr/bin/"):
            ensure_apt_packages([package], "Creating the virtual environment")
        else:
            raise MissingPrerequisite(
                "make keeps the project's Python packages in a virtual environment, and"
                f" Python's venv module is missing: {venv_module_hint()}, then run the same"
                " make command again."
            )
    if venv.exists():
        shutil.rmtree(venv)
    say(f"creating the virtual environment {venv} (once)")
    result = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
    if result.returncode != 0 or not venv_works(venv):
        shutil.rmtree(venv, ignore_errors=True)
        lines = result.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        raise MissingPrerequisite(
            f"`{sys.executable} -m venv {venv}` failed ({lines[-1].strip()}):"
            f" {venv_module_hint()}, then run the same make command again."
        )


def requirements(purpose: str) -> list[str]:
    """What ``pip install`` gets for a purpose, in the venv."""
    if purpose == "run":
        return RUN_REQUIREMENTS
    editable = ["-e", f"{REPO_ROOT}[test]"]
    return editable if purpose == "test" else [*editable, *BENCH_REQUIREMENTS]


def stamp_text(purpose: str) -> str:
    """Changes when what would be installed changes (pyproject.toml included)."""
    digest = hashlib.sha256("\n".join(requirements(purpose)).encode())
    digest.update((REPO_ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest() + "\n"


def installed(venv: Path, purpose: str) -> bool:
    """Whether the venv already holds what ``purpose`` needs (``bench`` covers ``test``...)."""
    covering = {"run": ("run", "test", "bench"), "test": ("test", "bench"), "bench": ("bench",)}
    for candidate in covering[purpose]:
        stamp = venv / f"{STAMP_PREFIX}{candidate}"
        if stamp.is_file() and stamp.read_text() == stamp_text(candidate):
            return True
    return False


def ensure_venv(venv: Path, purpose: str) -> Path:
    """The venv's python, with what ``purpose`` needs installed (once)."""
    made_by = venv_made_by(venv)
    if made_by not in (None, running_python()):
        say(
            f"the virtual environment {venv} runs Python {made_by}, not this one:"
            f" making it again with {sys.executable} (Python {running_python()})"
        )
        shutil.rmtree(venv)
    elif installed(venv, purpose) and venv_works(venv):
        return venv_python(venv)
    if not venv_works(venv):
        create_venv(venv, install_venv_package=purpose != "run")
    wanted = requirements(purpose)
    say(f"installing into {venv}: {' '.join(w for w in wanted if w != '-e')}")
    result = subprocess.run([str(venv_python(venv)), *PIP, *wanted])
    if result.returncode != 0:
        raise MissingPrerequisite(
            f"pip could not install {' '.join(wanted)} into {venv} (see above): check that"
            " this machine reaches PyPI (or set PIP_INDEX_URL to a mirror),"
            " then run the same make command again."
        )
    (venv / f"{STAMP_PREFIX}{purpose}").write_text(stamp_text(purpose))
    return venv_python(venv)


# --------------------------------------------------------------------------


def prepare(purpose: str, venv: Path) -> None:
    check_python()
    if purpose == "lint":
        ensure_venv(venv, "test")
        return
    check_rust_toolchain()
    check_c_compiler()
    if purpose == "test":
        if not is_root():
            raise MissingPrerequisite(
                "`make test` runs the buildpack in stack stand-ins (mounts, chroot) and"
                " installs the Debian packages it needs, which needs root: run"
                f" `sudo make test`{not_root_packages_hint()}."
            )
        ensure_apt_packages(test_packages(), "`make test`")
    elif purpose == "bench":  # no stand-in: sccache's redis and the crates only
        ensure_apt_packages(test_packages()[1:], "`make bench`")
    ensure_venv(venv, purpose)


def not_root_packages_hint() -> str:
    """For a user who would rather install the Debian packages alone first."""
    if shutil.which("dpkg-query") is None:
        return ""
    missing = missing_packages(test_packages())
    if not missing:
        return ""
    command = apt_install_command(missing)
    return f" (or install its {packages_count(missing)} first: `{command}`)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("purpose", choices=("run", "test", "bench", "lint"))
    parser.add_argument("--venv", type=Path, default=REPO_ROOT / ".venv")
    args = parser.parse_args(argv)
    try:
        prepare(args.purpose, args.venv.absolute())
    except MissingPrerequisite as problem:
        print(problem, file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as failure:
        print(
            f"`{' '.join(map(str, failure.cmd))}` failed (exit {failure.returncode}, see above).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
