"""Run commands in the stack stand-in the way ``docker run scalingo/scalingo-22`` would.

Reproduces, without Docker::

    docker run --rm --env STACK=scalingo-22 \\
      -v <buildpack>:/buildpack:ro -v <app>:/build/<id> \\
      -v <cache>:/tmp/cache -v <env>:/tmp/env scalingo/scalingo-22 <command>

on the root filesystem built by ``stack_rootfs.py``. Each run is a fresh
"container":

- ``unshare --mount --pid --fork --propagation private --kill-child``: a
  private mount namespace (nothing mounted here is seen by the host, and every
  mount vanishes with the namespace) and a PID namespace (when the command
  exits, every process it left behind is killed by the kernel).
- The cached root filesystem is the read-only lower layer of an overlay whose
  upper layer is a temp dir deleted after the run, like a container layer:
  a build can write to ``/tmp`` or ``/app`` without changing the cache, and
  ``docker run --rm`` discards them too.
- Bind mounts: the buildpack at ``/buildpack`` (read-only by default), the app
  at ``/build/<id>``, the cache at ``/tmp/cache``, the env dir at ``/tmp/env``;
  a fresh ``/proc``; a tmpfs ``/dev`` holding binds of null, zero, full,
  random, urandom, tty plus ``/dev/fd``, ``/dev/shm``, ``/dev/pts``; ``/sys``
  read-only.
- ``chroot`` then ``env -i`` with the stack's environment: ``PATH``,
  ``HOME=/app``, ``STACK``, ``LANG=C.UTF-8``, plus the caller's extra variables.
- The network is the host's: servers on the host's 127.0.0.1 are reachable.

Needs root (mounts, chroot). With ``user=`` (``"u1000"``, uid 1000, the
unprivileged builder Dokku/herokuish use) the command runs unprivileged, and
by default the app, cache and env dirs are first chowned (recursively) to that
user on the host, and missing read bits are added on the buildpack tree
(``chmod -R a+rX`` where needed), because a bind mount keeps the host's
owners and modes.

From a shell, with docker-run's interface (detect, compile, release; the
stack's own Ubuntu release unless ``--suite`` says otherwise)::

    python stack_runner.py BUILDPACK_DIR APP_DIR CACHE_DIR ENV_DIR [STACK]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_rootfs import (
    DEFAULT_SUITE,
    STACK_SUITES,
    SUITES,
    SYSTEM_PATH,
    USER_NAME,
    RootfsError,
    build_rootfs,
    default_rootfs_dir,
    remove_tree,
)

DEFAULT_STACK = "scalingo-22"
SETUP_FAILED = 125  # docker's "the daemon/container could not start" exit code
_BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# PID 1 of the new namespaces, run by the host's /bin/sh. Every value comes in
# through SR_* variables or "$@": nothing is interpolated into this text.
_SETUP = r"""
set -u
fail() { echo "stack_runner: $*" >&2; exit 125; }
r=$SR_ROOT
mount -t overlay overlay -o "lowerdir=$SR_LOWER,upperdir=$SR_UPPER,workdir=$SR_WORK" "$r" \
  || fail "cannot mount the overlay root"
bind() {  # bind <host dir> <path inside> <ro|rw>
  mkdir -p "$r$2" || fail "cannot create $2"
  mount --bind "$1" "$r$2" || fail "cannot bind $1 on $2"
  if [ "$3" = ro ]; then
    mount -o remount,bind,ro "$r$2" || fail "cannot make $2 read-only"
  fi
}
[ -z "$SR_BUILDPACK" ] || bind "$SR_BUILDPACK" /buildpack "$SR_BUILDPACK_MODE"
[ -z "$SR_APP" ] || bind "$SR_APP" "$SR_APP_TARGET" rw
[ -z "$SR_CACHE" ] || bind "$SR_CACHE" /tmp/cache rw
[ -z "$SR_ENV" ] || bind "$SR_ENV" /tmp/env rw
i=0
while [ "$i" -lt "$SR_RO_COUNT" ]; do  # extra read-only binds: SR_RO_SRC_<i> on SR_RO_DST_<i>
  eval "src=\$SR_RO_SRC_$i dst=\$SR_RO_DST_$i"
  bind "$src" "$dst" ro
  i=$((i + 1))
done
mount -t proc -o nosuid,nodev,noexec proc "$r/proc" || fail "cannot mount /proc"
mount -t tmpfs -o nosuid,mode=755,size=64k tmpfs "$r/dev" || fail "cannot mount /dev"
for node in null zero full random urandom tty; do
  : > "$r/dev/$node" && mount --bind "/dev/$node" "$r/dev/$node" || fail "cannot bind /dev/$node"
done
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"
ln -s /proc/self/fd/2 "$r/dev/stderr"
mkdir "$r/dev/shm" "$r/dev/pts"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$r/dev/shm" || fail "cannot mount /dev/shm"
if mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$r/dev/pts" 2>/dev/null; then
  ln -s pts/ptmx "$r/dev/ptmx"
fi
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys" 2>/dev/null || true
# Not exec: this shell stays PID 1, so the command gets ordinary signal
# handling, and when it exits the namespace (and all it left running) ends.
if [ -n "$SR_USERSPEC" ]; then
  chroot --userspec="$SR_USERSPEC" --groups="$SR_GROUPS" "$r" /usr/bin/env -i -C "$SR_CWD" "$@"
else
  chroot "$r" /usr/bin/env -i -C "$SR_CWD" "$@"
fi
"""


class StackRunnerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Identity:
    uid: int
    gid: int

    @property
    def userspec(self) -> str:
        return f"{self.uid}:{self.gid}"


@dataclass
class BuildpackRun:
    """detect, compile, release as the platform runs them; later steps None when skipped."""

    build_id: str
    detect: subprocess.CompletedProcess[str]
    compile: subprocess.CompletedProcess[str] | None = None
    release: subprocess.CompletedProcess[str] | None = None

    @property
    def ok(self) -> bool:
        return all(
            step is not None and step.returncode == 0
            for step in (self.detect, self.compile, self.release)
        )

    @property
    def log(self) -> str:
        """What a platform shows: detect's name, then compile's stdout and stderr."""
        parts = [self.detect.stdout, self.detect.stderr]
        if self.compile is not None:
            parts += [self.compile.stdout, self.compile.stderr]
        return "".join(parts)


@dataclass
class _Prepared:
    command: list[str]
    env: dict[str, str]
    scratch: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


free_port = _free_port


def _kill_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


class StackProcess:
    """A command left running inside the stand-in (an app server, say).

    Its stdout and stderr go to files (read them with ``output()``). ``stop()``
    signals the whole process group (SIGTERM, then SIGKILL after ``grace``); the
    PID namespace guarantees nothing outlives it, and the scratch layer is
    deleted. Also a context manager.
    """

    def __init__(self, popen: subprocess.Popen, scratch: Path, logs: Path) -> None:
        self.popen = popen
        self._scratch = scratch
        self._logs = logs
        self.stdout = ""
        self.stderr = ""
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def output(self) -> tuple[str, str]:
        if self.returncode is not None:
            return self.stdout, self.stderr
        return tuple(  # type: ignore[return-value]
            (self._logs / name).read_text(errors="replace") for name in ("stdout", "stderr")
        )

    def wait_for_port(self, port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
        """Until something accepts TCP connections on host:port; fails fast if we exited."""
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                out, err = self.output()
                raise StackRunnerError(
                    f"the process exited ({self.popen.returncode}) before listening on "
                    f"{host}:{port}\nstdout:\n{out}\nstderr:\n{err}"
                )
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.5):
                return
            if time.monotonic() > deadline:
                raise StackRunnerError(f"nothing listens on {host}:{port} after {timeout} s")
            time.sleep(0.05)

    def stop(self, grace: float = 5.0) -> int:
        if self.returncode is None:
            if self.popen.poll() is None:
                _kill_group(self.popen, signal.SIGTERM)
                try:
                    self.popen.wait(grace)
                except subprocess.TimeoutExpired:
                    _kill_group(self.popen, signal.SIGKILL)
                    self.popen.wait()
            self.stdout, self.stderr = self.output()
            self.returncode = self.popen.returncode
            remove_tree(self._scratch)
        return self.returncode

    def __enter__(self) -> StackProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class StackRunner:
    """The stand-in for ``docker run ... scalingo/<stack>``; see the module docstring.

    ``rootfs`` defaults to the cached bookworm tree (built on first use).
    ``tmp_root`` holds each run's scratch layer (default: the system temp dir).
    """

    def __init__(
        self,
        rootfs: Path | None = None,
        buildpack: Path | None = None,
        stack: str = DEFAULT_STACK,
        *,
        buildpack_readonly: bool = True,
        tmp_root: Path | None = None,
    ) -> None:
        if os.geteuid() != 0:
            raise StackRunnerError("the stack runner needs root (unshare, mount, chroot)")
        self.rootfs = Path(rootfs).absolute() if rootfs else build_rootfs()
        if not (self.rootfs / "usr" / "bin" / "env").exists():
            raise StackRunnerError(f"{self.rootfs} is not a root filesystem")
        self.buildpack = Path(buildpack).absolute() if buildpack else None
        self.stack = stack
        self.buildpack_readonly = buildpack_readonly
        self.tmp_root = Path(tmp_root or tempfile.gettempdir()).absolute()
        _check_overlay_path(self.rootfs)
        _check_overlay_path(self.tmp_root)

    # -- identities and the environment -----------------------------------

    def identity(self, user: str | int | None) -> Identity | None:
        """uid and gid of a user of the root filesystem (name or number); None is root."""
        if user is None:
            return None
        for line in (self.rootfs / "etc" / "passwd").read_text().splitlines():
            fields = line.split(":")
            if len(fields) >= 4 and str(user) in (fields[0], fields[2]):
                return Identity(int(fields[2]), int(fields[3]))
        raise StackRunnerError(f"no user {user!r} in {self.rootfs / 'etc' / 'passwd'}")

    def environment(self, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {"PATH": SYSTEM_PATH, "HOME": "/app", "STACK": self.stack, "LANG": "C.UTF-8"}
        for name, value in (extra_env or {}).items():
            if not _ENV_NAME.match(name) or "\0" in str(value):
                raise StackRunnerError(f"invalid environment variable {name!r}")
            env[name] = str(value)
        return env

    # -- running ------------------------------------------------------------

    def run(
        self,
        args: Sequence[str],
        *,
        app_dir: Path | None = None,
        build_id: str | None = None,
        app_target: str | None = None,
        cache_dir: Path | None = None,
        env_dir: Path | None = None,
        user: str | int | None = None,
        extra_env: Mapping[str, str] | None = None,
        cwd: str = "/",
        timeout: float | None = None,
        input: str | None = None,
        chown: bool = True,
        ro_mounts: Mapping[str, Path] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args`` inside and wait; stdout and stderr captured separately (text).

        The app is mounted at ``app_target`` (default ``/build/<build_id>``;
        ``build_id`` defaults to a random id, like Scalingo's request ids).
        Background processes the command leaves are killed when it exits.
        On timeout everything inside is killed and TimeoutExpired is raised.
        ``ro_mounts`` maps more paths inside to host directories, bound read-only
        (``docker run -v host:inside:ro``).
        """
        prepared = self._prepare(
            args,
            app_dir,
            build_id,
            app_target,
            cache_dir,
            env_dir,
            user,
            extra_env,
            cwd,
            chown,
            ro_mounts,
        )
        try:
            popen = subprocess.Popen(
                prepared.command,
                env=prepared.env,
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            try:
                stdout, stderr = popen.communicate(input, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(popen, signal.SIGKILL)
                stdout, stderr = popen.communicate()
                raise subprocess.TimeoutExpired(
                    list(args), timeout or 0, output=stdout, stderr=stderr
                ) from None
            except BaseException:
                _kill_group(popen, signal.SIGKILL)
                popen.wait()
                raise
            return subprocess.CompletedProcess(list(args), popen.returncode, stdout, stderr)
        finally:
            remove_tree(prepared.scratch)

    def start(
        self,
        args: Sequence[str],
        *,
        app_dir: Path | None = None,
        build_id: str | None = None,
        app_target: str | None = None,
        cache_dir: Path | None = None,
        env_dir: Path | None = None,
        user: str | int | None = None,
        extra_env: Mapping[str, str] | None = None,
        cwd: str = "/",
        chown: bool = True,
    ) -> StackProcess:
        """Start ``args`` inside, in the background; stop it with ``.stop()`` (or ``with``)."""
        prepared = self._prepare(
            args, app_dir, build_id, app_target, cache_dir, env_dir, user, extra_env, cwd, chown
        )
        logs = prepared.scratch / "logs"
        logs.mkdir()
        try:
            with open(logs / "stdout", "wb") as out, open(logs / "stderr", "wb") as err:
                popen = subprocess.Popen(
                    prepared.command,
                    env=prepared.env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                )
        except BaseException:
            remove_tree(prepared.scratch)
            raise
        return StackProcess(popen, prepared.scratch, logs)

    def run_buildpack(
        self,
        app_dir: Path,
        cache_dir: Path,
        env_dir: Path,
        *,
        build_id: str | None = None,
        user: str | int | None = USER_NAME,
        extra_env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> BuildpackRun:
        """detect, then compile, then release, each stopping the sequence when it fails."""
        if self.buildpack is None:
            raise StackRunnerError("this runner has no buildpack")
        build_id = build_id or new_build_id()
        build_dir = f"/build/{build_id}"
        common = {
            "app_dir": app_dir,
            "build_id": build_id,
            "cache_dir": cache_dir,
            "env_dir": env_dir,
            "user": user,
            "extra_env": extra_env,
            "timeout": timeout,
        }
        outcome = BuildpackRun(build_id, self.run(["/buildpack/bin/detect", build_dir], **common))
        if outcome.detect.returncode != 0:
            return outcome
        outcome.compile = self.run(
            ["/buildpack/bin/compile", build_dir, "/tmp/cache", "/tmp/env"], **common
        )
        if outcome.compile.returncode != 0:
            return outcome
        outcome.release = self.run(["/buildpack/bin/release", build_dir], **common)
        return outcome

    def start_app(
        self,
        app_dir: Path,
        command: str,
        *,
        port: int,
        user: str | int | None = USER_NAME,
        extra_env: Mapping[str, str] | None = None,
    ) -> StackProcess:
        """Boot a compiled app like the platform: the slug at /app, ``.profile.d/*.sh``
        sourced by bash, then ``command`` (a Procfile line) with ``PORT`` set."""
        return self.start(
            _boot(command),
            app_dir=app_dir,
            app_target="/app",
            user=user,
            extra_env={"PORT": str(port), **(extra_env or {})},
            cwd="/app",
        )

    def run_app(
        self,
        app_dir: Path,
        command: str,
        *,
        user: str | int | None = USER_NAME,
        extra_env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a one-off process of a compiled app (a Procfile ``release:`` command,
        say) as the platform does, booted like ``start_app``, and wait for it."""
        return self.run(
            _boot(command),
            app_dir=app_dir,
            app_target="/app",
            user=user,
            extra_env=extra_env,
            cwd="/app",
            timeout=timeout,
        )

    # -- the command line -----------------------------------------------------

    def _prepare(
        self,
        args: Sequence[str],
        app_dir: Path | None,
        build_id: str | None,
        app_target: str | None,
        cache_dir: Path | None,
        env_dir: Path | None,
        user: str | int | None,
        extra_env: Mapping[str, str] | None,
        cwd: str,
        chown: bool,
        ro_mounts: Mapping[str, Path] | None = None,
    ) -> _Prepared:
        args = [str(arg) for arg in args]
        if not args or "=" in args[0]:
            raise StackRunnerError(f"bad command {args!r} (empty, or '=' in the program name)")
        if not cwd.startswith("/"):
            raise StackRunnerError(f"cwd must be absolute inside the stack: {cwd!r}")
        identity = self.identity(user)
        build_id = build_id or new_build_id()
        if not _BUILD_ID.match(build_id):
            raise StackRunnerError(f"bad build id {build_id!r}")
        target = app_target or f"/build/{build_id}"
        if not target.startswith("/") or ".." in target.split("/") or target == "/":
            raise StackRunnerError(f"bad app mount point {target!r}")
        dirs = {
            "app": _existing_dir(app_dir),
            "cache": _existing_dir(cache_dir),
            "env": _existing_dir(env_dir),
        }
        if identity is not None and chown:
            for folder in dirs.values():
                if folder is not None:
                    chown_tree(folder, identity.uid, identity.gid)
            if self.buildpack is not None:
                make_world_readable(self.buildpack)
        binds = {}
        for inside, host in (ro_mounts or {}).items():
            if not inside.startswith("/") or ".." in inside.split("/") or inside == "/":
                raise StackRunnerError(f"bad mount point {inside!r}")
            if not Path(host).is_dir():
                raise StackRunnerError(f"{host} is not a directory to mount on {inside}")
            binds[inside] = Path(host).absolute()
        scratch = Path(tempfile.mkdtemp(prefix="stack-run-", dir=self.tmp_root))
        for part in ("upper", "work", "root"):
            (scratch / part).mkdir()
        env = {
            "PATH": SYSTEM_PATH,
            "LANG": "C.UTF-8",
            "SR_ROOT": str(scratch / "root"),
            "SR_LOWER": str(self.rootfs),
            "SR_UPPER": str(scratch / "upper"),
            "SR_WORK": str(scratch / "work"),
            "SR_BUILDPACK": str(self.buildpack or ""),
            "SR_BUILDPACK_MODE": "ro" if self.buildpack_readonly else "rw",
            "SR_APP": str(dirs["app"] or ""),
            "SR_APP_TARGET": target,
            "SR_CACHE": str(dirs["cache"] or ""),
            "SR_ENV": str(dirs["env"] or ""),
            "SR_USERSPEC": identity.userspec if identity else "",
            "SR_GROUPS": str(identity.gid) if identity else "",
            "SR_CWD": cwd,
            "SR_RO_COUNT": str(len(binds)),
        }
        for number, (inside, host) in enumerate(binds.items()):
            env[f"SR_RO_SRC_{number}"] = str(host)
            env[f"SR_RO_DST_{number}"] = inside
        assignments = [f"{name}={value}" for name, value in self.environment(extra_env).items()]
        command = [
            "unshare",
            "--mount",
            "--pid",
            "--fork",
            "--propagation",
            "private",
            "--kill-child",
            "--",
            "/bin/sh",
            "-c",
            _SETUP,
            "stack-init",
            *assignments,
            *args,
        ]
        return _Prepared(command, env, scratch)


def _boot(command: str) -> list[str]:
    """The slug's ``.profile.d/*.sh`` sourced by bash, then ``command``, as dynos boot."""
    boot = 'for f in /app/.profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; eval "$1"'
    return ["/bin/bash", "-c", boot, "boot", command]


def new_build_id() -> str:
    """Like Scalingo's build dirs: ``/build/<request id>``, new on every build."""
    return uuid.uuid4().hex


def _existing_dir(path: Path | None) -> Path | None:
    if path is None:
        return None
    path = Path(path).absolute()
    path.mkdir(parents=True, exist_ok=True)  # docker -v creates missing host dirs too
    return path


def _check_overlay_path(path: Path) -> None:
    # overlayfs options are comma-separated and lowerdir is colon-separated.
    if re.search(r"[,:\\\s]", str(path)):
        raise StackRunnerError(f"{path} cannot be an overlay layer path (comma, colon or space)")


def _walk(root: Path, skip: Iterable[str] = ()) -> Iterator[Path]:
    yield root
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if name not in skip]
        for name in (*dirnames, *filenames):
            yield Path(dirpath, name)


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """``chown -R uid:gid`` touching only what differs (symlinks themselves, not targets)."""
    for path in _walk(root):
        stat = path.lstat()
        if (stat.st_uid, stat.st_gid) != (uid, gid):
            os.lchown(path, uid, gid)


# Never part of what a platform runs; skipped so that pointing a runner at a
# working copy does not walk its caches and build trees.
_NOT_BUILDPACK = (".git", ".pytest_cache", ".ruff_cache", ".benchmarks", "__pycache__", "target")


def make_world_readable(root: Path) -> None:
    """``chmod -R a+rX`` where needed, so an unprivileged user can run the buildpack."""
    for path in _walk(root, skip=_NOT_BUILDPACK):
        stat = path.lstat()
        if path.is_symlink():
            continue
        wanted = stat.st_mode | 0o444
        if path.is_dir() or stat.st_mode & 0o111:
            wanted |= 0o111
        if wanted != stat.st_mode:
            os.chmod(path, wanted & 0o7777)


def suite_for(stack: str) -> str:
    """The stack's own Ubuntu release when there is one, else the default suite."""
    return STACK_SUITES.get(stack, DEFAULT_SUITE)


def default_runner(
    buildpack: Path | None = None, suite: str | None = None, stack: str = DEFAULT_STACK
) -> StackRunner:
    """A runner on the cached root filesystem of ``suite`` (built on first use).

    Without a suite, the stack's own Ubuntu release (jammy for scalingo-22).
    """
    return StackRunner(build_rootfs(suite or suite_for(stack)), buildpack, stack)


def main(argv: Sequence[str] | None = None) -> int:
    """docker-run's interface: detect, compile and release in the stand-in."""
    parser = argparse.ArgumentParser(
        description="Run a buildpack's detect, compile and release in the stack stand-in,"
        " as `docker run ... scalingo/<stack>` would (needs root).",
    )
    parser.add_argument("buildpack", type=Path)
    parser.add_argument("app", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("env", type=Path)
    parser.add_argument("stack", nargs="?", default=DEFAULT_STACK)
    parser.add_argument("--suite", choices=list(SUITES), help="default: the stack's own release")
    parser.add_argument("--build-id", help="default: a new random id, like Scalingo's")
    args = parser.parse_args(argv)
    try:
        runner = default_runner(args.buildpack, args.suite, args.stack)
        outcome = runner.run_buildpack(args.app, args.cache, args.env, build_id=args.build_id)
    except (StackRunnerError, RootfsError) as problem:
        print(f"stack_runner: {problem}", file=sys.stderr)
        return 2
    print(f"# {runner.rootfs.name}, STACK={args.stack}, app at /build/{outcome.build_id}")
    steps = (("detect", outcome.detect), ("compile", outcome.compile), ("release", outcome.release))
    for name, step in steps:
        if step is None:
            break
        print(f"# bin/{name}: exit {step.returncode}")
        sys.stdout.write(step.stdout)
        sys.stdout.flush()
        sys.stderr.write(step.stderr)
        sys.stderr.flush()
        if step.returncode != 0:
            return step.returncode
    return 0


__all__ = [
    "DEFAULT_STACK",
    "SETUP_FAILED",
    "BuildpackRun",
    "Identity",
    "StackProcess",
    "StackRunner",
    "StackRunnerError",
    "chown_tree",
    "default_rootfs_dir",
    "default_runner",
    "free_port",
    "main",
    "make_world_readable",
    "new_build_id",
    "suite_for",
]


if __name__ == "__main__":
    sys.exit(main())
