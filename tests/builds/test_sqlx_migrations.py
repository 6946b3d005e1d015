"""An sqlx app's embedded migrations reach its binary, and run as `release:` would.

`sqlx::migrate!()` embeds migrations/ at compile time, and the app's build.rs
says `cargo:rerun-if-changed=migrations`, as sqlx documents. A fresh checkout
that adds a migration must ship a binary that applies it; one that changes
nothing compiles nothing. The build gets the database's URL as a config var
and never connects to it (the binary does, run as a Procfile `release:`
command, against a real PostgreSQL).
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid

import pytest

from platform_runner import Platform
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow


def _database(postgres_url: str) -> str:
    """A database of this test's own on the shared server."""
    name = f"sqlx_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", postgres_url, "-c", f"CREATE DATABASE {name}"], check=True)
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


def _run(binary, url: str, *arguments: str) -> str:
    environment = {**os.environ, "DATABASE_URL": url}
    run = subprocess.run(
        [binary, *arguments], capture_output=True, text=True, env=environment, check=False
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_migrations_embedded_by_sqlx_reach_the_binary_and_run_as_release(
    online_platform: Platform, postgres_url: str
) -> None:
    url = _database(postgres_url)
    online_platform.set_config(DATABASE_URL="postgres://app:s3cret-pw@127.0.0.1:9/prod")
    build_dir, result = online_platform.build("sqlx-app")
    assert_succeeded(result)
    assert "s3cret-pw" not in result.log
    assert _run(build_dir / "bin" / "sqlx-app", url, "migrate") == "migrations applied\n"
    assert _run(build_dir / "bin" / "sqlx-app", url) == "1 migrated by sqlx::migrate!()\n"

    # A fresh checkout, nothing changed: nothing compiles.
    build_dir, result = online_platform.build("sqlx-app")
    assert_succeeded(result)
    assert re.findall(r"^ +Compiling (\S+) v", result.stdout, flags=re.MULTILINE) == []

    # A fresh checkout with one more migration: the binary applies it.
    build_dir = online_platform.new_build_dir("sqlx-app")
    (build_dir / "migrations" / "20250102000000_more_notes.sql").write_text(
        "INSERT INTO notes (body) VALUES ('added on a fresh checkout');\n"
    )
    result = online_platform.compile(build_dir)
    assert_succeeded(result)
    assert _run(build_dir / "bin" / "sqlx-app", url, "migrate") == "migrations applied\n"
    assert _run(build_dir / "bin" / "sqlx-app", url) == (
        "1 migrated by sqlx::migrate!()\n2 added on a fresh checkout\n"
    )
