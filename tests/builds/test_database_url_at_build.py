"""A build never hands the app's DATABASE_URL to the compiler, unless asked.

cargo, rustc and build scripts get no DATABASE_URL (a config var or the
builder's own) unless BP_CARGO_DATABASE_URL_ENABLED=true; an app that
commits sqlx's offline query data (.sqlx/, sqlx-data.json, at the workspace's
root or a package's) compiles with SQLX_OFFLINE=true unless it sets
SQLX_OFFLINE itself; the log says which. The last test builds a real app
through bin/compile and reads what its build script and rustc were given.
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.config.build_config import load_config
from classic_bp.config.read import read_configuration
from classic_bp.platform.env_dir import AppEnv, Settings
from platform_runner import Platform
from tests.assertions import assert_succeeded

URL = "postgres://app:pa55-w0rd-never-logged@db.internal:5432/app"


def package(directory: Path, name: str, workspace: list[str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    members = f"[workspace]\nmembers = {workspace!r}\n".replace("'", '"') if workspace else ""
    package_table = f'[package]\nname = "{name}"\nversion = "0.1.0"\n' if name else ""
    (directory / "Cargo.toml").write_text(package_table + members)
    if name:
        (directory / "src").mkdir(exist_ok=True)
        (directory / "src" / "main.rs").write_text("fn main() {}\n")
    (directory / "Cargo.lock").write_text("version = 4\n")
    return directory


def offline_data(directory: Path, queries: int = 2) -> None:
    (directory / ".sqlx").mkdir(parents=True)
    for number in range(queries):
        (directory / ".sqlx" / f"query-{number:064x}.json").write_text("{}")


def settings(app: dict[str, str] | None = None, process: dict[str, str] | None = None):
    return Settings(AppEnv(app or {}, ()), process or {})


def database(build_dir: Path, **variables: str):
    return load_config(build_dir, settings(variables)).database


def test_committed_sqlx_folder_forces_offline_and_drops_database_url(tmp_path: Path) -> None:
    app = package(tmp_path / "app", "api")
    offline_data(app)
    plan = database(app, DATABASE_URL=URL)
    environment = plan.compile_environment({"DATABASE_URL": URL, "PATH": "/usr/bin"})
    assert environment == {"SQLX_OFFLINE": "true", "PATH": "/usr/bin"}
    assert [str(found) for found in plan.offline_data] == [".sqlx/ (2 queries)"]
    assert plan.log_lines() == [
        errors.note_sqlx_offline_forced(".sqlx/ (2 queries)"),
        errors.note_database_url_withheld("BP_CARGO_DATABASE_URL_ENABLED"),
    ]


def test_sqlx_06_data_file_forces_offline_too(tmp_path: Path) -> None:
    app = package(tmp_path / "app", "api")
    (app / "sqlx-data.json").write_text('{"db": "PostgreSQL"}')
    plan = database(app)
    assert [str(found) for found in plan.offline_data] == ["sqlx-data.json"]
    assert plan.compile_environment({})["SQLX_OFFLINE"] == "true"


def test_without_offline_data_nothing_is_forced_and_database_url_is_still_dropped(
    tmp_path: Path,
) -> None:
    app = package(tmp_path / "app", "api")
    plan = load_config(app, settings(process={"DATABASE_URL": URL})).database
    # Scalingo also puts the app's variables in the builder's own environment.
    assert plan.compile_environment({"DATABASE_URL": URL}) == {}
    assert plan.log_lines() == [errors.note_database_url_withheld("BP_CARGO_DATABASE_URL_ENABLED")]


def test_an_app_without_database_settings_logs_nothing(tmp_path: Path) -> None:
    plan = database(package(tmp_path / "app", "api"))
    assert plan.log_lines() == []
    assert plan.compile_environment({"PATH": "/bin"}) == {"PATH": "/bin"}


@pytest.mark.parametrize("where", ["", "api/"])
def test_offline_data_at_the_workspace_root_or_a_members_root(tmp_path: Path, where: str) -> None:
    root = package(tmp_path / "app", "", workspace=["api", "worker"])
    package(root / "api", "api")
    package(root / "worker", "worker")
    offline_data(root / where, queries=1)
    plan = database(root)
    assert [str(found) for found in plan.offline_data] == [f"{where}.sqlx/ (1 query)"]
    assert plan.forces_offline


def test_offline_data_outside_the_workspace_members_is_not_the_apps(tmp_path: Path) -> None:
    root = package(tmp_path / "app", "", workspace=["api"])
    package(root / "api", "api")
    offline_data(root / "scratch")  # where sqlx's macros never look
    assert database(root).offline_data == ()


@pytest.mark.parametrize("value", ["false", "true", "0"])
def test_the_apps_own_sqlx_offline_wins(tmp_path: Path, value: str) -> None:
    app = package(tmp_path / "app", "api")
    offline_data(app)
    plan = database(app, SQLX_OFFLINE=value)
    assert not plan.forces_offline
    environment = plan.compile_environment({"SQLX_OFFLINE": value})
    assert environment == {"SQLX_OFFLINE": value}
    assert errors.note_sqlx_offline_from_app(".sqlx/ (2 queries)", value) in plan.log_lines()
    online_note = errors.note_sqlx_online_without_url(value, "BP_CARGO_DATABASE_URL_ENABLED")
    assert (online_note in plan.log_lines()) is (value in ("false", "0"))


def test_sqlx_offline_in_the_builders_environment_counts_as_the_apps(tmp_path: Path) -> None:
    app = package(tmp_path / "app", "api")
    offline_data(app)
    plan = load_config(app, settings(process={"SQLX_OFFLINE": "false"})).database
    assert plan.user_offline == "false" and not plan.forces_offline


def test_sqlx_offline_dir_is_the_apps_offline_data(tmp_path: Path) -> None:
    plan = database(package(tmp_path / "app", "api"), SQLX_OFFLINE_DIR="/app/queries")
    assert [str(found) for found in plan.offline_data] == ["SQLX_OFFLINE_DIR=/app/queries"]
    assert plan.compile_environment({})["SQLX_OFFLINE"] == "true"


def test_opting_in_hands_database_url_over_and_leaves_sqlx_offline_unset(tmp_path: Path) -> None:
    app = package(tmp_path / "app", "api")
    offline_data(app)
    plan = database(app, DATABASE_URL=URL, BP_CARGO_DATABASE_URL_ENABLED="true")
    assert plan.compile_environment({"DATABASE_URL": URL}) == {"DATABASE_URL": URL}
    assert plan.log_lines() == [
        errors.note_sqlx_offline_not_forced(".sqlx/ (2 queries)", "BP_CARGO_DATABASE_URL_ENABLED"),
        errors.note_database_url_given("BP_CARGO_DATABASE_URL_ENABLED", url_set=True),
    ]


def test_the_app_itself_gets_its_database_url_back(tmp_path: Path) -> None:
    """The boot check starts the app as the platform will: with DATABASE_URL."""
    plan = database(package(tmp_path / "app", "api"), DATABASE_URL=URL)
    compile_env = plan.compile_environment({"DATABASE_URL": URL, "PORT": "5000"})
    assert plan.app_environment(compile_env) == {"DATABASE_URL": URL, "PORT": "5000"}
    assert URL not in repr(plan)


def test_a_wrong_opt_in_value_fails_up_front(tmp_path: Path) -> None:
    with pytest.raises(errors.BuildError) as failure:
        database(package(tmp_path / "app", "api"), BP_CARGO_DATABASE_URL_ENABLED="maybe")
    assert failure.value.reason is errors.Reason.INVALID_SETTING
    assert "BP_CARGO_DATABASE_URL_ENABLED='maybe'" in str(failure.value)


def test_a_sqlx_folder_linked_outside_the_app_is_refused(tmp_path: Path) -> None:
    app = package(tmp_path / "app", "api")
    offline_data(tmp_path / "elsewhere")
    (app / ".sqlx").symlink_to(tmp_path / "elsewhere" / ".sqlx")
    with pytest.raises(errors.BuildError) as failure:
        database(app)
    assert failure.value.reason is errors.Reason.APP_FILE_OUTSIDE_APP


def test_the_configuration_step_says_it_and_never_shows_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = package(tmp_path / "app", "api")
    offline_data(app, queries=3)
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    (env_dir / "DATABASE_URL").write_text(URL)
    read_configuration(app, env_dir, {})
    log = capsys.readouterr().out
    assert "       sqlx's offline query data: .sqlx/ (3 queries)\n" in log
    assert "       Compiling with SQLX_OFFLINE=true: sqlx's query macros never connect" in log
    assert "       DATABASE_URL is not given to cargo or build scripts" in log
    assert "pa55-w0rd" not in log


def closed_port() -> tuple[socket.socket, int]:
    """A port bound on 127.0.0.1 that accepts no connection (never listened on)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder, holder.getsockname()[1]


def report(build_dir: Path) -> list[str]:
    binary = build_dir / "bin" / "sqlx-offline-data"
    return subprocess.run([binary], capture_output=True, text=True, check=True).stdout.splitlines()


@pytest.mark.slow
def test_the_compiler_gets_sqlx_offline_and_never_the_database_url(
    mirrored_platform: Platform,
) -> None:
    holder, port = closed_port()
    with holder:
        url = f"postgres://app:pa55-w0rd-never-logged@127.0.0.1:{port}/app"
        mirrored_platform.set_config(DATABASE_URL=url)
        build_dir, result = mirrored_platform.build("sqlx-offline-data")
        assert_succeeded(result)
        assert "sqlx's offline query data: .sqlx/ (1 query)\n" in result.stdout
        assert "Compiling with SQLX_OFFLINE=true" in result.stdout
        assert "DATABASE_URL is not given to cargo or build scripts" in result.stdout
        assert "pa55-w0rd" not in result.log
        assert report(build_dir) == [
            "build script SQLX_OFFLINE=true",
            "build script DATABASE_URL=unset",
            "rustc SQLX_OFFLINE=true",
            "rustc DATABASE_URL=unset",
        ]

        # Asked for: both get DATABASE_URL, and SQLX_OFFLINE is the app's to set.
        mirrored_platform.set_config(BP_CARGO_DATABASE_URL_ENABLED="true")
        build_dir, result = mirrored_platform.build("sqlx-offline-data")
        assert_succeeded(result)
        assert "BP_CARGO_DATABASE_URL_ENABLED=true: cargo gets DATABASE_URL" in result.stdout
        assert "pa55-w0rd" not in result.log
        assert report(build_dir) == [
            "build script SQLX_OFFLINE=unset",
            f"build script DATABASE_URL={url}",
            "rustc SQLX_OFFLINE=unset",
            f"rustc DATABASE_URL={url}",
        ]
