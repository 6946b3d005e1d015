"""Dokku's builder as a stand-in: herokuish's ``buildpack-build``, then ``procfile-start``.

Dokku builds classic buildpacks with herokuish. This reproduces, inside the
stack stand-in (stack_runner.py), what gliderlabs/herokuish does (read in its
``include/buildpack.bash``, ``include/procfile.bash`` and
``include/herokuish.bash``; nothing of it is copied here):

- paths: the app is imported from ``/tmp/app``, copied to the app path
  (``$APP_PATH``, default ``/app``) and from there to the build path
  ``/tmp/build``; the cache is ``/tmp/cache``, the env dir ``/tmp/env``; the
  buildpack is installed under ``/tmp/buildpacks/`` (``custom`` for a
  ``BUILDPACK_URL``) and owned by the unprivileged user;
- environment: ``HOME`` and ``APP_DIR`` are the app path, ``STACK`` defaults
  to ``heroku-24``, ``REQUEST_ID=build-<random>``, ``CURL_CONNECT_TIMEOUT=30``
  and ``CURL_TIMEOUT=180``;
- as the unprivileged user (uid 1000 here; herokuish's ``setuidgid``, which
  changes the ids and nothing else), in the build path: ``bin/detect BUILD``,
  ``bin/compile BUILD CACHE ENV`` and ``bin/release BUILD CACHE`` (two
  arguments), whose stdout becomes ``BUILD/.release``;
- ``config_vars`` of ``.release`` are appended to
  ``.profile.d/00_config_vars.sh`` as ``export KEY="VALUE"`` lines; the build
  path's contents (dotfiles too) replace the app path's;
- without a Procfile, one is written from ``default_process_types``;
- ``procfile-start <type>``: in the app path, every env dir file exported,
  ``/etc/profile.d/*.sh``, ``.profile.d/*.sh`` and ``.profile`` sourced, then
  the Procfile command (``eval echo``'d, word-split) exec'd unprivileged.

Dokku runs the build and the start in two containers of one image; here both
run in one stand-in, the start in a clean environment (``env -i``) so that
nothing of the build leaks into it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_rootfs import SYSTEM_PATH, USER_NAME
from stack_runner import StackProcess, StackRunner, free_port

DEFAULT_STACK = "heroku-24"
# herokuish's own yaml-get / yaml-keys, for the stand-in's python3 and PyYAML.
_YAML_GET = r"""
import sys, yaml
document = yaml.safe_load(open(sys.argv[1])) or {}
section = document.get(sys.argv[2]) or {}
for key, value in section.items():
    print(f"{key}={value}" if sys.argv[3] == "pairs" else f"{key}: {value}")
"""

_HEROKUISH = r"""
set -eo pipefail
app_path=${APP_PATH:-/app}
build_path=/tmp/build
cache_path=/tmp/cache
env_path=/tmp/env
import_path=/tmp/app
buildpack=/tmp/buildpacks/custom
user=$HK_USER
unprivileged() { setpriv --reuid="$user" --regid="$user" --init-groups "$@"; }
title() { echo "-----> $*"; }

# buildpack-install + buildpack-setup
mkdir -p /tmp/buildpacks "$app_path" "$build_path" "$cache_path" "$env_path"
cp -r /buildpack "$buildpack"
rm -rf "${app_path:?}"/* "$app_path"/.[!.]* 2>/dev/null || true
cp -r "$import_path/." "$app_path"
export APP_DIR="$app_path" HOME="$app_path" REQUEST_ID="build-$RANDOM"
export STACK="${STACK:-heroku-24}" CURL_CONNECT_TIMEOUT=30 CURL_TIMEOUT=180
cp -r "$app_path/." "$build_path"
chown -R "$user:$user" "$app_path" "$build_path" "$cache_path" "$env_path" /tmp/buildpacks

# buildpack-execute
cd "$build_path"
if ! name=$(unprivileged "$buildpack/bin/detect" "$build_path"); then
  title "Unable to select a buildpack"
  exit 1
fi
title "$name app detected"
unprivileged "$buildpack/bin/compile" "$build_path" "$cache_path" "$env_path"
if [[ -f "$buildpack/bin/release" ]]; then
  unprivileged "$buildpack/bin/release" "$build_path" "$cache_path" \
    | unprivileged tee "$build_path/.release" >/dev/null
fi
if [[ -f "$build_path/.release" ]]; then
  unprivileged mkdir -p "$build_path/.profile.d"
  unprivileged touch "$build_path/.profile.d/00_config_vars.sh"
  while IFS= read -r var; do
    [[ -n "$var" ]] || continue
    echo "export ${var%%=*}=\"${var#*=}\"" >> "$build_path/.profile.d/00_config_vars.sh"
  done < <(python3 -c "$HK_YAML_GET" "$build_path/.release" config_vars pairs)
fi
cd /
shopt -s dotglob nullglob
rm -rf "${app_path:?}"/*
mv "$build_path"/* "$app_path"
shopt -u dotglob nullglob

# procfile-types
title "Discovering process types"
if [[ -f "$app_path/Procfile" ]]; then
  types=$(cut -s -d: -f1 "$app_path/Procfile" | grep -v '^#' | sort -u | xargs echo)
  echo "Procfile declares types -> $types"
elif [[ -s "$app_path/.release" ]]; then
  python3 -c "$HK_YAML_GET" "$app_path/.release" default_process_types lines >> "$app_path/Procfile"
  chown "$user:$user" "$app_path/Procfile"
  echo "Default types for $name -> $(cut -d: -f1 "$app_path/Procfile" | xargs echo)"
fi
[[ -n "$HK_PROCESS" ]] || exit 0

# procfile-start, in a clean environment as a new container would have
exec env -i PATH="$HK_PATH" HOME="$app_path" PORT="$PORT" STACK="$STACK" HK_USER="$user" \
  HK_PROCESS="$HK_PROCESS" APP_PATH="$app_path" /bin/bash -c "$HK_START"
"""

_PROCFILE_START = r"""
app_path=${APP_PATH:-/app}
env_path=/tmp/env
cd "$app_path" || exit 1
command=$(grep -m1 "^$HK_PROCESS:" Procfile | cut -d: -f2-)
if [[ -z "$command" ]]; then
  echo "Proc entrypoint $HK_PROCESS does not exist. Please check your Procfile"
  exit 1
fi
shopt -s nullglob
for e in "$env_path"/*; do export "$(basename "$e")=$(cat "$e")"; done
for file in /etc/profile.d/*.sh "$app_path"/.profile.d/*.sh; do source "$file"; done
[[ -s "$app_path/.profile" ]] && source "$app_path/.profile"
shopt -u nullglob
hash -r
exec setpriv --reuid="$HK_USER" --regid="$HK_USER" --init-groups $(eval echo "$command")
"""


def herokuish_build(
    runner: StackRunner,
    app_dir: Path,
    cache_dir: Path,
    env_dir: Path,
    *,
    process: str = "",
    port: int | None = None,
    stack: str = DEFAULT_STACK,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 1800,
) -> StackProcess:
    """Start ``buildpack-build`` (then ``procfile-start <process>`` when given) in
    the stand-in; the build log is the process's output. Stop it with ``stop()``.

    The runner's stack is ignored: herokuish defaults ``STACK`` to heroku-24.
    """
    env = {
        "STACK": stack,
        "HK_USER": USER_NAME,
        "HK_PROCESS": process,
        "HK_PATH": SYSTEM_PATH,
        "HK_YAML_GET": _YAML_GET,
        "HK_START": _PROCFILE_START,
        "PORT": str(port or free_port()),
        **(extra_env or {}),
    }
    return runner.start(
        ["/bin/bash", "-c", _HEROKUISH],
        app_dir=app_dir,
        app_target="/tmp/app",
        cache_dir=cache_dir,
        env_dir=env_dir,
        user=None,  # herokuish runs as root and drops privileges itself
        extra_env=env,
        chown=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("buildpack", type=Path)
    parser.add_argument("app", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("env", type=Path)
    parser.add_argument("--stack", default=DEFAULT_STACK)
    parser.add_argument("--suite", default="noble", help="root filesystem (heroku-24: noble)")
    parser.add_argument("--start", default="", help="a process type to start after the build")
    parser.add_argument("--port", type=int, default=5000)
    arguments = parser.parse_args(argv)
    from stack_rootfs import build_rootfs

    runner = StackRunner(build_rootfs(arguments.suite), arguments.buildpack.absolute())
    process = herokuish_build(
        runner,
        arguments.app.absolute(),
        arguments.cache.absolute(),
        arguments.env.absolute(),
        process=arguments.start,
        port=arguments.port,
        stack=arguments.stack,
    )
    try:
        returncode = process.popen.wait()
    except KeyboardInterrupt:
        returncode = process.stop()
    out, err = process.output()
    sys.stdout.write(out)
    sys.stderr.write(err)
    process.stop()
    return returncode


if __name__ == "__main__":
    sys.exit(main())
