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
manifest (``--manifest-path``) and the app's own cargo config
(``--config``). The process itself runs in the fixed root, outside the app:
the kernel resolves symlinks in the working directory, and cargo would then
find the app's ``.cargo/config.toml`` under the real, changing path.

With sccache (BP_SCCACHE_ENABLED) a link is not enough. cargo starts rustc
in the package's folder, through the link, but the kernel resolves a working
directory: rustc and sccache see the real build dir, a new path per build,
and sccache keys a Rust compilation on it (its issues 964 and 2652; sccache
0.16's SCCACHE_BASEDIRS applies to C and C++ only). So for cargo's run, and
only then, ``app`` becomes a real folder and the build dir's entries are
renamed into it, then back (``app_in_place``): a rename per top-level entry,
the same inodes and mtimes, nothing copied. The app's own library crates then
compile in ``/tmp/classic-bp-<uid>/app`` on every builder and are shared like
the dependencies. Nothing else changes: cargo is given the same paths either
way. Never losing the app:
- a SIGTERM or Ctrl-C during the renames takes effect once they are done
  (guard.interrupts_deferred), and the way back runs in a ``finally``;
- before the first rename, the build dir's path is written next to ``app``
  (``app-moved-from``). A build killed outright (SIGKILL) leaves the app there:
  the next build at this root moves it back into that build dir when it is
  still there and empty, and otherwise (the platform removed it, or made a new
  checkout there) deletes the leftover, which nobody will build again;
- when the build dir is on another file system than the root (EXDEV) or an
  entry cannot be renamed, whatever moved goes back and cargo uses the link:
  the build works, only the app's own crates are not shared, and the log
  says why, once.

Safety: the root is created mode 0700 and reused only when it is a real
directory owned by this user and writable by nobody else; another user's
directory or link planted there first could otherwise redirect the build.
A lock on it is held for the build: a second build of the same user on the
same host at the same time gets a private folder of its own instead
(correct, just not path-stable). Failing all that, a private temporary folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .. import cache, errors
from ..platform import guard, output
from ..records import mutable_record

CARGO_CONFIG_NAMES = ("config", "config.toml")  # cargo reads `config` first
# Next to ``app`` while it holds the app's entries: the build dir they came from.
MOVED_FROM = "app-moved-from"


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


@mutable_record
class FixedPath:
    """The fixed root of this build and the link to the build dir inside it."""

    root: Path
    build_dir: Path
    stable: bool
    _lock: int | None = None
    # sccache builds: the app's entries move to ``app`` while cargo runs.
    move_app: bool = False

    @property
    def app(self) -> Path:
        return self.root / "app"

    def translate(self, path: Path) -> Path:
        """``path`` inside the build dir, as reached through the fixed link."""
        return self.app / path.relative_to(self.build_dir)

    def app_config_files(self) -> list[Path]:
        """The app's own cargo config, through the fixed path (see the docstring):
        found there whether ``app`` is the link or holds the app itself."""
        found = app_config_file(self.app)
        return [found] if found else []

    @contextlib.contextmanager
    def app_in_place(self) -> Iterator[None]:
        """While cargo runs: with ``move_app``, the app itself at the fixed path."""
        if not (self.move_app and self.stable):
            yield
            return
        try:
            with guard.interrupts_deferred():
                _move_in(self.root, self.build_dir)
            yield
        finally:
            with guard.interrupts_deferred():
                move_back(self.root, self.build_dir)

    def release(self) -> None:
        """Drop the link and the lock; a private fallback root goes entirely."""
        if self.stable:
            move_back(self.root, self.build_dir)
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


def _holds_app(root: Path) -> bool:
    app = root / "app"
    return app.is_dir() and not app.is_symlink()


def _move_in(root: Path, build_dir: Path) -> None:
    """The build dir's entries into ``root/app``; all of them, or none and the link."""
    app = root / "app"
    app.unlink(missing_ok=True)
    app.mkdir(mode=0o700)
    cache.write_key(root / MOVED_FROM, {"build_dir": str(build_dir)})
    names = sorted(os.listdir(build_dir))
    try:
        for name in names:
            os.rename(build_dir / name, app / name)
    except OSError as problem:
        move_back(root, build_dir)
        reason = "another file system" if problem.errno == errno.EXDEV else problem.strerror
        output.detail(errors.note_app_not_moved(build_dir, app, reason))


def move_back(root: Path, build_dir: Path) -> None:
    """Every entry of ``root/app`` back into ``build_dir``, then the link again.

    Nothing in the build dir is overwritten: cargo writes only through the
    fixed path, so a name found on both sides is a bug, left for the error.
    """
    app = root / "app"
    if not _holds_app(root):
        return
    clashes = []
    for name in sorted(os.listdir(app)):
        destination = build_dir / name
        if os.path.lexists(destination):
            clashes.append(name)
            continue
        os.rename(app / name, destination)
    if clashes:
        raise OSError(errno.EEXIST, f"left in {app}, also in {build_dir}: {', '.join(clashes)}")
    app.rmdir()
    (root / MOVED_FROM).unlink(missing_ok=True)
    point_link(app, build_dir)


def _is_empty_own_dir(path: Path) -> bool:
    try:
        status = path.lstat()
        return (
            stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not os.listdir(path)
        )
    except OSError:
        return False


def _recover(root: Path) -> None:
    """An app left at the fixed path by a build killed outright: back, or gone.

    Back into its build dir only when that is still there, ours and empty:
    anything else is a new checkout, or nothing, and the leftover is deleted.
    """
    if not _holds_app(root):
        return
    key = cache.read_key(root / MOVED_FROM)
    recorded = Path(key["build_dir"]) if isinstance(key, dict) and "build_dir" in key else None
    if recorded is not None and _is_empty_own_dir(recorded):
        move_back(root, recorded)
        output.detail(errors.note_app_moved_back(recorded))
        return
    cache.remove_tree(root / "app")  # rmtree never follows the links inside
    (root / MOVED_FROM).unlink(missing_ok=True)


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


def claim(build_dir: Path, move_app: bool = False) -> FixedPath:
    """A fixed path for ``build_dir``: the shared one when free, else a private one."""
    shared = _shared_root()
    lock = _try_lock(shared) if shared is not None else None
    if shared is not None and lock is not None:
        _recover(shared)
        fixed = FixedPath(shared, build_dir, stable=True, _lock=lock, move_app=move_app)
    else:
        base = shared or Path(tempfile.gettempdir())
        fixed = FixedPath(Path(tempfile.mkdtemp(prefix="build-", dir=base)), build_dir, False)
    point_link(fixed.app, build_dir)
    return fixed


def claim_for_build(build_dir: Path, move_app: bool = False) -> FixedPath:
    """``claim``, and say so when the build cannot have the shared, stable path."""
    fixed = claim(build_dir, move_app)
    if not fixed.stable:
        output.detail(errors.note_private_fixed_path(shared_root_path()))
    return fixed
