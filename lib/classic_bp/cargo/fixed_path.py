"""Compile the app at a path that is the same on every build.

Why: platforms give every build a new build dir (Scalingo ``/build/<id>``,
Heroku ``/tmp/build_<hash>``), and cargo records absolute paths in what it
keeps in the target dir:
- a vendored crate's source id (``directory = "vendor"`` in the app's
  ``.cargo/config.toml``) is its absolute path, and so is part of every
  vendored unit's hash: a new path recompiles every vendored crate;
- a file a crate reads from outside its own package (``include_str!`` of
  ``../../assets/x``, a ``rerun-if-changed`` given as an absolute path) is
  recorded absolute: the old path is gone, so the crate is rebuilt;
- sccache hashes the source paths, so a new path never hits the shared cache.

So cargo is run through a symlink at a fixed place, ``/tmp/classic-bp-<uid>/app``
pointing at the build dir, and is given every app path through it: the
manifest (``--manifest-path``/``--path``) and the app's own cargo config
(``--config``). The process itself runs in the fixed root, outside the app:
the kernel resolves symlinks in the working directory, and cargo would then
find the app's ``.cargo/config.toml`` under the real, changing path.

Safety: the root is created mode 0700 and reused only when it is a real
directory owned by this user and writable by nobody else; another user's
directory or link planted there first could otherwise redirect the build.
A lock on it is held for the build: a second build of the same user on the
same host at the same time gets a private folder of its own instead
(correct, just not path-stable). Failing all that, a private temporary folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import errors
from ..platform import output

CARGO_CONFIG_NAMES = ("config", "config.toml")  # cargo reads `config` first


def app_config_file(app_dir: Path) -> Path | None:
    """The app's own cargo config (``.cargo/config.toml``), if it has one."""
    for name in CARGO_CONFIG_NAMES:
        candidate = app_dir / ".cargo" / name
        if candidate.is_file():
            return candidate
    return None


def _is_private_dir(path: Path) -> bool:
    try:
        status = path.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.getuid()
        and status.st_mode & 0o022 == 0
    )


def shared_root_path() -> Path:
    return Path(tempfile.gettempdir()) / f"classic-bp-{os.getuid()}"


def _shared_root() -> Path | None:
    """The per-user fixed root, created if needed; None if it cannot be trusted."""
    root = shared_root_path()
    with contextlib.suppress(FileExistsError, OSError):
        root.mkdir(mode=0o700)
    return root if _is_private_dir(root) else None


@dataclass
class FixedPath:
    """The fixed root of this build and the link to the build dir inside it."""

    root: Path
    build_dir: Path
    stable: bool
    _lock: int | None = None

    @property
    def app(self) -> Path:
        return self.root / "app"

    def translate(self, path: Path) -> Path:
        """``path`` inside the build dir, as reached through the fixed link."""
        return self.app / path.relative_to(self.build_dir)

    def app_config_files(self) -> list[Path]:
        """The app's own cargo config, through the link (see the docstring)."""
        found = app_config_file(self.build_dir)
        return [self.translate(found)] if found else []

    def release(self) -> None:
        """Drop the link and the lock; a private fallback root goes entirely."""
        with contextlib.suppress(OSError):
            self.app.unlink()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
        if not self.stable:
            shutil.rmtree(self.root, ignore_errors=True)  # links only; never followed


def point_link(link: Path, target: Path) -> None:
    """Replace ``link`` atomically, whatever was there."""
    staging = link.with_name(f".{link.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    staging.symlink_to(target)
    os.replace(staging, link)


def _try_lock(root: Path) -> int | None:
    try:
        descriptor = os.open(root / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def claim(build_dir: Path) -> FixedPath:
    """A fixed path for ``build_dir``: the shared one when free, else a private one."""
    shared = _shared_root()
    lock = _try_lock(shared) if shared is not None else None
    if shared is not None and lock is not None:
        fixed = FixedPath(shared, build_dir, stable=True, _lock=lock)
    else:
        base = shared or Path(tempfile.gettempdir())
        fixed = FixedPath(Path(tempfile.mkdtemp(prefix="build-", dir=base)), build_dir, False)
    point_link(fixed.app, build_dir)
    return fixed


def claim_for_build(build_dir: Path) -> FixedPath:
    """``claim``, and say so when the build cannot have the shared, stable path."""
    fixed = claim(build_dir)
    if not fixed.stable:
        output.detail(errors.note_private_fixed_path(shared_root_path()))
    return fixed
