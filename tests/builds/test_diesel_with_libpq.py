"""An app with diesel's postgres backend links the stack's libpq and migrates.

pq-sys finds libpq through pkg-config (libpq-dev, which the stacks carry);
diesel's `embed_migrations!` puts the migrations into the binary, so a Procfile
`release:` command runs them through the app itself against a real PostgreSQL.
The build is given the database's URL as a config var and never uses it.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow


def test_a_diesel_app_builds_on_libpq_migrates_and_answers(
    online_platform: Platform, postgres_url: str
) -> None:
    online_platform.set_config(DATABASE_URL=postgres_url)
    build_dir, result = online_platform.build("diesel-app")
    assert_succeeded(result)
    password = postgres_url.split(":")[2].split("@")[0]
    assert password not in result.log
    binary = build_dir / "bin" / "diesel-app"
    linked = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    assert "libpq.so.5 => " in linked, linked

    environment = {**os.environ, "DATABASE_URL": postgres_url}
    released = subprocess.run(
        [binary, "migrate"], capture_output=True, text=True, env=environment, check=False
    )
    assert released.returncode == 0, released.stderr
    assert released.stdout == "migrations applied\n"
    answer = subprocess.run(
        [binary], capture_output=True, text=True, env=environment, check=True
    ).stdout
    assert answer == "1 migrated by embed_migrations!\n", answer
