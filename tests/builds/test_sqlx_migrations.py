"""An sqlx app's embedded migrations reach its binary, run as `release:`, and the
web process serves what they made.

`sqlx::migrate!()` embeds migrations/ at compile time, and the app's build.rs
says `cargo:rerun-if-changed=migrations`, as sqlx documents. The app's
Procfile runs `release: sqlx-app migrate`, then `web: sqlx-app`, which serves
the migrated table on `$PORT` (GET /notes); both are started as a platform
starts them, against a real PostgreSQL. A fresh checkout that adds a
migration must ship a binary that applies it; one that changes nothing
compiles nothing. The build gets the database's URL as a config var and never
connects to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classic_bp.config.procfile import read_process_types
from platform_runner import Platform, http_get, run_process, running_process
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow


def _released_notes(build_dir: Path, database_url: str) -> str:
    """Run the Procfile's release process, then ask its web process for the notes."""
    processes = read_process_types(build_dir)
    assert processes == {"web": "sqlx-app", "release": "sqlx-app migrate"}
    config = {"DATABASE_URL": database_url}
    released = run_process(build_dir, processes["release"], config)
    assert released.returncode == 0, released.stderr
    assert released.stdout == "migrations applied\n"
    with running_process(build_dir, processes["web"], config) as url:
        return http_get(f"{url}/notes")


def test_migrations_embedded_by_sqlx_run_as_release_and_the_web_process_serves_them(
    online_platform: Platform, database_url: str
) -> None:
    online_platform.set_config(DATABASE_URL="postgres://app:s3cret-pw@127.0.0.1:9/prod")
    build_dir, result = online_platform.build("sqlx-app")
    assert_succeeded(result)
    assert "s3cret-pw" not in result.log
    assert _released_notes(build_dir, database_url) == "1 migrated by sqlx::migrate!()\n"

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
    assert _released_notes(build_dir, database_url) == (
        "1 migrated by sqlx::migrate!()\n2 added on a fresh checkout\n"
    )
