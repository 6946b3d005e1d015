"""The suite's PostgreSQL server (conftest.postgres_url) answers at its URL, and only there.

Apps that use a database (sqlx's and diesel's, once their crates are
served) are tested against it: a client given the URL gets in with its
password, and a wrong password is refused, so the URL is the whole contract.
"""

from __future__ import annotations

import subprocess
from urllib.parse import urlsplit


def psql(url: str, query: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["psql", url, "--no-psqlrc", "--tuples-only", "--no-align", "--command", query],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def test_psql_connects_with_the_url_and_runs_sql(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    assert parts.scheme == "postgres" and parts.hostname == "127.0.0.1"
    result = psql(
        postgres_url, "CREATE TEMP TABLE todos (id int); SELECT current_user, count(*) FROM todos"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "classic_bp|0"


def test_a_wrong_password_is_refused(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    wrong = postgres_url.replace(f":{parts.password}@", ":not-the-password@")
    result = psql(wrong, "SELECT 1")
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr
