#!/usr/bin/env python3
"""Debian's packaged crate sources (Debian 12 and 13), fetched from the archive without apt.

Why: the crates.io stand-in (crates_registry.py) is built from the crate
sources Debian's ``librust-*-dev`` packages ship, and the test apps'
``Cargo.lock`` files pin the checksums of the .crate files made from those
exact versions. Installing the packages with apt ties ``make test`` to one
Debian release (Ubuntu has other versions, or none) and to root. Fetching the
same ``.deb`` files ourselves gives the same sources on any distro, as any
user, without touching the machine's apt sources.

One suite at a time (``SUITES``): *bookworm* (Debian 12, the default: hyper
0.14, tokio 1.24, serde; what most test apps lock) and *trixie* (Debian 13:
axum, actix-web, warp, sqlx, diesel, reqwest, openssl, for the framework and
database apps). For a suite:

1. ``dists/<suite>/main/binary-amd64/Packages.xz`` (``.gz`` if absent) says
   each package's version, ``.deb`` path, SHA256, ``Depends`` and ``Provides``;
2. the names in the suite's list (``PACKAGE_LISTS``) are resolved, with every
   ``librust-*`` package they depend on (what apt pulled in before), feature
   packages such as ``librust-serde+serde-derive-dev`` included;
3. each ``.deb`` is downloaded by its ``Filename``, checked against the
   index's SHA256, and its ``usr/share/cargo/registry/<crate>-<version>/``
   tree extracted with the standard library (a .deb is an ``ar`` archive
   holding ``data.tar.xz``; a ``.zst`` member goes through ``dpkg-deb`` when
   present).

The result is cached in ``$CLASSIC_BP_FIXTURE_CACHE/debian-crate-sources-<key>``,
keyed by the suite and its package list (not by the mirror: every mirror serves
the same files; bookworm's key is what it was before suites, so its cache and
the checksums locked from it stay valid), built in a temporary sibling,
stamped last and renamed into place: an interrupted run leaves no half cache,
and a built one is reused offline.

A suite's index names one version of each package. When a point release
replaces one (trixie gets them; bookworm, oldstable, rarely), the old .deb
leaves the archive, a new cache gets the new version, and the Cargo.lock
files made from the old one no longer hold against the stand-in (the tests
that check every app's lock say which): make them again against it.

Trust: the index comes over plain HTTP from the configured mirror and its
signature is not checked (apt would check it with gpg); the SHA256 check
catches a truncated or corrupted download, not a hostile mirror. These are
test fixtures, compiled but never shipped.

``CLASSIC_BP_DEBIAN_MIRROR`` names the mirror (default deb.debian.org). An
unreachable mirror is one sentence naming the URL and that variable.

Standard library only (Python 3.10+).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gzip
import hashlib
import http.client
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixture_cache import build_lock, fixture_cache_dir
from prerequisites import MissingPrerequisite

MIRROR_ENV = "CLASSIC_BP_DEBIAN_MIRROR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# The suites this tool fetches, and the Debian release each one is.
SUITES = {"bookworm": "Debian 12", "trixie": "Debian 13"}
DEFAULT_SUITE = "bookworm"
ARCH = "amd64"
_TOOLS = Path(__file__).resolve().parent
# Each suite's list: the packages to fetch, closed under their librust-* Depends
# (``debian_crates.py --suite S --closure`` prints the closure of a list).
PACKAGE_LISTS = {
    "bookworm": _TOOLS / "debian-crate-packages.txt",
    "trixie": _TOOLS / "debian-crate-packages-trixie.txt",
}
REGISTRY_PREFIX = PurePosixPath("usr/share/cargo/registry")
# Bumped when what is extracted, or how, changes: the old cache is then ignored.
FORMAT_VERSION = 1
STAMP_NAME = ".debian-crate-sources.json"
ATTEMPTS = 3
TIMEOUT = 60


class DebianArchiveError(MissingPrerequisite):
    """The archive could not give what the list asks for (one sentence with the fix)."""


# --------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------


def mirror() -> str:
    """The Debian archive to fetch from: ``$CLASSIC_BP_DEBIAN_MIRROR`` or deb.debian.org."""
    return (os.environ.get(MIRROR_ENV, "").strip() or DEFAULT_MIRROR).rstrip("/")


def fetch(url: str) -> bytes:
    """The body at ``url``, with a bounded retry; a failure is one sentence."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _get(url)
        except urllib.error.HTTPError as error:
            if error.code < 500 or attempt == ATTEMPTS:
                raise _unreachable(url, f"HTTP {error.code}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            if attempt == ATTEMPTS:
                reason = getattr(error, "reason", None) or error
                raise _unreachable(url, str(reason)) from None
        time.sleep(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


# One kept-alive connection per thread and host. Why: trixie's list is 556
# .deb files; a new connection for each made 556 DNS look-ups, 8 at a time,
# and a resolver that throttles them stalled the fetch 5 to 10 s at a time
# (40 s instead of 5) or failed it ("Temporary failure in name resolution").
_connections = threading.local()


def _get(url: str) -> bytes:
    """GET ``url`` on this thread's connection to its host (urllib through a
    proxy, or for a redirect); an HTTP error status raises HTTPError."""
    parts = urllib.parse.urlsplit(url)
    proxied = parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(
        parts.hostname or ""
    )
    if parts.scheme not in ("http", "https") or proxied:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read()
    if not hasattr(_connections, "by_host"):
        _connections.by_host = {}
    pool = _connections.by_host
    key = (parts.scheme, parts.netloc)
    while True:
        reused = key in pool
        if not reused:
            https = parts.scheme == "https"
            kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
            pool[key] = kind(parts.netloc, timeout=TIMEOUT)
        try:
            pool[key].request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            response = pool[key].getresponse()
            body = response.read()
            break
        except (http.client.HTTPException, OSError):
            pool.pop(key).close()
            if not reused:
                raise
            # The server closed the idle connection: again at once, on a new one.
    if 300 <= response.status < 400:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as redirected:
            return redirected.read()
    if response.status >= 400:
        raise urllib.error.HTTPError(url, response.status, response.reason, response.msg, None)
    return body


def _unreachable(url: str, reason: str) -> DebianArchiveError:
    return DebianArchiveError(
        f"The crates.io stand-in is built from Debian's crate packages, and {url} could"
        f" not be fetched ({reason}): check that this machine reaches it, or set"
        f" {MIRROR_ENV} to a Debian mirror it reaches (default {DEFAULT_MIRROR})."
    )


def packages_index(base: str, suite: str = DEFAULT_SUITE) -> str:
    """The text of ``suite``'s main/binary-amd64 Packages index (``.xz``, else ``.gz``)."""
    stem = f"{base}/dists/{suite}/main/binary-{ARCH}/Packages"
    try:
        return lzma.decompress(fetch(f"{stem}.xz")).decode()
    except DebianArchiveError as problem:
        if "(HTTP 404)" not in str(problem):
            raise
    return gzip.decompress(fetch(f"{stem}.gz")).decode()


def parse_packages(text: str) -> dict[str, dict[str, str]]:
    """Stanzas of a Packages index by package name (continuation lines joined)."""
    stanzas: dict[str, dict[str, str]] = {}
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" in fields:
            stanzas[fields["Package"]] = fields
    return stanzas


def _relation_names(field: str) -> list[list[str]]:
    """``Depends``-style text as alternatives of bare names (versions, arch dropped)."""
    clauses = []
    for clause in field.split(","):
        names = [re.split(r"[\s(:\[]", alt.strip(), maxsplit=1)[0] for alt in clause.split("|")]
        if any(names):
            clauses.append([name for name in names if name])
    return clauses


def resolve(
    wanted: list[str], index: dict[str, dict[str, str]], suite: str = DEFAULT_SUITE
) -> list[dict[str, str]]:
    """The real packages ``wanted`` names, with their ``librust-*`` dependencies, sorted.

    A name is a real package or one a package ``Provides`` (``librust-serde-1+std-dev``);
    of alternatives, the first one the index has wins, and of several providers
    a listed one (``librust-ahash-0.7-dev``, not ``librust-ahash-dev``). Non-Rust dependencies
    (none carry crate sources) are not followed.
    """
    providers: dict[str, list[str]] = {}
    for name, stanza in index.items():
        for virtual, *_ in _relation_names(stanza.get("Provides", "")):
            providers.setdefault(virtual, []).append(name)

    def real(name: str) -> str | None:
        """The package behind ``name``; of several providers, a listed one first."""
        if name in index:
            return name
        found = sorted(
            providers.get(name, []), key=lambda candidate: (candidate not in wanted, candidate)
        )
        return found[0] if found else None

    missing = [name for name in wanted if real(name) is None]
    if missing:
        raise DebianArchiveError(
            f"Debian {suite}'s index at {mirror()} lacks {', '.join(missing)}, which"
            f" {PACKAGE_LISTS[suite].name} names: point {MIRROR_ENV} at a complete Debian mirror."
        )
    chosen: dict[str, dict[str, str]] = {}
    todo = [real(name) for name in wanted]
    while todo:
        name = todo.pop()
        if name is None or name in chosen:
            continue
        chosen[name] = index[name]
        for alternatives in _relation_names(index[name].get("Depends", "")):
            rust = [real(alt) for alt in alternatives if alt.startswith("librust-")]
            todo.append(next((found for found in rust if found), None))
    return [chosen[name] for name in sorted(chosen)]


# --------------------------------------------------------------------------
# .deb files
# --------------------------------------------------------------------------


def ar_members(data: bytes) -> dict[str, bytes]:
    """The members of an ``ar`` archive (a .deb) by name."""
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members: dict[str, bytes] = {}
    offset = 8
    while offset + 60 <= len(data):
        header = data[offset : offset + 60]
        if header[58:60] != b"`\n":
            raise ValueError(f"bad ar header at byte {offset}")
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        members[name] = data[offset + 60 : offset + 60 + size]
        offset += 60 + size + (size % 2)
    return members


def data_tar(deb: bytes, deb_path: Path | None = None) -> tarfile.TarFile:
    """The .deb's filesystem tar (``data.tar.*``), opened for reading.

    xz, gzip, bzip2 and plain are read by the standard library; zstd (which
    Python reads from 3.14 only) is decompressed by ``dpkg-deb --fsys-tarfile``.
    """
    members = ar_members(deb)
    name = next((m for m in members if m.startswith("data.tar")), None)
    if name is None:
        raise ValueError("no data.tar member")
    if name.endswith(".zst"):
        if shutil.which("dpkg-deb") is None or deb_path is None:
            raise DebianArchiveError(
                "A Debian crate package holds a zstd-compressed data.tar.zst, which this"
                " Python cannot read: install dpkg (for dpkg-deb), then run the command again."
            )
        tar_bytes = subprocess.run(
            ["dpkg-deb", "--fsys-tarfile", str(deb_path)], check=True, capture_output=True
        ).stdout
        return tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:")
    return tarfile.open(fileobj=io.BytesIO(members[name]), mode="r:*")


def extract_crates(tar: tarfile.TarFile, dest: Path) -> list[str]:
    """Write the ``usr/share/cargo/registry/<crate>/`` files of ``tar`` under ``dest``.

    Safe by construction: only regular files and folders below that prefix
    are written, at paths made of plain parts (no ``..``, no absolute path),
    so nothing lands outside ``dest``; a link or device there is refused. Modes
    keep only the executable bit (what a .crate records), mtimes are the
    archive's (as dpkg sets them). Returns the crate folder names.
    """
    folders = set()
    for member in tar:
        path = PurePosixPath(member.name.removeprefix("./"))
        try:
            rel = path.relative_to(REGISTRY_PREFIX)
        except ValueError:
            continue
        if not rel.parts or any(part in ("", ".", "..") for part in rel.parts):
            continue
        if not (member.isfile() or member.isdir()):
            raise ValueError(f"{member.name}: a link or special file, refused")
        target = dest.joinpath(*rel.parts)
        folders.add(rel.parts[0])
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        assert source is not None
        with target.open("wb") as out:
            shutil.copyfileobj(source, out)
        target.chmod(0o755 if member.mode & 0o111 else 0o644)
        os.utime(target, (member.mtime, member.mtime))
    return sorted(folders)


def fetch_deb(base: str, stanza: dict[str, str], scratch: Path, suite: str = DEFAULT_SUITE) -> Path:
    """Download one package's .deb into ``scratch``, checked against its SHA256."""
    url = f"{base}/{stanza['Filename']}"
    data = fetch(url)
    digest = hashlib.sha256(data).hexdigest()
    if digest != stanza["SHA256"]:
        raise DebianArchiveError(
            f"{url} has sha256 {digest}, not the {stanza['SHA256']} of {suite}'s index:"
            f" the download was damaged, or {MIRROR_ENV} names an inconsistent mirror."
        )
    path = scratch / PurePosixPath(stanza["Filename"]).name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------
# The cached tree
# --------------------------------------------------------------------------


def listed_packages(suite: str = DEFAULT_SUITE) -> list[str]:
    """The package names of the suite's list file (comments and blank lines skipped)."""
    lines = PACKAGE_LISTS[suite].read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def default_sources_dir(packages: list[str] | None = None, suite: str = DEFAULT_SUITE) -> Path:
    """One cache folder per suite and package list, so another list never reuses it."""
    packages = listed_packages(suite) if packages is None else packages
    key = f"format={FORMAT_VERSION} {suite} {ARCH}\n" + "\n".join(sorted(packages))
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return fixture_cache_dir() / f"debian-crate-sources-{digest}"


def crate_sources(
    dest: Path | None = None, packages: list[str] | None = None, suite: str = DEFAULT_SUITE
) -> Path:
    """The folder of crate sources the suite's packages ship, fetched once; return it."""
    packages = listed_packages(suite) if packages is None else packages
    dest = Path(dest) if dest is not None else default_sources_dir(packages, suite)
    if (dest / STAMP_NAME).is_file():
        return dest
    with build_lock(dest):
        if (dest / STAMP_NAME).is_file():  # another builder finished meanwhile
            return dest
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            _write_sources(tmp, packages, suite)
            if dest.exists():  # not stamped, so never complete: a leftover
                shutil.rmtree(dest)
            os.rename(tmp, dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _write_sources(root: Path, packages: list[str], suite: str) -> None:
    """Resolve, download, verify and extract every package under ``root``, stamp last."""
    base = mirror()
    print(
        f"fetching Debian {suite}'s crate packages from {base} (once)", file=sys.stderr, flush=True
    )
    stanzas = resolve(packages, parse_packages(packages_index(base, suite)), suite)
    scratch = root / ".debs"
    scratch.mkdir()

    def one(stanza: dict[str, str]) -> dict[str, object]:
        deb = fetch_deb(base, stanza, scratch, suite)
        folders = extract_crates(data_tar(deb.read_bytes(), deb), root)
        deb.unlink()
        return {
            "package": stanza["Package"],
            "version": stanza["Version"],
            "sha256": stanza["SHA256"],
            "crates": folders,
        }

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        record = list(pool.map(one, stanzas))
    scratch.rmdir()
    stamp = {"mirror": base, "suite": suite, "arch": ARCH, "packages": record}
    (root / STAMP_NAME).write_text(json.dumps(stamp, indent=1) + "\n")


def closure(suite: str) -> list[str]:
    """The suite's list closed under its librust-* Depends, as the list file should hold it."""
    index = parse_packages(packages_index(mirror(), suite))
    return [stanza["Package"] for stanza in resolve(listed_packages(suite), index, suite)]


def main(argv: list[str] | None = None) -> int:
    """``debian_crates.py [--suite S] [DEST]``: fetch (once) and print the sources folder;
    ``--closure``: print the list's closure instead (to update the list file)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", nargs="?", type=Path, default=None)
    parser.add_argument("--suite", choices=list(SUITES), default=DEFAULT_SUITE)
    parser.add_argument("--closure", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.closure:
            print("\n".join(closure(args.suite)))
        else:
            print(crate_sources(args.dest, suite=args.suite))
    except MissingPrerequisite as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
