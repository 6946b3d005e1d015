"""When sqlx's query macros cannot check a query, the build's own error says why and the fix.

The lines are rustc's output as cargo prints it, with each message exactly
as sqlx 0.6 to 0.8 words it (sqlx-macros-core, src/query/mod.rs; sqlx-macros
in 0.6).
"""

from __future__ import annotations

import pytest

from classic_bp import errors
from classic_bp.cargo.failures import OutputWatch
from classic_bp.cargo.sqlx_failures import diagnose

COMMAND = "cargo build --release --locked --bins -p app --target-dir $CACHE_DIR/target"

# sqlx 0.7.4 to 0.8: no DATABASE_URL, no offline data.
ONLINE_OR_PREPARE = (
    "set `DATABASE_URL` to use query macros online, or run `cargo sqlx prepare`"
    " to update the query cache"
)
# sqlx 0.7.4 to 0.8: SQLX_OFFLINE=true, and the data lacks the query.
OFFLINE_NO_ENTRY = (
    "`SQLX_OFFLINE=true` but there is no cached data for this query, run `cargo sqlx prepare`"
    " to update the query cache or unset `SQLX_OFFLINE`"
)
# sqlx 0.7.0 to 0.7.3.
MUST_PREPARE_07 = (
    "`DATABASE_URL` must be set, or `cargo sqlx prepare` must have been run and .sqlx must"
    " exist, to use query macros"
)
# sqlx 0.6, with its `offline` feature, then without it.
MUST_PREPARE_06 = (
    "`DATABASE_URL` must be set, or `cargo sqlx prepare` must have been run and sqlx-data.json"
    " must exist, to use query macros"
)
MUST_SET_06 = "`DATABASE_URL` must be set to use query macros"
NO_FEATURE_06 = "The cargo feature `offline` has to be enabled to use `SQLX_OFFLINE`"
NO_ENTRY_06 = "failed to find data for query SELECT id, title FROM todos WHERE done = $1"
UNREACHABLE = "error communicating with database: Connection refused (os error 111)"


def rustc_output(*messages: str, path: str = "src/main.rs") -> list[str]:
    """cargo's lines for one error per message, each on a query of ``path``."""
    lines = ["   Compiling todo-api v0.1.0 (/tmp/classic-bp-0/app)"]
    for number, message in enumerate(messages, start=9):
        lines += [
            f"error: {message}",
            f"  --> {path}:{number}:15",
            "   |",
            f"{number:<2} |     let rows = sqlx::query!("
            '"SELECT id, title FROM todos WHERE done = $1", false)',
            "   |                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
            "   |",
            "   = note: this error originates in the macro `$crate::sqlx_macros::expand_query`",
            "",
        ]
    count = len(messages)
    lines.append(
        f'error: could not compile `todo-api` (bin "todo-api") due to {count} previous error'
        + ("s" if count > 1 else "")
    )
    return lines


@pytest.mark.parametrize(
    "message", [ONLINE_OR_PREPARE, MUST_PREPARE_07, MUST_PREPARE_06, MUST_SET_06]
)
def test_no_offline_data_says_run_cargo_sqlx_prepare_and_commit(message: str) -> None:
    failure = diagnose(rustc_output(message), COMMAND, 101)
    assert failure is not None
    assert failure.reason is errors.Reason.SQLX_QUERIES_UNCHECKED
    text = str(failure)
    assert f"`{COMMAND}` failed (exit code 101)" in text
    assert "found no\noffline query data for a query (at src/main.rs:9:15)" in text
    assert "never gives the app's DATABASE_URL to the compiler" in text
    assert "cargo sqlx prepare                (in a package)" in text
    assert "cargo sqlx prepare --workspace    (at the root of a workspace)" in text
    assert "git add .sqlx" in text
    assert "BP_CARGO_DATABASE_URL_ENABLED=true" in text
    assert text.endswith("See the buildpack's README.md#sqlxs-query-macros-fail")


@pytest.mark.parametrize("message", [OFFLINE_NO_ENTRY, NO_ENTRY_06])
def test_a_query_missing_from_the_offline_data_says_prepare_again(message: str) -> None:
    lines = rustc_output(message, message, path="api/src/db.rs")
    text = str(diagnose(lines, COMMAND, 101))
    assert "compiled with\nSQLX_OFFLINE=true" in text
    assert "no entry for\n2 queries (the first at api/src/db.rs:9:15)" in text
    assert "added or changed since\n`cargo sqlx prepare` last ran" in text
    assert "cargo sqlx prepare --workspace" in text


def test_sqlx_06_without_its_offline_feature_says_enable_it() -> None:
    failure = diagnose(rustc_output(NO_FEATURE_06), COMMAND, 101)
    assert failure is not None and failure.reason is errors.Reason.SQLX_QUERIES_UNCHECKED
    assert 'sqlx = { version = "0.6", features = ["offline", ...] }' in str(failure)


def test_an_unreachable_database_says_where_the_url_came_from() -> None:
    text = str(diagnose(rustc_output(UNREACHABLE), COMMAND, 101))
    assert "tried to\nconnect to a database at compile time (at src/main.rs:9:15)" in text
    assert "could not: Connection refused (os error 111)" in text
    assert "only with\nBP_CARGO_DATABASE_URL_ENABLED=true" in text
    assert "app's own\n.env file" in text


def test_other_compile_errors_stay_cargos_own() -> None:
    lines = rustc_output("mismatched types")
    assert diagnose(lines, COMMAND, 101) is None
    watch = OutputWatch()
    for line in lines:
        watch(line)
    assert watch.failure(COMMAND, 101).reason is errors.Reason.CARGO_FAILED


def test_the_failed_cargo_run_is_diagnosed_from_its_kept_lines() -> None:
    watch = OutputWatch()
    for line in ['{"reason":"compiler-artifact"}', *rustc_output(ONLINE_OR_PREPARE)]:
        watch(line)
    assert watch.failure(COMMAND, 101).reason is errors.Reason.SQLX_QUERIES_UNCHECKED
