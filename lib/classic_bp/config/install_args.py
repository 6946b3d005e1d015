"""What the build installs: BP_CARGO_INSTALL_ARGS (``cargo install``'s) and members.

The value of BP_CARGO_INSTALL_ARGS is split into words the way a shell would
(quotes, backslashes) but never run by a shell. It replaces the default
``--locked``. The buildpack owns ``--root`` (binaries must land in the slug),
``--color`` (the log is not a terminal) and ``--target-dir`` (artifacts live
in the cache), so those are refused with an explanation rather than dropped
in silence. ``--path`` picks one member and cannot be combined with
BP_CARGO_WORKSPACE_MEMBERS, which picks members by package name. The feature
flags are taken out into a FeatureSelection (features.py), so that they reach
every cargo command on the app, not only this one.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from .. import errors
from ..records import field, record
from .features import FeatureSelection, take_feature_flags
from .project import CargoProject, Package

ARGS_VARIABLE = "BP_CARGO_INSTALL_ARGS"
MEMBERS_VARIABLE = "BP_CARGO_WORKSPACE_MEMBERS"
DEFAULT_ARGS = ("--locked",)
OWNED_FLAGS = {
    "--root": "binaries must be installed into the slug's bin/ directory",
    "--color": "the build log is not a terminal; the buildpack sets colours itself",
    "--target-dir": "build artifacts are kept in the cache so that rebuilds are fast",
    "--message-format": "the buildpack reads cargo's messages to prune stale artifacts",
}
LOCKING_FLAGS = ("--locked", "--frozen")


@record
class InstallPlan:
    """The user's extra arguments and the packages to install, all in one cargo build.

    ``arguments`` never hold feature flags: those are in ``features``, with
    ``feature_flags`` the words the user wrote for them."""

    arguments: tuple[str, ...]
    packages: tuple[Package, ...]
    from_user: bool
    features: FeatureSelection = field(default_factory=FeatureSelection)
    feature_flags: tuple[str, ...] = ()

    @property
    def locked(self) -> bool:
        return any(flag in self.arguments for flag in LOCKING_FLAGS)


def split_arguments(variable: str, value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as problem:
        raise errors.invalid_arguments_setting(variable, str(problem)) from None


def _flag_name(word: str) -> str:
    return word.split("=", 1)[0]


def refuse_owned_flags(variable: str, words: list[str]) -> None:
    for word in words:
        reason = OWNED_FLAGS.get(_flag_name(word))
        if reason is not None:
            raise errors.owned_cargo_flag(variable, _flag_name(word), reason)


def _extract_path(words: list[str]) -> tuple[list[str], str | None]:
    """Remove ``--path DIR`` / ``--path=DIR`` from the words; return the dir."""
    remaining: list[str] = []
    path: str | None = None
    iterator = iter(words)
    for word in iterator:
        if word == "--path":
            path = next(iterator, None)
            if path is None:
                raise errors.invalid_arguments_setting(ARGS_VARIABLE, "--path needs a directory")
        elif word.startswith("--path="):
            path = word.split("=", 1)[1]
        else:
            remaining.append(word)
    return remaining, path


def _package_at(project: CargoProject, path: str) -> Package:
    package_dirs = [relative(package, project.root) for package in project.packages]
    if "\0" in path:  # possible from a RustConfig's BUILD_PATH; no path has one
        raise errors.install_path_not_a_package(path.replace("\0", "\\0"), package_dirs)
    directory = (project.root / path).resolve()
    root = project.root.resolve()
    if directory != root and root not in directory.parents:
        raise errors.install_path_outside_app(path)
    for package in project.packages:
        if package.directory.resolve() == directory:
            return package
    raise errors.install_path_not_a_package(path, package_dirs)


def _members_by_name(project: CargoProject, value: str) -> tuple[Package, ...]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    by_name = {package.name: package for package in project.packages}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise errors.unknown_workspace_members(unknown, sorted(by_name))
    return tuple(by_name[name] for name in dict.fromkeys(names))


def plan_install(
    project: CargoProject, args_value: str | None, members_value: str | None
) -> InstallPlan:
    words = split_arguments(ARGS_VARIABLE, args_value) if args_value else list(DEFAULT_ARGS)
    refuse_owned_flags(ARGS_VARIABLE, words)
    words, path = _extract_path(words)
    words, feature_flags, features = take_feature_flags(words)
    if path is not None and members_value:
        raise errors.path_with_workspace_members()
    if path is not None:
        packages: tuple[Package, ...] = (_package_at(project, path),)
    elif members_value:
        packages = _members_by_name(project, members_value)
    else:
        packages = project.binary_packages()
    without_binaries = [package.name for package in packages if not package.binaries]
    if without_binaries:
        raise errors.members_without_binaries(without_binaries)
    return InstallPlan(tuple(words), packages, bool(args_value), features, tuple(feature_flags))


def relative(package: Package, root: Path) -> str:
    """A member's folder from the project's root; `../shared` for a member
    beside it (a RustConfig BUILD_PATH project's workspace may have one)."""
    return Path(os.path.relpath(package.directory, root)).as_posix()
