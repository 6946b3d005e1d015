#!/bin/sh
# Shared launcher for every bin/* shim, read by the shim's own shell (`.`): no
# second sh and no dirname process, since detect runs on every build and
# compile's fixed time counts. POSIX sh only: the stacks have dash as sh.
# The shim sets bp_command (compile, detect, ...) and bp_bin (its folder).
# boot.py checks the version itself (one interpreter start, not two) and
# re-executes a newer python3.X when python3 is too old.

for candidate in python3 python3.14 python3.13 python3.12 python3.11 python3.10; do
  if command -v "$candidate" >/dev/null 2>&1; then
    # -I: ignore PYTHON* variables and the user site, so an app's settings
    # cannot change how the buildpack itself runs. -S: no site module either:
    # the buildpack never imports from site-packages (its own packages are
    # vendored or fetched into the cache, fetch/bootstrap.py), and site's
    # import costs every build about 2 ms.
    exec "$candidate" -I -S "$bp_bin/../lib/boot.py" "$bp_command" "$@"
  fi
done

echo " !     This buildpack needs python3 3.10 or newer on the stack, and none was found on PATH." >&2
echo " !     Use a supported stack (scalingo-22 or newer, heroku-22 or newer)." >&2
exit 1
