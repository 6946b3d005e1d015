"""A root filesystem standing in for the scalingo-22 stack image, built with debootstrap.

No Docker engine runs on the project's machines and the Scalingo images cannot
be pulled, so the tests run the buildpack in a Debian root filesystem that has
what the stacks have and, just as important, lacks what they lack:

- python3, python3-yaml, python3-requests;
- gcc, libc6-dev, make, pkg-config, libssl-dev, libpq-dev, curl, git,
  ca-certificates, xz-utils, zstd;
- **no** pip, no ensurepip/venv, no Rust (cargo, rustc, rustup).

It also has an unprivileged user ``u1000`` (uid and gid 1000, home ``/app``)
because Dokku/herokuish run compile unprivileged.

The tree is built once per suite into
``$CLASSIC_BP_FIXTURE_CACHE/stack-rootfs-<suite>`` (default
``~/.cache/classic-bp-fixtures``) and reused. A build happens in a temp
sibling, is stamped last and renamed into place, under a lock: a killed build
never looks complete. debootstrap runs in a private mount namespace so the
/proc and /sys it mounts into the target die with it.

Suites (see ``SUITES``): the Ubuntu releases the Scalingo stacks are built on,
``jammy`` (scalingo-22, Python 3.10), ``noble`` (scalingo-24, 3.12) and
``resolute`` (scalingo-26, 3.14), and Debian's ``bookworm`` (3.11, the default)
and ``trixie`` (3.13). Debian packages come from the mirror apt uses on this
machine (read from /etc/apt/sources.list and /etc/apt/sources.list.d/; on an
Ubuntu host, whose apt knows none, deb.debian.org; ``CLASSIC_BP_DEBIAN_MIRROR``
overrides it), checked with the debian-archive-keyring package's keys (which
``make test`` installs on Ubuntu too); Ubuntu packages from
``CLASSIC_BP_UBUNTU_MIRROR`` (default archive.ubuntu.com), their Release files
checked with the keys of Ubuntu's keyring package, itself pinned by sha256.
Needs root and ``debootstrap`` (``apt-get install -y debootstrap``).

Usage: ``python stack_rootfs.py build [--suite jammy]`` (prints the path,
the build time and the size), ``python stack_rootfs.py path [--suite ...]``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debian_crates import DEFAULT_MIRROR as DEFAULT_DEBIAN_MIRROR
from fixture_cache import build_lock, fixture_cache_dir
from prerequisites import MissingPrerequisite, apt_install_command

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suite:
    """A release debootstrap builds, and what it stands in for."""

    vendor: str  # "debian" or "ubuntu"
    python: str  # the major.minor of its python3, checked after the build
    stands_in_for: str


SUITES = {
    "bookworm": Suite("debian", "3.11", "the default: Debian's archive, apt's own registry here"),
    "trixie": Suite("debian", "3.13", "a newer Debian"),
    "jammy": Suite("ubuntu", "3.10", "scalingo-22 and heroku-22 (Ubuntu 22.04)"),
    "noble": Suite("ubuntu", "3.12", "scalingo-24 and heroku-24 (Ubuntu 24.04)"),
    "resolute": Suite("ubuntu", "3.14", "scalingo-26 (Ubuntu 26.04)"),
}
DEFAULT_SUITE = "bookworm"
# The Ubuntu release each Scalingo stack image is built on.
STACK_SUITES = {"scalingo-22": "jammy", "scalingo-24": "noble", "scalingo-26": "resolute"}
_SCRIPTS = {"debian": "sid", "ubuntu": "gutsy"}
UBUNTU_MIRROR = "http://archive.ubuntu.com/ubuntu"
# Ubuntu's archive signing keys come in this package of the archive itself; its
# hash is pinned here so that what checks the Release files is checked too.
UBUNTU_KEYRING_DEB = "pool/main/u/ubuntu-keyring/ubuntu-keyring_2023.11.28.1build1_all.deb"
UBUNTU_KEYRING_SHA256 = "c377ccf26964f4c206c05c0bc7adb708e031beb919bb9a0ff63af983d064cd66"
UBUNTU_KEYRING_MEMBER = "usr/share/keyrings/ubuntu-archive-keyring.gpg"
# What the brief and PLATFORM.md ("The stacks") say every stack has. Recommends
# are not installed (debootstrap never does), which is what keeps pip out:
# nothing here depends on python3-pip or python3-venv.
PACKAGES = (
    "python3",
    "python3-yaml",
    "python3-requests",
    "gcc",
    "libc6-dev",
    "make",
    "pkg-config",
    "libssl-dev",
    "libpq-dev",
    "curl",
    "git",
    "ca-certificates",
    "xz-utils",
    "zstd",
)
ROOTFS_FORMAT = 1
STAMP_NAME = ".stack-rootfs.json"
USER_NAME = "u1000"
USER_ID = 1000
USER_HOME = "/app"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APT_SOURCES = Path("/etc/apt/sources.list")
APT_SOURCES_DIR = Path("/etc/apt/sources.list.d")
# Suites that name a Debian release itself (not -updates, -security, a vendor repo).
_DEBIAN_SUITE = re.compile(
    r"^(buster|bullseye|bookworm|trixie|forky|duke|sid|stable|testing|unstable|oldstable)$"
)

# Checked inside the finished tree; the build fails if any of them is wrong.
# The libraries are those crates link through pkg-config (openssl-sys, pq-sys).
_CHECK_SCRIPT = r"""
import importlib.util, json, shutil, subprocess, sys
import requests, yaml
needed = ("gcc", "curl", "git", "xz", "zstd", "make", "pkg-config")
missing = [t for t in needed if not shutil.which(t)]
if shutil.which("pkg-config"):
    libraries = ("libpq", "openssl")
    missing += [f"{lib}.pc" for lib in libraries
                if subprocess.run(["pkg-config", "--exists", lib]).returncode != 0]
forbidden = [m for m in ("pip", "ensurepip") if importlib.util.find_spec(m) is not None]
forbidden += [t for t in ("pip", "pip3", "cargo", "rustc", "rustup") if shutil.which(t)]
print(json.dumps({
    "python": sys.version.split()[0],
    "yaml": yaml.__version__,
    "requests": requests.__version__,
    "missing": missing,
    "forbidden": forbidden,
}))
"""


# A fresh developer machine, for the test of the README's two commands: what
# the README says a newcomer has (python3 with pip and venv, make, git, gcc)
# and nothing of the project (no Rust, no PyYAML, no pytest, no debootstrap).
FRESH_MACHINE_PACKAGES = (
    "python3",
    "python3-pip",
    "python3-venv",
    "make",
    "git",
    "gcc",
    "libc6-dev",
    "ca-certificates",
)
_FRESH_MACHINE_CHECK_SCRIPT = r"""
import importlib.util, json, shutil, sys
missing = [t for t in ("gcc", "git", "make", "pip3") if not shutil.which(t)]
missing += [m for m in ("venv", "ensurepip", "pip") if importlib.util.find_spec(m) is None]
tools = ("cargo", "rustc", "rustup", "debootstrap", "redis-server")
forbidden = [t for t in tools if shutil.which(t)]
forbidden += [m for m in ("yaml", "pytest", "tomli", "click") if importlib.util.find_spec(m)]
print(json.dumps({"python": sys.version.split()[0], "missing": missing, "forbidden": forbidden}))
"""


@dataclass(frozen=True)
class Flavour:
    """What a root filesystem holds: a stack stand-in, or a fresh developer machine."""

    name: str  # also the cache folder's prefix: <name>-<suite>
    packages: tuple[str, ...]
    check_script: str
    # Ubuntu ships python3-pip and python3-venv in universe; Debian has no universe.
    ubuntu_components: str = "main"

    def components(self, suite: str) -> str:
        return self.ubuntu_components if SUITES[suite].vendor == "ubuntu" else "main"


STACK = Flavour("stack-rootfs", PACKAGES, _CHECK_SCRIPT)
FRESH_MACHINE = Flavour(
    "fresh-machine", FRESH_MACHINE_PACKAGES, _FRESH_MACHINE_CHECK_SCRIPT, "main,universe"
)
FLAVOURS = {flavour.name: flavour for flavour in (STACK, FRESH_MACHINE)}


class RootfsError(RuntimeError):
    pass


class RootfsPrerequisiteError(RootfsError, MissingPrerequisite):
    """The machine cannot build root filesystems (not root, no debootstrap): one sentence."""


def default_rootfs_dir(suite: str = DEFAULT_SUITE, flavour: Flavour = STACK) -> Path:
    return fixture_cache_dir() / f"{flavour.name}-{suite}"


# --------------------------------------------------------------------------
# The Debian mirror apt uses here
# --------------------------------------------------------------------------


def _one_line_sources(text: str) -> Iterator[tuple[str, list[str]]]:
    """(uri, [suite]) of the ``deb`` lines of a sources.list file."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        line = re.sub(r"\[[^\]]*\]", " ", line)  # [signed-by=... arch=...]
        fields = line.split()
        if len(fields) >= 3:
            yield fields[1], [fields[2]]


def _deb822_sources(text: str) -> Iterator[tuple[str, list[str]]]:
    """(uri, suites) of the ``Types: deb`` stanzas of a .sources file."""
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for raw in stanza.splitlines():
            if raw.startswith("#"):
                continue
            if raw[:1] in (" ", "\t") and key:
                fields[key] += " " + raw.strip()
            elif ":" in raw:
                key, _, value = raw.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        for uri in fields.get("uris", "").split():
            yield uri, fields.get("suites", "").split()


def apt_sources() -> list[tuple[str, list[str]]]:
    """Every ``deb`` source apt reads on this machine, in apt's order."""
    found: list[tuple[str, list[str]]] = []
    if APT_SOURCES.is_file():
        found += _one_line_sources(APT_SOURCES.read_text(errors="replace"))
    if APT_SOURCES_DIR.is_dir():
        # apt reads only *.list and *.sources (not *.disabled, *.save, ...).
        for path in sorted(APT_SOURCES_DIR.iterdir()):
            if path.suffix == ".list":
                found += _one_line_sources(path.read_text(errors="replace"))
            elif path.suffix == ".sources":
                found += _deb822_sources(path.read_text(errors="replace"))
    return found


def debian_mirror() -> str:
    """The Debian archive apt uses here, else deb.debian.org, as debian_crates.py
    (``CLASSIC_BP_DEBIAN_MIRROR`` overrides both)."""
    configured = os.environ.get("CLASSIC_BP_DEBIAN_MIRROR", "").strip()
    if configured:
        return configured
    for uri, suites in apt_sources():
        if "security" in uri:
            continue
        if any(_DEBIAN_SUITE.match(suite) for suite in suites):
            return uri
    return DEFAULT_DEBIAN_MIRROR


def ubuntu_mirror() -> str:
    """The Ubuntu archive (``CLASSIC_BP_UBUNTU_MIRROR`` overrides archive.ubuntu.com)."""
    return os.environ.get("CLASSIC_BP_UBUNTU_MIRROR", "").strip() or UBUNTU_MIRROR


def ubuntu_keyring(mirror: str) -> Path:
    """Ubuntu's archive keyring, from its pinned package, cached next to the trees."""
    keyring = fixture_cache_dir() / "ubuntu-archive-keyring.gpg"
    if keyring.is_file():
        return keyring
    keyring.parent.mkdir(parents=True, exist_ok=True)
    url = f"{mirror.rstrip('/')}/{UBUNTU_KEYRING_DEB}"
    with tempfile.TemporaryDirectory(dir=keyring.parent) as scratch:
        deb = Path(scratch) / "ubuntu-keyring.deb"
        with urllib.request.urlopen(url, timeout=60) as response:
            deb.write_bytes(response.read())
        digest = hashlib.sha256(deb.read_bytes()).hexdigest()
        if digest != UBUNTU_KEYRING_SHA256:
            raise RootfsError(f"{url} has sha256 {digest}, expected {UBUNTU_KEYRING_SHA256}")
        unpacked = Path(scratch) / "unpacked"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
        os.replace(unpacked / UBUNTU_KEYRING_MEMBER, keyring)
    return keyring


def _debootstrap_source(suite: str) -> tuple[str, list[str]]:
    """The mirror for ``suite`` and the debootstrap options its vendor needs."""
    if SUITES[suite].vendor == "debian":
        return debian_mirror(), []
    mirror = ubuntu_mirror()
    return mirror, [f"--keyring={ubuntu_keyring(mirror)}"]


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def _key(suite: str, flavour: Flavour = STACK) -> dict:
    key = {"format": ROOTFS_FORMAT, "suite": suite, "packages": list(flavour.packages)}
    if flavour is not STACK:  # the stack trees' keys predate flavours: keep them valid
        key["flavour"] = flavour.name
    return key


def read_stamp(dest: Path) -> dict | None:
    try:
        return json.loads((dest / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None


def is_complete(dest: Path, suite: str = DEFAULT_SUITE, flavour: Flavour = STACK) -> bool:
    stamp = read_stamp(dest)
    return bool(stamp) and stamp.get("key") == _key(suite, flavour)


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below ``path`` in this process's mount namespace."""
    prefix = str(path).rstrip("/")
    found = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            point = _unescape(line.split()[4])
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return found


def remove_tree(path: Path) -> None:
    """``rm -rf`` that never walks into a mount (a killed chroot's /proc, say)."""
    if not path.exists() and not path.is_symlink():
        return
    busy = mounts_under(path)
    if busy:
        raise RootfsError(f"refusing to delete {path}: mounted on {', '.join(busy)}")
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], check=True)


def _remove_leftovers(dest: Path) -> None:
    """Temp trees of killed builds; safe because the caller holds the build lock."""
    for pattern in (f".{dest.name}.building-*", f".{dest.name}.old-*"):
        for stale in dest.parent.glob(pattern):
            try:
                remove_tree(stale)
            except (RootfsError, subprocess.CalledProcessError) as problem:
                log.warning("could not remove %s: %s", stale, problem)


def _require_debootstrap() -> None:
    if shutil.which("debootstrap") is None:
        raise RootfsPrerequisiteError(
            "The stack stand-ins are built with debootstrap, which is not installed:"
            f" run `{apt_install_command(['debootstrap'])}`."
        )


def _debootstrap(
    target: Path,
    suite: str,
    mirror: str,
    options: list[str],
    log_path: Path,
    packages: tuple[str, ...] = PACKAGES,
    components: str = "main",
) -> None:
    _require_debootstrap()
    # An older debootstrap has no script named after a newer release: every
    # Ubuntu release uses the "gutsy" one, every Debian release "sid".
    scripts = Path("/usr/share/debootstrap/scripts")
    script = [] if (scripts / suite).exists() else [str(scripts / _SCRIPTS[SUITES[suite].vendor])]
    command = [
        # A private mount namespace: the /proc and /sys debootstrap mounts into
        # the target vanish with it, even when the build is killed.
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "debootstrap",
        "--variant=minbase",
        f"--components={components}",
        f"--include={','.join(packages)}",
        *options,
        suite,
        str(target),
        mirror,
        *script,
    ]
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
    with open(log_path, "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace").splitlines()[-25:]
        raise RootfsError(
            f"debootstrap {suite} failed (exit {result.returncode}); log: {log_path}\n"
            + "\n".join(tail)
        )


def _add_user(root: Path) -> None:
    """The unprivileged builder herokuish uses, home /app like the stack's HOME."""
    etc = root / "etc"
    passwd = (etc / "passwd").read_text()
    if any(line.split(":")[2:3] == [str(USER_ID)] for line in passwd.splitlines()):
        raise RootfsError(f"uid {USER_ID} already exists in {etc / 'passwd'}")
    entries = {
        "passwd": f"{USER_NAME}:x:{USER_ID}:{USER_ID}:unprivileged builder:{USER_HOME}:/bin/bash",
        "group": f"{USER_NAME}:x:{USER_ID}:",
        "shadow": f"{USER_NAME}:*:19000:0:99999:7:::",
        "gshadow": f"{USER_NAME}:!::",
    }
    for name, entry in entries.items():
        path = etc / name
        if path.exists():
            text = path.read_text()
            path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + entry + "\n")
    home = root / USER_HOME.lstrip("/")
    home.mkdir(mode=0o755, exist_ok=True)
    os.chown(home, USER_ID, USER_ID)


def _finish(root: Path) -> None:
    """Make the tree look like a container image: mount points, hosts, no apt cache."""
    _add_user(root)
    for point in ("build", "buildpack"):
        (root / point).mkdir(mode=0o755, exist_ok=True)
    (root / "etc" / "hosts").write_text(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    )
    (root / "etc" / "hostname").write_text("stack\n")
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        folder = root / cache
        if folder.is_dir():
            for entry in folder.iterdir():
                if entry.is_file() and entry.name != "lock":
                    entry.unlink()
    for leftover in root.glob("var/cache/apt/*.bin"):
        leftover.unlink()
    for debootstrap_dir in (root / "debootstrap",):
        if debootstrap_dir.exists():
            remove_tree(debootstrap_dir)


def _check(root: Path, script: str = _CHECK_SCRIPT) -> dict:
    result = subprocess.run(
        [
            *("chroot", str(root), "/usr/bin/env", "-i", f"PATH={SYSTEM_PATH}", "LANG=C.UTF-8"),
            *("python3", "-I", "-c", script),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RootfsError(f"the new root filesystem fails its check:\n{result.stderr}")
    facts = json.loads(result.stdout)
    if facts["missing"] or facts["forbidden"]:
        raise RootfsError(
            f"the new root filesystem is not as planned: missing {facts['missing']}, "
            f"present but forbidden {facts['forbidden']}"
        )
    del facts["missing"], facts["forbidden"]
    return facts


def tree_size(path: Path) -> int:
    """Bytes used on disk (``du -sx``), hard links counted once."""
    out = subprocess.run(
        ["du", "-sxB1", "--", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[0])


def _swap_into_place(built: Path, dest: Path) -> None:
    if dest.exists():
        old = dest.parent / f".{dest.name}.old-{os.getpid()}"
        dest.rename(old)
        built.rename(dest)
        remove_tree(old)
    else:
        built.rename(dest)


class Prebuild:
    """Root filesystems built one after another in a background thread, while the
    tests that come before the ones needing them run.

    A debootstrap takes 30 to 60 s, mostly in dpkg; seven of them one after the
    other, each when its first test asks, added five minutes to a run on a fresh
    machine. A test asking for one that is being built here waits on its build
    lock (build_rootfs()); one this thread failed to build is built again by the
    test that needs it, which reports the failure. ``stop()`` lets the build
    under way finish and starts no other.
    """

    def __init__(self, wanted: Iterable[tuple[str, Flavour]]) -> None:
        self.wanted = list(wanted)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._build_all, name="rootfs-prebuild")

    def start(self) -> Prebuild:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _build_all(self) -> None:
        for suite, flavour in self.wanted:
            if self._stopping.is_set():
                return
            try:
                build_rootfs(suite, flavour=flavour)
            except Exception as problem:  # the test that needs it builds it and reports
                log.warning("prebuilding %s-%s failed: %s", flavour.name, suite, problem)


def build_rootfs(
    suite: str = DEFAULT_SUITE, dest: Path | None = None, flavour: Flavour = STACK
) -> Path:
    """The root filesystem for ``suite``, built unless a complete one is cached.

    ``flavour`` says what it holds: a stack stand-in (the default), or
    ``FRESH_MACHINE``, a developer machine before anything of the project.
    """
    if suite not in SUITES:
        raise RootfsError(f"unsupported suite {suite!r}: use one of {', '.join(SUITES)}")
    dest = Path(dest or default_rootfs_dir(suite, flavour)).absolute()
    if is_complete(dest, suite, flavour):
        return dest
    if os.geteuid() != 0:
        raise RootfsPrerequisiteError(
            "Building a stack stand-in's root filesystem needs root (debootstrap, chroot):"
            " run the command again with sudo."
        )
    _require_debootstrap()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(dest):
        if is_complete(dest, suite, flavour):  # another process built it while we waited
            return dest
        _remove_leftovers(dest)
        mirror, options = _debootstrap_source(suite)
        building = Path(tempfile.mkdtemp(prefix=f".{dest.name}.building-", dir=dest.parent))
        log_path = dest.parent / f"{dest.name}.log"
        started = time.monotonic()
        try:
            log.info("debootstrap %s from %s into %s", suite, mirror, building)
            building.chmod(0o755)  # mkdtemp makes it 0700; it becomes the chroot's /
            _debootstrap(
                building,
                suite,
                mirror,
                options,
                log_path,
                flavour.packages,
                flavour.components(suite),
            )
            _finish(building)
            facts = _check(building, flavour.check_script)
            wanted = SUITES[suite].python
            if not facts["python"].startswith(wanted + "."):
                raise RootfsError(f"{suite} has python3 {facts['python']}, not {wanted}")
            stamp = {
                "key": _key(suite, flavour),
                "mirror": mirror,
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(time.monotonic() - started, 1),
                "size_bytes": tree_size(building),
                **facts,
            }
            (building / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n")
            _swap_into_place(building, dest)
        except BaseException:
            with contextlib.suppress(Exception):
                remove_tree(building)
            raise
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("build", "path"))
    parser.add_argument("--suite", default=DEFAULT_SUITE, choices=list(SUITES))
    parser.add_argument("--flavour", default=STACK.name, choices=list(FLAVOURS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    flavour = FLAVOURS[args.flavour]
    if args.command == "path":
        print(default_rootfs_dir(args.suite, flavour))
        return 0
    started = time.monotonic()
    try:
        root = build_rootfs(args.suite, flavour=flavour)
    except RootfsPrerequisiteError as problem:
        print(problem, file=sys.stderr)
        return 1
    except RootfsError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    stamp = read_stamp(root) or {}
    print(root)
    print(
        f"suite {args.suite}: python {stamp.get('python')}, yaml {stamp.get('yaml')}, "
        f"requests {stamp.get('requests')}; mirror {stamp.get('mirror')}"
    )
    print(
        f"this call: {elapsed:.1f} s; built in {stamp.get('build_seconds')} s at "
        f"{stamp.get('built')}; size {stamp.get('size_bytes', 0) / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
