"""The app's database at build time: never reached by the compiler, unless asked.

Platforms hand a database add-on's DATABASE_URL to the build (Heroku,
Scalingo, Dokku), and sqlx's query macros (``query!``, ``query_as!``)
connect at compile time to whatever DATABASE_URL names, unless
``SQLX_OFFLINE=true`` makes them read the query data ``cargo sqlx prepare``
commits (``.sqlx/``; ``sqlx-data.json`` before sqlx 0.7). Left alone, a
build connects to the production database, or fails because the builder
cannot reach it (launchbadge/sqlx #518). The rule, decided here up front:

- cargo, rustc and build scripts never get DATABASE_URL, unless
  ``BP_CARGO_DATABASE_URL_ENABLED=true`` asks for it. One switch, named for
  what it does: DATABASE_URL is usually set by an add-on, not by whoever
  wants queries checked against a live database, so pointing the compiler
  at it must take a setting that says exactly that. ``SQLX_OFFLINE=false``
  alone does not hand it over (it is sqlx's default, and says nothing of
  the builder's network).
- When the app commits offline data where the macros look for it (the
  workspace's root or a package's) and leaves SQLX_OFFLINE unset, cargo
  compiles with ``SQLX_OFFLINE=true``: the macros then never try a
  database, not even one named in a committed ``.env`` file.
- The boot check (BP_BOOT_CHECK) starts the app itself, as the platform
  will: it gets DATABASE_URL (``app_environment``), since the app, not the
  compiler, is what connects there.

sqlx's macros also read SQLX_OFFLINE_DIR first: when the app sets it, that
is its offline data.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .. import app_files, errors
from ..platform.env_dir import FALSE_VALUES, Settings
from ..records import field, record
from .project import CargoProject

DATABASE_URL = "DATABASE_URL"
SQLX_OFFLINE = "SQLX_OFFLINE"
SQLX_OFFLINE_DIR = "SQLX_OFFLINE_DIR"
ENABLED_VARIABLE = "BP_CARGO_DATABASE_URL_ENABLED"
# What `cargo sqlx prepare` writes: a folder since sqlx 0.7, one file before.
QUERY_DATA_DIR = ".sqlx"
QUERY_DATA_FILE = "sqlx-data.json"


@record
class OfflineData:
    """Where sqlx's offline query data is, as the log shows it."""

    where: str  # `.sqlx/`, `api/.sqlx/`, `sqlx-data.json`, `SQLX_OFFLINE_DIR=...`
    queries: int | None = None  # the query files of a .sqlx/ folder

    def __str__(self) -> str:
        if self.queries is None:
            return self.where
        return f"{self.where} ({self.queries} {'query' if self.queries == 1 else 'queries'})"


@record
class DatabaseAtBuild:
    """What cargo's environment carries of the app's database, and why."""

    offline_data: tuple[OfflineData, ...] = ()
    # SQLX_OFFLINE as the app set it (a config var, or the builder's environment).
    user_offline: str | None = None
    url_enabled: bool = False
    url_set: bool = False
    # DATABASE_URL's value, for the processes that run the app itself.
    withheld: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def forces_offline(self) -> bool:
        return bool(self.offline_data) and self.user_offline is None and not self.url_enabled

    def compile_environment(self, environment: Mapping[str, str]) -> dict[str, str]:
        """The environment of cargo, rustc and build scripts (and every tool the
        build runs): without DATABASE_URL, with SQLX_OFFLINE=true when forced."""
        result = dict(environment)
        if not self.url_enabled:
            result.pop(DATABASE_URL, None)
        if self.forces_offline:
            result[SQLX_OFFLINE] = "true"
        return result

    def app_environment(self, environment: Mapping[str, str]) -> dict[str, str]:
        """For a process of the app itself (the boot check): the app's variables back."""
        return {**environment, **self.withheld}

    def log_lines(self) -> list[str]:
        """What the configuration step says, only when there is something to say."""
        lines = []
        found = ", ".join(map(str, self.offline_data))
        if self.forces_offline:
            lines.append(errors.note_sqlx_offline_forced(found))
        elif self.offline_data and self.user_offline is not None:
            lines.append(errors.note_sqlx_offline_from_app(found, self.user_offline))
        elif self.offline_data:
            lines.append(errors.note_sqlx_offline_not_forced(found, ENABLED_VARIABLE))
        if self.url_enabled:
            lines.append(errors.note_database_url_given(ENABLED_VARIABLE, self.url_set))
        elif self.url_set:
            lines.append(errors.note_database_url_withheld(ENABLED_VARIABLE))
        if not self.url_enabled and (self.user_offline or "").lower() in FALSE_VALUES:
            lines.append(errors.note_sqlx_online_without_url(self.user_offline, ENABLED_VARIABLE))
        return lines


def _setting(settings: Settings, name: str) -> str | None:
    value = settings.get(name)
    return value.strip() if value and value.strip() else None


def find_offline_data(build_dir: Path, project: CargoProject) -> tuple[OfflineData, ...]:
    """sqlx's offline data where its macros look: the workspace's root (the
    project's), then each package's own folder. Read only inside the app."""
    roots = [project.root, *(package.directory for package in project.packages)]
    found = []
    for root in dict.fromkeys(roots):  # in order, each folder once
        if root != build_dir and build_dir not in root.parents:
            continue  # a member outside the app: not the app's to read
        prefix = "" if root == build_dir else f"{root.relative_to(build_dir).as_posix()}/"
        folder, file = root / QUERY_DATA_DIR, root / QUERY_DATA_FILE
        app_files.check_inside(build_dir, folder)
        app_files.check_inside(build_dir, file)
        if folder.is_dir():
            queries = sum(1 for path in folder.glob("query-*.json") if path.is_file())
            found.append(OfflineData(f"{prefix}{QUERY_DATA_DIR}/", queries))
        if file.is_file():
            found.append(OfflineData(f"{prefix}{QUERY_DATA_FILE}"))
    return tuple(found)


def plan_database(
    build_dir: Path, project: CargoProject, settings: Settings, url_enabled: bool
) -> DatabaseAtBuild:
    """``url_enabled``: BP_CARGO_DATABASE_URL_ENABLED, read with the other flags."""
    offline_data = find_offline_data(build_dir, project)
    offline_dir = _setting(settings, SQLX_OFFLINE_DIR)
    if offline_dir is not None:
        offline_data = (OfflineData(f"{SQLX_OFFLINE_DIR}={offline_dir}"), *offline_data)
    url = settings.get(DATABASE_URL)
    return DatabaseAtBuild(
        offline_data=offline_data,
        user_offline=_setting(settings, SQLX_OFFLINE),
        url_enabled=url_enabled,
        url_set=url is not None,
        withheld={} if url_enabled or url is None else {DATABASE_URL: url},
    )
