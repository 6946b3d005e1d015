"""Take whole folders out of the slug at once, and delete them after the build.

Why: the slug cleaning's cost is the deleting. Unlinking the tens of
thousands of files of a ``node_modules/`` takes seconds, on every build, for
folders the slug never ships. A rename takes a folder out of BUILD_DIR in
one call when a folder on the same file system is at hand outside it: a
private folder (``mkdtemp``, mode 0700) in the builder's temp dir, where
Heroku's and Dokku's build dirs are. A detached ``rm -rf`` deletes it after
the build; if it is killed with the builder, the temp dir goes with the
builder. When the build dir is on another file system than the temp dir,
folders are deleted in place, as before.

Safety: the folder is renamed through its parent's directory handle, and a
rename never follows a link in the name it moves.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile


class Trash:
    """Folders taken out of one build dir, deleted by ``empty_later``."""

    def __init__(self, build_dir_fd: int) -> None:
        self._device = os.fstat(build_dir_fd).st_dev
        self._folder: str | None = None
        self._folder_fd: int | None = None
        self._usable = True
        self.taken = 0

    def _open(self) -> int | None:
        if self._folder_fd is None and self._usable:
            temp = tempfile.gettempdir()
            try:
                if os.stat(temp).st_dev != self._device:
                    self._usable = False
                    return None
                self._folder = tempfile.mkdtemp(prefix="classic-bp-trash-", dir=temp)
                self._folder_fd = os.open(self._folder, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                self._usable = False
        return self._folder_fd

    def take(self, parent_fd: int, name: str) -> bool:
        """Move the folder ``name`` of ``parent_fd`` out of the slug; False if it
        must be deleted in place."""
        folder_fd = self._open()
        if folder_fd is None:
            return False
        try:
            os.rename(name, str(self.taken), src_dir_fd=parent_fd, dst_dir_fd=folder_fd)
        except OSError:
            return False
        self.taken += 1
        return True

    def empty_later(self) -> None:
        """Start deleting what was taken, detached: the build does not wait for it."""
        if self._folder_fd is not None:
            os.close(self._folder_fd)
            self._folder_fd = None
        if self._folder is None:
            return
        with contextlib.suppress(OSError):
            subprocess.Popen(
                ["rm", "-rf", "--", self._folder],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
