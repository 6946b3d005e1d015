"""Why sqlx's query macros failed, read from rustc's output.

The macros report their own failure as a compile error on the query
(``error: set `DATABASE_URL` to use query macros online, ...``): true, but it
says nothing of what a build on a platform does with DATABASE_URL
(config/database.py), so the user is left to guess between committing data
and exposing the database. Each message sqlx 0.6 to 0.8 prints
(sqlx-macros-core, src/query/mod.rs) is recognised here and turned into the
buildpack's own error: what the build did, and the fix.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import errors, lazy_re

# The macros found no offline data and had no DATABASE_URL: sqlx 0.7.4+ (first),
# 0.7.0 to 0.7.3 and 0.6 with its `offline` feature (second), 0.6 without it.
NO_DATA = lazy_re.compile(
    r"set `DATABASE_URL` to use query macros online"
    r"|`DATABASE_URL` must be set, or `cargo sqlx prepare` must have been run"
    r"|`DATABASE_URL` must be set to use query macros"
)
# SQLX_OFFLINE=true, and the offline data has no entry for the query: 0.7+, 0.6.
NO_ENTRY = lazy_re.compile(
    r"`SQLX_OFFLINE=true` but there is no cached data for this query"
    r"|failed to find data for query"
)
# sqlx 0.6 reads offline data only with its `offline` feature.
NO_FEATURE = lazy_re.compile(r"The cargo feature `offline` has to be enabled to use `SQLX_OFFLINE`")
# The macros tried a database (BP_CARGO_DATABASE_URL_ENABLED, or the app's .env).
UNREACHABLE = lazy_re.compile(r"error communicating with database: (?P<problem>.+)")
LOCATION = lazy_re.compile(r"^\s*--> (?P<where>\S+:\d+:\d+)")

Explain = Callable[[str, int, int, "str | None"], errors.BuildError]
CASES: tuple[tuple[lazy_re.LazyPattern, Explain], ...] = (
    (NO_FEATURE, errors.sqlx_offline_feature_missing),
    (NO_ENTRY, errors.sqlx_query_not_in_offline_data),
    (NO_DATA, errors.sqlx_offline_data_missing),
)


def _where(lines: list[str], index: int) -> str | None:
    """The query's place, from rustc's ``--> src/db.rs:12:5`` under the error."""
    for line in lines[index + 1 : index + 4]:
        match = LOCATION.match(line)
        if match:
            return match["where"]
    return None


def diagnose(lines: list[str], command: str, returncode: int) -> errors.BuildError | None:
    """The buildpack's error for query macros that could not check their queries."""
    for pattern, explain in CASES:
        found = [index for index, line in enumerate(lines) if pattern.search(line)]
        if found:
            return explain(command, returncode, len(found), _where(lines, found[0]))
    for index, line in enumerate(lines):
        match = UNREACHABLE.search(line)
        if match:
            return errors.sqlx_database_unreachable(
                command, returncode, match["problem"].strip(), _where(lines, index)
            )
    return None
