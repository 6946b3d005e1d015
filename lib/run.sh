#!/bin/sh
# Shared launcher for every bin/* shim: hand over to the classic_bp package with
# the stack's python3. POSIX sh only: the stacks have dash as sh.
# Usage: run.sh <command> [args...]
# boot.py checks the version itself (one interpreter start, not two: detect
# runs on every build) and re-executes a newer python3.X when python3 is too old.
lib_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)

for candidate in python3 python3.14 python3.13 python3.12 python3.11 python3.10; do
  if command -v "$candidate" >/dev/null 2>&1; then
    # -I: ignore PYTHON* variables and the user site, so an app's settings
    # cannot change how the buildpack itself runs.
    exec "$candidate" -I "$lib_dir/boot.py" "$@"
  fi
done

echo " !     This buildpack needs python3 3.10 or newer on the stack, and none was found on PATH." >&2
echo " !     Use a supported stack (scalingo-22 or newer, heroku-22 or newer)." >&2
exit 1
