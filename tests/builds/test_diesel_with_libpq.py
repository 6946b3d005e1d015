"""An app with diesel's postgres backend links the stack's libpq, migrates and serves.

diesel-app is built cold through detect, compile and release in the
scalingo-22 stand-in (Ubuntu 22.04): pq-sys finds libpq through pkg-config
(libpq-dev, which the stacks carry), so the binary loads the stack's shared
libpq.so.5. diesel's `embed_migrations!` puts the migrations into the binary:
the Procfile's `release: diesel-app migrate` runs them through the app itself,
started in the stand-in as the platform starts it, against a real PostgreSQL
on 127.0.0.1; then its `web:` process, `$PORT` set, serves the migrated rows
over HTTP. The build is given the database's URL as a config var and never
uses it. One stack only: a cold diesel build is the slow part, and noble's
libpq is the same library.
"""

from __future__ import annotations

import re

import pytest

from classic_bp.config.procfile import read_process_types
from platform_runner import free_port, http_get

pytestmark = pytest.mark.slow

STACK = "scalingo-22"


def test_a_diesel_app_builds_on_the_stacks_libpq_migrates_and_answers_http(
    cold_builds, database_url: str
) -> None:
    build = cold_builds.get("diesel-app", STACK, DATABASE_URL=database_url)
    assert build.run.ok, build.run.log
    password = database_url.split(":")[2].split("@")[0]
    assert password not in build.run.log
    linked = build.linked_libraries("diesel-app")
    assert re.search(r"\tlibpq\.so\.5 => /(usr/)?lib/\S+/libpq\.so\.5 ", linked), linked

    processes = read_process_types(build.app)
    assert processes == {"web": "diesel-app", "release": "diesel-app migrate"}
    config = {"DATABASE_URL": database_url}
    released = build.runner.run_app(build.app, processes["release"], extra_env=config, timeout=60)
    assert released.returncode == 0, released.stderr
    assert released.stdout == "migrations applied\n"
    port = free_port()
    with build.runner.start_app(build.app, processes["web"], port=port, extra_env=config) as web:
        web.wait_for_port(port)
        assert http_get(f"http://127.0.0.1:{port}/notes") == "1 migrated by embed_migrations!\n"
