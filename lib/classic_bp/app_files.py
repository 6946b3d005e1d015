"""Reading the app's own files: never through a link that leaves the app, and
the way cargo and the platforms read them.

An app is untrusted input. A ``Cargo.lock`` (or manifest, toolchain file,
RustConfig, Procfile, cargo config) that is a symlink to a file outside the
app would have that file read, and its content could reach the log through
a parse error: credentials, the builder's environment. So each of these
files is resolved first, and refused, by name and without its content, when
the resolved path is not inside the app. Links inside the app are fine.

The content is read as cargo and the platforms read it: a UTF-8 byte order
mark is not part of the text (cargo accepts it in Cargo.toml; editors on
Windows write it), and CRLF line endings are line endings.
"""

from __future__ import annotations

from pathlib import Path

from . import errors

BOM = "\ufeff"
# The files of the app that cargo reads itself: checked before cargo runs.
CARGO_FILES = ("Cargo.lock", ".cargo/config", ".cargo/config.toml")


def check_inside(app_dir: Path, path: Path) -> None:
    """Refuse ``path`` when it (or a folder on its way) links outside ``app_dir``."""
    if not (path.is_symlink() or path.exists()):
        return
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling link or a loop
        raise errors.app_file_unreadable(_relative(app_dir, path), "it is a broken link") from None
    root = app_dir.resolve()
    if resolved != root and root not in resolved.parents:
        raise errors.app_file_outside_app(_relative(app_dir, path))


def check_cargo_files(app_dir: Path, project_root: Path) -> None:
    for name in CARGO_FILES:
        check_inside(app_dir, project_root / name)


def read_text(app_dir: Path, path: Path, *, strict: bool = False) -> str:
    """The text of one of the app's files, BOM removed, newlines as ``\\n``.

    ``strict``: invalid UTF-8 raises UnicodeDecodeError (a manifest must be
    text); otherwise it is replaced, as shells and platforms tolerate it.
    """
    check_inside(app_dir, path)
    try:
        data = path.read_bytes()
    except OSError as problem:
        raise errors.app_file_unreadable(_relative(app_dir, path), problem.strerror) from None
    text = data.decode("utf-8", "strict" if strict else "replace")
    return text.removeprefix(BOM).replace("\r\n", "\n")


def _relative(app_dir: Path, path: Path) -> str:
    try:
        return path.relative_to(app_dir).as_posix()
    except ValueError:
        return str(path)
