"""What stays in the slug: the build's output plus the files the app asks for.

The slug is what the platform ships and boots, so the sources, ``Cargo.*``
and everything else the binaries were built from are removed from BUILD_DIR
after compile. What remains:

- always: ``bin/``, ``.profile.d/``, ``.rust-buildpack/`` and ``Procfile`` at
  the app's root (the buildpack and the platform need them; no pattern can
  remove them);
- the paths matched by ``BP_INCLUDE_FILES`` (default
  ``static/*:templates/*:public/*:html/*``), minus those matched by
  ``BP_EXCLUDE_FILES`` (default: none). Exclusion is applied after inclusion,
  so it always wins.

Pattern rules (docs/configuration.md repeats them for users):

- Patterns are separated by ``:``; blanks around a pattern and empty entries
  (``a::b``) are ignored. A variable that is unset or blank gets the default;
  to keep no source files at all, set ``BP_EXCLUDE_FILES=**``.
- A pattern is a path relative to the app's root (BUILD_DIR), matched against
  whole paths from the root: ``*.html`` is only the root's HTML files,
  ``**/*.html`` is HTML files anywhere. Matching is case-sensitive.
  ``./`` prefixes, ``.`` segments, repeated and trailing ``/`` are ignored.
- ``*`` matches any run of characters within one path segment, ``?`` one
  character, ``[abc]`` / ``[a-z]`` / ``[!abc]`` one character of (not of) a
  set; none of them matches ``/``. A ``*`` inside a bracket, ``[*]``, is a
  literal ``*``.
- ``**`` as a whole segment matches zero or more whole segments:
  ``static/**/*.map`` matches ``static/app.map`` and
  ``static/js/vendor/app.map``. Elsewhere (``a**b``) it acts as ``*``.
- Dotfiles are ordinary names: ``*`` and ``**`` match them, so ``static/*``
  keeps ``static/.well-known/``; exclude them explicitly (``static/**/.*``) if
  they must not ship.
- A pattern matching a directory matches everything below it: ``static/*``
  keeps ``static/css/site.css``, and an excluded directory goes whole.
- A pattern that is absolute, has a ``..`` segment or names the root itself
  (``.``) is refused: patterns cannot reach outside the app.

Safety: the walk never follows a symlink. A symlinked directory is kept or
removed as the link itself, never descended into, and a symlink is removed by
unlinking the link. Every directory below BUILD_DIR is opened relative to its
parent with ``O_NOFOLLOW``, so even a symlink swapped in for a directory
cannot redirect a deletion outside BUILD_DIR. A kept symlink whose target
resolves outside BUILD_DIR would ship a dangling or leaking link, so it is
removed and reported. Directories left empty by the removals are removed; a
kept directory that was already empty stays (the app may expect it).
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .. import errors
from ..config.slug_patterns import (
    EXCLUDE_VARIABLE,
    INCLUDE_VARIABLE,
    segments,
)
from ..platform import output, report
from ..records import record
from .discard import Trash

# Besides our own output, what earlier buildpacks of a multi-buildpack app
# leave in BUILD_DIR (their .profile.d scripts point there): apt, Heroku and
# Scalingo language buildpacks.
ALWAYS_KEPT = frozenset(
    {"bin", ".profile.d", ".rust-buildpack", "Procfile", ".apt", ".heroku", ".scalingo"}
)
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_OPEN_CHILD_DIR = _OPEN_DIR | os.O_NOFOLLOW

# One segment of a compiled pattern: a predicate on a name, or None for `**`.
_Segment = Callable[[str], object] | None
# NFA state of a set of patterns: (pattern index, segments consumed) pairs.
_State = frozenset[tuple[int, int]]


@record
class SlugReport:
    """What clean_slug left, for the build log.

    ``kept`` names the root entries (``static/``, ``index.html``) that still
    hold something kept by the include patterns; the always-kept entries are
    not listed. ``removed_count`` counts removed files and symlinks (unsafe
    links included), not directories. ``size_bytes`` is the apparent size of
    the regular files left in the whole slug, hard links counted once;
    symlinks are not followed.
    """

    kept: tuple[str, ...]
    removed_count: int
    size_bytes: int
    unsafe_links: tuple[str, ...]
    # Folders taken out whole (discard.py), their files not counted.
    removed_folders: int = 0


def _segment_matcher(segment: str) -> _Segment:
    if segment == "**":
        return None
    if not any(char in segment for char in "*?["):
        return segment.__eq__
    return re.compile(fnmatch.translate(segment)).match


class _Globs:
    """Patterns matched one path segment at a time, as the walk goes down.

    Each directory passes its state to its entries, so a path is never
    re-matched from the root, and a directory no pattern can reach into is
    dealt with whole.
    """

    def __init__(self, variable: str, patterns: Sequence[str]) -> None:
        self.patterns = tuple(
            tuple(_segment_matcher(s) for s in segments(variable, p)) for p in patterns
        )
        self.start = self._closure((index, 0) for index in range(len(self.patterns)))

    def _closure(self, positions: Iterable[tuple[int, int]]) -> _State:
        """Adds the positions reachable by letting a `**` match zero segments."""
        reached: set[tuple[int, int]] = set()
        pending = list(positions)
        while pending:
            index, position = pending.pop()
            if (index, position) not in reached:
                reached.add((index, position))
                segments = self.patterns[index]
                if position < len(segments) and segments[position] is None:
                    pending.append((index, position + 1))
        return frozenset(reached)

    def step(self, state: _State, name: str) -> _State:
        following = []
        for index, position in state:
            segments = self.patterns[index]
            if position < len(segments):
                segment = segments[position]
                if segment is None:
                    following.append((index, position))
                elif segment(name):
                    following.append((index, position + 1))
        return self._closure(following)

    def matched(self, state: _State) -> bool:
        return any(position == len(self.patterns[index]) for index, position in state)

    def can_match_below(self, state: _State) -> bool:
        return any(position < len(self.patterns[index]) for index, position in state)


def _retry_writable(action: Callable[..., None], name: str, dir_fd: int) -> None:
    """Removes from a read-only directory (Go's module cache makes those) by making it writable."""
    try:
        action(name, dir_fd=dir_fd)
    except PermissionError:
        os.fchmod(dir_fd, stat.S_IMODE(os.fstat(dir_fd).st_mode) | stat.S_IRWXU)
        action(name, dir_fd=dir_fd)


class _Cleaner:
    def __init__(self, build_dir: Path, include: _Globs, exclude: _Globs) -> None:
        self.root = os.path.realpath(build_dir)
        self.include = include
        self.exclude = exclude
        self.kept: set[str] = set()
        self.unsafe_links: list[str] = []
        self.removed_count = 0
        self.size_bytes = 0
        self.counted_inodes: set[tuple[int, int]] = set()

    def clean(self) -> SlugReport:
        root_fd = os.open(self.root, _OPEN_DIR)
        self.trash = Trash(root_fd)
        try:
            self._clean_dir(root_fd, "", None, False, False, self.include.start, self.exclude.start)
        finally:
            os.close(root_fd)
            self.trash.empty_later()
        return SlugReport(
            kept=tuple(sorted(self.kept)),
            removed_count=self.removed_count,
            size_bytes=self.size_bytes,
            unsafe_links=tuple(sorted(self.unsafe_links)),
            removed_folders=self.trash.taken,
        )

    def _clean_dir(
        self,
        fd: int,
        rel: str,
        top: str | None,
        protected: bool,
        included: bool,
        include_state: _State,
        exclude_state: _State,
    ) -> tuple[bool, bool]:
        """Cleans one directory; returns (anything left in it, anything removed from it)."""
        with os.scandir(fd) as listing:
            entries = list(listing)  # listed before anything is removed from it
        left = removed = False
        for entry in entries:
            if self._clean_entry(
                fd, entry, rel, top, protected, included, include_state, exclude_state
            ):
                left = True
            else:
                removed = True
        return left, removed

    def _clean_entry(
        self,
        fd: int,
        entry: os.DirEntry[str],
        parent_rel: str,
        top: str | None,
        protected: bool,
        included: bool,
        include_state: _State,
        exclude_state: _State,
    ) -> bool:
        """Keeps or removes one entry (and what is below it); True when it stays."""
        name = entry.name
        rel = f"{parent_rel}/{name}" if parent_rel else name
        is_link = entry.is_symlink()
        is_dir = not is_link and entry.is_dir(follow_symlinks=False)
        if top is None:
            top = f"{name}/" if is_dir else name
            protected = name in ALWAYS_KEPT
        if not protected:
            if exclude_state:
                exclude_state = self.exclude.step(exclude_state, name)
                if self.exclude.matched(exclude_state):
                    self._remove(fd, name, is_dir)
                    return False
                if not self.exclude.can_match_below(exclude_state):
                    exclude_state = frozenset()
            if not included:
                include_state = self.include.step(include_state, name)
                included = self.include.matched(include_state)
                if not included and not (is_dir and self.include.can_match_below(include_state)):
                    self._remove(fd, name, is_dir)
                    return False
        if is_link:
            if self._escapes(rel):
                _retry_writable(os.unlink, name, fd)
                self.removed_count += 1
                self.unsafe_links.append(rel)
                return False
        elif is_dir:
            child_fd = os.open(name, _OPEN_CHILD_DIR, dir_fd=fd)
            try:
                left, removed = self._clean_dir(
                    child_fd, rel, top, protected, included, include_state, exclude_state
                )
            finally:
                os.close(child_fd)
            if not (left or protected or (included and not removed)):
                _retry_writable(os.rmdir, name, fd)
                return False
        elif entry.is_file(follow_symlinks=False):
            self._count(entry.stat(follow_symlinks=False))
        if included and not protected:
            self.kept.add(top)
        return True

    def _count(self, info: os.stat_result) -> None:
        if info.st_nlink > 1:
            inode = (info.st_dev, info.st_ino)
            if inode in self.counted_inodes:
                return
            self.counted_inodes.add(inode)
        self.size_bytes += info.st_size

    def _escapes(self, rel: str) -> bool:
        target = os.path.realpath(os.path.join(self.root, rel))
        return os.path.commonpath([self.root, target]) != self.root

    def _remove(self, fd: int, name: str, is_dir: bool, whole: bool = True) -> None:
        if not is_dir:
            _retry_writable(os.unlink, name, fd)
            self.removed_count += 1
            return
        if whole and self.trash.take(fd, name):
            return
        child_fd = os.open(name, _OPEN_CHILD_DIR, dir_fd=fd)
        try:
            with os.scandir(child_fd) as listing:
                entries = list(listing)
            for entry in entries:
                self._remove(child_fd, entry.name, entry.is_dir(follow_symlinks=False), False)
        finally:
            os.close(child_fd)
        _retry_writable(os.rmdir, name, fd)


def clean_slug(build_dir: Path, include: Sequence[str], exclude: Sequence[str]) -> SlugReport:
    """Removes from build_dir everything that is neither always kept nor included.

    include and exclude come from parse_patterns; they are checked again here,
    so an unchecked pattern can never reach outside build_dir.
    """
    cleaner = _Cleaner(
        build_dir, _Globs(INCLUDE_VARIABLE, include), _Globs(EXCLUDE_VARIABLE, exclude)
    )
    return cleaner.clean()


def clean_step(build_dir: Path, include: Sequence[str], exclude: Sequence[str]) -> None:
    """Clean the slug and say what stayed."""
    with output.timed_step("Removing the app's sources from the slug", "slug"):
        cleaned = clean_slug(build_dir, include, exclude)
        for link in cleaned.unsafe_links:
            output.warning(errors.unsafe_symlink_removed(link))
        kept = ", ".join(cleaned.kept) or "none"
        output.detail(f"Kept bin/, .profile.d/, Procfile and files matching the patterns: {kept}")
        whole = cleaned.removed_folders
        folders = f" and {output.plural(whole, 'folder')} whole" if whole else ""
        output.detail(f"Removed {output.plural(cleaned.removed_count, 'file')}{folders}")
        report.record("slug_bytes", cleaned.size_bytes)
