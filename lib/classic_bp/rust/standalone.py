"""Step: install Rust without rustup (BP_RUSTUP_ENABLED=false), into the cache.

static.rust-lang.org publishes, for every release and host, one combined
installer ``dist/rust-<version>-<host>.tar.gz`` (and ``.tar.xz``) holding
rustc, cargo and the standard library. It is downloaded, checked against its
``.sha256`` and unpacked by this module, never by running its install.sh.

The archive is in the rust-installer v3 format: one top folder
``rust-<version>-<host>/`` with ``rust-installer-version`` (``3``),
``components`` (one name per line) and, per component, a folder whose
``manifest.in`` lists ``file:<path>`` and ``dir:<path>`` lines; those paths,
taken from the component's folder, make the install prefix.

Cache invalidation: keyed on the version and the host. An installed version
is reused with no network request at all (a release never changes); another
version replaces it, and the log says why. The new prefix is built in a
temporary sibling and renamed into place before its key is written, so a
build killed midway leaves the old install, or none, never half of one.
"""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

from .. import cache, errors, toml_compat
from ..cache import CacheLayout
from ..config.rust_version import (
    EXACT_VERSION,
    LATEST,
    MAJOR_WILDCARD,
    MINOR_WILDCARD,
    VERSION_VARIABLE,
    check_spec,
)
from ..fetch import download
from ..fetch.urls import display_url
from ..layer import Layer
from ..platform import output, run
from ..records import record

LAYER = Layer(
    name="standalone-rust",
    what="standalone Rust",
    labels={"version": f"Rust version ({VERSION_VARIABLE})", "host": "host platform"},
    missing="it is missing from the cache",
    orphan="it has no cache record (an earlier build was interrupted)",
    reused_text=None,  # said by _installed, with rustc's own version line
    discard_text="Not reusing the cached Rust: {reasons}",
)
# gz first: every mirror serves it (the fixture mirror only serves gz), and
# zlib unpacks several times faster than lzma; xz is the fallback for mirrors
# that only keep the smaller file.
ARCHIVE_SUFFIXES = (".tar.gz", ".tar.xz")
INSTALLER_VERSION = "3"
# Upstream's combined installer also holds the standard library's HTML docs
# (tens of thousands of files): no build reads them, and rustup's minimal
# profile leaves them out too. They are never written to disk.
SKIPPED_COMPONENT_PREFIXES = ("rust-docs",)
TEMP_PREFIX = ".standalone-rust-"
RUSTC_TIMEOUT_SECONDS = 60

ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile)


@record
class StandaloneRust:
    version: str
    directory: Path
    bin_dir: Path
    rustc_version: str


class _Unsafe(Exception):
    """An archive entry or manifest line this installer refuses."""


# --------------------------------------------------------------------------
# Which version
# --------------------------------------------------------------------------


def resolve_version(dist_server: str, spec: str | None) -> str:
    """The exact version ``BP_RUST_VERSION`` asks for.

    Unset (or ``stable``): the latest stable release. ``1.95.0``: itself, with
    no request. ``1.95.*``: the newest 1.95 patch release, from rustup's
    per-minor manifest. ``1.*``: the latest stable release when it is a 1.x.
    """
    value = check_spec(spec)
    dist = dist_server.rstrip("/")
    if EXACT_VERSION.fullmatch(value):
        return value
    if value in LATEST:
        return _channel_version(dist, "stable")
    minor = MINOR_WILDCARD.fullmatch(value)
    if minor:
        version = _channel_version(dist, minor.group(1), missing_ok=True)
        if version is None or not version.startswith(f"{minor.group(1)}."):
            raise errors.no_matching_rust_version(
                VERSION_VARIABLE, value, f"the dist server has no Rust {minor.group(1)} release"
            )
        return version
    major = MAJOR_WILDCARD.fullmatch(value)
    assert major is not None  # check_spec accepts nothing else
    return _newest_of_major(dist, value, int(major.group(1)))


def _newest_of_major(dist: str, value: str, wanted: int) -> str:
    stable = _channel_version(dist, "stable")
    assert stable is not None
    latest = int(stable.split(".")[0])
    if latest == wanted:
        return stable
    if wanted > latest:
        problem = f"the latest stable release is {stable}"
    else:
        problem = (
            f"the latest stable release is {stable}, and a major-version wildcard only"
            f" finds the latest major version; write {wanted}.<minor>.* or an exact version"
        )
    raise errors.no_matching_rust_version(VERSION_VARIABLE, value, problem)


def _channel_version(dist: str, channel: str, missing_ok: bool = False) -> str | None:
    """``1.95.0`` out of a channel manifest's ``[pkg.rust] version``."""
    url = f"{dist}/dist/channel-rust-{channel}.toml"
    try:
        text = download.fetch_text(url)
    except errors.BuildError as problem:
        if missing_ok and isinstance(problem, errors.DownloadNotFound):
            return None
        raise
    try:
        version = str(toml_compat.loads(text)["pkg"]["rust"]["version"]).split()
    except toml_compat.TOMLDecodeError as problem:
        raise errors.invalid_channel_manifest(display_url(url), str(problem)) from None
    except (KeyError, TypeError):
        raise errors.invalid_channel_manifest(
            display_url(url), "it has no [pkg.rust] version"
        ) from None
    if not version or not EXACT_VERSION.fullmatch(version[0]):
        raise errors.invalid_channel_manifest(
            display_url(url), f"[pkg.rust] version {' '.join(version)!r} is not a release"
        )
    return version[0]


# --------------------------------------------------------------------------
# Installing
# --------------------------------------------------------------------------


def install_standalone(
    layout: CacheLayout, dist_server: str, version: str, host: str
) -> StandaloneRust:
    if not EXACT_VERSION.fullmatch(version):
        raise errors.invalid_rust_version(VERSION_VARIABLE, version)
    prefix = layout.standalone_rust
    wanted = {"version": version, "host": host}
    _remove_leftovers(layout.root)
    answers = []

    def rustc_runs() -> str | None:
        works, answer = _run_rustc(prefix)
        answers.append(answer)
        return None if works else f"its rustc does not run ({answer})"

    # Not discarded here: the new prefix replaces the old one by a rename.
    decision = LAYER.check(layout, wanted, prefix.is_dir(), verify=rustc_runs)
    LAYER.explain(decision)
    if decision.reusable:
        output.detail(f"Reusing Rust {version} from the cache (no download needed)")
        return _installed(version, prefix, answers[-1])

    layout.root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=layout.root, prefix=TEMP_PREFIX))
    try:
        staged = work / "rust"
        rustc_version = _download_and_unpack(dist_server.rstrip("/"), version, host, work, staged)
        LAYER.discard(layout)
        if prefix.exists() or prefix.is_symlink():
            prefix.rename(work / "replaced")  # removed with the rest of work below
        staged.rename(prefix)
        LAYER.save(layout, wanted)
    finally:
        cache.remove_tree(work)
    return _installed(version, prefix, rustc_version)


def _installed(version: str, prefix: Path, rustc_version: str) -> StandaloneRust:
    output.detail(f"Using {rustc_version}")
    return StandaloneRust(version, prefix, prefix / "bin", rustc_version)


def _remove_leftovers(root: Path) -> None:
    """Temporary trees of builds killed midway."""
    for stale in sorted(root.glob(f"{TEMP_PREFIX}*")) if root.is_dir() else []:
        cache.remove_tree(stale)


def _download_and_unpack(dist: str, version: str, host: str, work: Path, staged: Path) -> str:
    """Build a complete, working prefix at ``staged``; return its ``rustc --version``."""
    started = time.monotonic()
    archive, url = _download(dist, version, host, work)
    output.detail(f"Downloaded and verified in {output.format_seconds(time.monotonic() - started)}")
    started = time.monotonic()
    top = f"rust-{version}-{host}"
    unpacked = work / "unpacked"
    shown = display_url(url)
    try:
        _extract(archive, unpacked, top)
        archive.unlink()  # spare the disk: the unpacked tree is about 3 times its size
        components = _install_components(unpacked / top, staged)
    except _Unsafe as problem:
        raise errors.invalid_rust_archive(shown, str(problem)) from None
    except ARCHIVE_ERRORS as problem:
        raise errors.invalid_rust_archive(
            shown, f"it is not a readable archive ({problem})"
        ) from None
    works, answer = _run_rustc(staged)
    if not works:
        raise errors.standalone_rust_broken(version, answer)
    found = answer.split()[1] if len(answer.split()) > 1 else answer
    if found != version:
        raise errors.invalid_rust_archive(shown, f"it holds {answer!r}, not Rust {version}")
    output.detail(
        f"Unpacked {', '.join(components)} in {output.format_seconds(time.monotonic() - started)}"
    )
    return answer


def _download(dist: str, version: str, host: str, folder: Path) -> tuple[Path, str]:
    tried = []
    for suffix in ARCHIVE_SUFFIXES:
        name = f"rust-{version}-{host}{suffix}"
        url = f"{dist}/dist/{name}"
        try:
            expected = download.fetch_sha256(f"{url}.sha256")
            output.detail(f"Downloading Rust {version} for {host} from {display_url(url)}")
            download.download_verified(url, folder / name, expected)
            return folder / name, url
        except errors.BuildError as problem:
            if not isinstance(problem, errors.DownloadNotFound):
                raise
            tried.append(display_url(url))
    raise errors.rust_release_not_found(VERSION_VARIABLE, version, host, tried)


def _safe_parts(name: str) -> list[str]:
    """A relative path's parts; refuses absolute paths, ``..`` and empty paths."""
    if name.startswith("/") or "\\" in name or "\0" in name:
        raise _Unsafe(f"{name!r} is not a relative path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _Unsafe(f"{name!r} points outside its folder (..)")
    if not parts:
        raise _Unsafe(f"{name!r} is an empty path")
    return parts


def _extract(archive: Path, destination: Path, top: str) -> None:
    """Extract the regular files and directories below ``top``, and nothing else.

    Links, devices and fifos are refused, as rustup refuses them in the same
    format: no entry can write or point outside ``destination``.
    """
    destination.mkdir()
    with tarfile.open(archive, mode="r:*") as tar:
        for member in tar:
            if member.name.strip("/") in ("", "."):
                continue
            parts = _safe_parts(member.name)
            if parts[0] != top:
                raise _Unsafe(f"{member.name!r} is outside the top folder {top}/")
            if len(parts) > 2 and _skipped(parts[1]):
                continue
            target = destination.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                with source, open(target, "wb") as stream:
                    shutil.copyfileobj(source, stream, 1 << 20)
                target.chmod(0o755 if member.mode & 0o111 else 0o644)
            else:
                kind = "link" if member.issym() or member.islnk() else "special file"
                raise _Unsafe(
                    f"{member.name!r} is a {kind}; only files and directories are accepted"
                )
    if not (destination / top).is_dir():
        raise _Unsafe(f"it has no top folder {top}/")


def _skipped(component: str) -> bool:
    return component.startswith(SKIPPED_COMPONENT_PREFIXES)


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _Unsafe(f"it has no {path.name}") from None
    except (OSError, UnicodeDecodeError) as problem:
        raise _Unsafe(f"{path.name} cannot be read ({problem})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _install_components(top: Path, prefix: Path) -> list[str]:
    """Move each component's listed files into ``prefix``; return the installed components.

    Moved, not copied: ``top`` and ``prefix`` are on one file system, and
    renames keep the modes set at extraction (exec bits). The records
    install.sh would leave in lib/rustlib are written too.
    """
    version = _read_lines(top / "rust-installer-version")
    if version != [INSTALLER_VERSION]:
        raise _Unsafe(f"it is in rust-installer format {' '.join(version) or '(none)'}, not 3")
    listed = _read_lines(top / "components")
    for component in listed:
        if _safe_parts(component) != [component]:
            raise _Unsafe(f"{component!r} is not a component name")
    components = [component for component in listed if not _skipped(component)]
    if not components:
        raise _Unsafe("its components file lists nothing to install")
    prefix.mkdir()
    records = {component: _install_component(top / component, prefix) for component in components}
    rustlib = prefix / "lib" / "rustlib"
    rustlib.mkdir(parents=True, exist_ok=True)
    for component, lines in records.items():
        (rustlib / f"manifest-{component}").write_text("".join(f"{line}\n" for line in lines))
    (rustlib / "components").write_text("".join(f"{name}\n" for name in components))
    (rustlib / "rust-installer-version").write_text(f"{INSTALLER_VERSION}\n")
    return components


def _install_component(source: Path, prefix: Path) -> list[str]:
    installed = []
    for line in _read_lines(source / "manifest.in"):
        kind, separator, relative = line.partition(":")
        if kind not in ("file", "dir") or not separator:
            raise _Unsafe(f"{source.name}/manifest.in has an unexpected line {line!r}")
        parts = _safe_parts(relative)
        origin = source.joinpath(*parts)
        if not (origin.is_file() if kind == "file" else origin.is_dir()):
            raise _Unsafe(f"{source.name}/manifest.in lists {relative!r}, which is not a {kind}")
        _move(origin, prefix.joinpath(*parts), relative)
        installed.append(f"{kind}:{'/'.join(parts)}")
    return installed


def _move(origin: Path, target: Path, relative: str) -> None:
    """Rename into place; a directory that is already there (from another component) is merged."""
    try:
        if origin.is_dir() and target.is_dir():
            for child in sorted(origin.iterdir()):
                _move(child, target / child.name, relative)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(origin, target)
    except OSError as problem:
        raise _Unsafe(f"{relative!r} cannot be installed ({problem.strerror})") from None


def _run_rustc(prefix: Path) -> tuple[bool, str]:
    """``(True, "rustc 1.95.0 (...)")``, or ``(False, what went wrong)``."""
    rustc = prefix / "bin" / "rustc"
    try:
        result = run.capture([rustc, "--version"], timeout=RUSTC_TIMEOUT_SECONDS)
    except FileNotFoundError:
        return False, "bin/rustc is missing"
    except (OSError, subprocess.TimeoutExpired) as problem:
        return False, f"bin/rustc could not run ({problem})"
    if result.returncode != 0 or not result.stdout.startswith("rustc "):
        detail = (result.stderr or result.stdout).strip().splitlines()
        return False, f"`rustc --version` exited with {result.returncode}" + (
            f": {detail[-1]}" if detail else ""
        )
    return True, result.stdout.strip()
