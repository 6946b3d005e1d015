"""`make package`: the buildpack as a private tarball, runtime packages vendored.

The archive has bin/ at its root (no wrapping folder: platforms extract it
as the buildpack dir) and lib/vendor/ holding the pinned wheels' contents,
so a build needs no package index. No tests, fixtures, caches or VCS files.
Release tooling, so it lives beside the other development tools, outside the
package that runs on the stacks (lib/classic_bp).
The same commit always gives the same bytes: sorted entries, fixed owner,
modes and mtime (the commit's time), gzip header without a timestamp.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "lib"))

from classic_bp import __version__  # noqa: E402
from classic_bp.fetch.bootstrap import COMPLETE_MARKER, packages_dir  # noqa: E402
from classic_bp.fetch.urls import index_url  # noqa: E402

# docs/: the error messages link to its pages as well as to the README.
SHIPPED = ("bin", "lib", "README.md", "docs")
NEVER_SHIPPED = ("__pycache__", ".pyc", "lib/vendor/")


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout


def shipped_files() -> list[str]:
    """The buildpack's own files as git tracks them: never untracked leftovers."""
    names = _git("ls-files", "-z", "--", *SHIPPED).split("\0")
    return sorted(
        name for name in names if name and not any(part in name for part in NEVER_SHIPPED)
    )


def _vendored(packages: Path) -> list[tuple[str, Path]]:
    return sorted(
        (f"lib/vendor/{path.relative_to(packages).as_posix()}", path)
        for path in packages.rglob("*")
        if path.is_file() and path.name != COMPLETE_MARKER and "__pycache__" not in path.parts
    )


def _add(archive: tarfile.TarFile, name: str, source: Path, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    data = source.read_bytes()
    info.size = len(data)
    info.mtime = mtime
    info.mode = 0o755 if source.stat().st_mode & 0o111 else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    archive.addfile(info, io.BytesIO(data))


def build_tarball(destination_dir: Path, cache_dir: Path) -> Path:
    mtime = int(_git("log", "-1", "--format=%ct").strip() or 0)
    packages = packages_dir(cache_dir, index_url(None))
    entries = [(name, REPO_ROOT / name) for name in shipped_files()] + _vendored(packages)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, source in sorted(entries):
            _add(archive, name, source, mtime)
    destination_dir.mkdir(parents=True, exist_ok=True)
    tarball = destination_dir / f"classic-bp-{__version__}.tgz"
    with (
        tarball.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as compressed,
    ):
        compressed.write(buffer.getvalue())
    return tarball


def main(argv: list[str]) -> int:
    destination = Path(argv[0]) if argv else REPO_ROOT / "dist"
    cache_dir = Path.home() / ".cache" / "classic-bp-package"
    tarball = build_tarball(destination, cache_dir)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    print(f"{tarball}\nsha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
