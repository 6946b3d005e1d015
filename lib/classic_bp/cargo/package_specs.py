"""How `cargo build -p` names each of the app's packages.

By its name, as `cargo install --path` never needed to: the build names the
packages it compiles (build.py). But a name alone is ambiguous when Cargo.lock
holds another package of that name, a crate of the registry or a git
dependency whose name the app's package shares, and cargo then refuses the
build ("specification `NAME` is ambiguous"). The app's own package is the
lock's entry without a ``source`` (a path package), so ``NAME@VERSION``
names it alone. When even that would not tell them apart (two path packages
of one name, or a dependency of the same name and version), the name stays
and cargo's error lists the specifications.
"""

from __future__ import annotations

from pathlib import Path

from .offline import lock_packages


def package_spec(name: str, lockfile: Path) -> str:
    """``name``, or ``name@version`` when Cargo.lock has other packages named so."""
    same_name = [
        package for package in lock_packages(lockfile) or () if package.get("name") == name
    ]
    if len(same_name) < 2:
        return name
    own = [package for package in same_name if "source" not in package]
    version = own[0].get("version") if len(own) == 1 else None
    if version is None or sum(package.get("version") == version for package in same_name) > 1:
        return name
    return f"{name}@{version}"
