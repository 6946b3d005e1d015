"""The app's build hooks, ``bin/pre_compile`` and ``bin/post_compile``, found up front.

Found while the configuration is read, so that a hook that cannot run (a
folder, a broken link, a link leaving the app) fails the build in its first
second, not after the compile, and the log says at once which hooks will
run. platform/hooks.py runs them; commands/compile.py says when.

Hooks are looked for in the app's root (BUILD_DIR), as heroku-buildpack-python
does, even when Cargo.toml is in a subfolder (RustConfig's BUILD_PATH).
"""

from __future__ import annotations

from pathlib import Path

from .. import app_files, errors
from ..platform.hooks import POST_COMPILE, PRE_COMPILE, Hook

HOOK_NAMES = (PRE_COMPILE, POST_COMPILE)


def find_hooks(build_dir: Path) -> tuple[Hook, ...]:
    hooks = []
    for name in HOOK_NAMES:
        hook = Hook(name, build_dir / "bin" / name)
        if not (hook.path.is_symlink() or hook.path.exists()):
            continue
        app_files.check_inside(build_dir, hook.path)
        if not hook.path.is_file():
            raise errors.hook_not_a_file(hook.shown)
        hooks.append(hook)
    return tuple(hooks)
