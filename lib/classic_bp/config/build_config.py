"""The build's configuration, read and validated once, before anything slow.

Settings come from the app's config vars (ENV_DIR), then the process
environment, then defaults. Every problem is found here, so a typo fails the
build in a second instead of after a ten-minute toolchain install.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from .. import app_files, errors, lazy_re
from ..fetch.urls import display_url
from ..platform.env_dir import FALSE_VALUES, TRUE_VALUES, Settings
from ..platform.hooks import Hook
from ..platform.stack import cpu_arch
from ..records import field, record
from . import emk_layout, features, slug_patterns, toolchain_request
from .credentials import PrivateAccess, read_private_access
from .database import ENABLED_VARIABLE as DATABASE_URL_ENABLED_VARIABLE
from .database import DatabaseAtBuild, plan_database
from .features import FeatureSelection
from .hooks import find_hooks
from .install_args import ARGS_VARIABLE, MEMBERS_VARIABLE, InstallPlan, plan_install
from .project import CargoProject, load_project
from .rust_version import VERSION_VARIABLE as RUST_VERSION_VARIABLE
from .rust_version import check_spec as check_rust_version
from .toolchain_request import ToolchainRequest
from .tools import (
    RUNTIME_TOOLS_VARIABLE,
    TOOLS_ARGS_VARIABLE,
    TOOLS_VARIABLE,
    ToolsPlan,
    plan_tools,
)

DEFAULT_DIST_SERVER = "https://static.rust-lang.org"
DEFAULT_UPDATE_ROOT = "https://static.rust-lang.org/rustup"
PROFILES = ("minimal", "default", "complete")
PROFILE_ALIASES = {"minimum": "minimal"}
REGISTRY_MIRROR_VARIABLE = "BP_CARGO_REGISTRY_MIRROR"


@record
class RegistryMirror:
    """A crates.io replacement, as cargo's source replacement spells it."""

    url: str

    @property
    def shown(self) -> str:
        return display_url(self.url.removeprefix("sparse+"))


@record
class BuildConfig:
    project: CargoProject
    toolchain: ToolchainRequest
    profile: str
    profile_note: str | None
    host: str
    # The platform's STACK (scalingo-22, heroku-24 ...): what compiled code links
    # against (glibc, libssl, libpq), so it keys the cached build outputs.
    stack: str | None
    dist_server: str
    update_root: str
    registry_mirror: RegistryMirror | None
    install: InstallPlan
    tools: ToolsPlan
    # Why the slug keeps the old Heroku Rust buildpack's shape (emk_layout.py), or None.
    emk_layout: str | None
    include_from_user: bool
    include_files: tuple[str, ...]
    exclude_files: tuple[str, ...]
    rustup_enabled: bool = True
    rust_version: str | None = None
    rustup_init_version: str | None = None
    rustup_init_libc: str = "gnu"
    write_sbom: bool = True
    skip_build: bool = False
    cache_max_bytes: int = 4 << 30
    sccache_enabled: bool = False
    sccache_path: str | None = None
    boot_check: bool = False
    boot_check_timeout: float = 30.0
    # A toolchain download fails once no new byte came for this long (fetch/relay.py).
    download_stall_seconds: float = 60.0
    notes: tuple[str, ...] = ()
    # Shown by the configuration step on stderr; the build goes on.
    warnings: tuple[errors.BuildWarning, ...] = ()
    # The Cargo features of every cargo command on the app (config/features.py).
    features: FeatureSelection = field(default_factory=FeatureSelection)
    # Credentials for private git dependencies (config/credentials.py).
    private_access: PrivateAccess = field(default_factory=PrivateAccess)
    # The app's bin/pre_compile and bin/post_compile (config/hooks.py).
    hooks: tuple[Hook, ...] = ()

    def hook(self, name: str) -> Hook | None:
        return next((hook for hook in self.hooks if hook.name == name), None)

    # DATABASE_URL and SQLX_OFFLINE in cargo's environment (config/database.py).
    database: DatabaseAtBuild = field(default_factory=DatabaseAtBuild)

    @property
    def rustup_init_triple(self) -> str:
        """The host triple of the rustup-init binary, and so of the toolchain."""
        return self.host.replace("-gnu", "-musl") if self.rustup_init_libc == "musl" else self.host


def _setting(settings: Settings, name: str) -> str | None:
    """A set-but-empty variable counts as unset, as on most platforms' dashboards."""
    value = settings.get(name)
    return value.strip() if value and value.strip() else None


DEFAULT_BOOT_CHECK_TIMEOUT = 30.0
DEFAULT_DOWNLOAD_STALL_TIMEOUT = 60.0


def _seconds(settings: Settings, name: str, default: float) -> float:
    value = _setting(settings, name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise errors.invalid_choice(name, value, ["a number of seconds from 1 to 3600"])
    return seconds


def _flag(settings: Settings, name: str, default: bool = False) -> bool:
    value = _optional_flag(settings, name)
    return default if value is None else value


def _optional_flag(settings: Settings, name: str) -> bool | None:
    """True or false when the variable is set, None when it is not."""
    value = _setting(settings, name)
    if value is None:
        return None
    if value.lower() in TRUE_VALUES:
        return True
    if value.lower() in FALSE_VALUES:
        return False
    raise errors.invalid_choice(name, value, ("true", "false"))


def _features(
    settings: Settings, install: InstallPlan
) -> tuple[FeatureSelection, errors.BuildWarning | None]:
    variables = features.from_variables(
        _setting(settings, features.FEATURES_VARIABLE),
        _optional_flag(settings, features.NO_DEFAULT_VARIABLE),
        _optional_flag(settings, features.ALL_FEATURES_VARIABLE),
    )
    chosen, warning = features.choose(variables, install.features, list(install.feature_flags))
    features.check_known(chosen, install.packages)
    return chosen, warning


LIBCS = ("gnu", "musl")
RUSTUP_INIT_VERSION = lazy_re.compile(r"\d+\.\d+\.\d+\Z")
RUSTUP_INIT_WILDCARDS = ("*", "1.*")


def _choice(settings: Settings, name: str, allowed: tuple[str, ...]) -> str:
    value = (_setting(settings, name) or allowed[0]).lower()
    if value not in allowed:
        raise errors.invalid_choice(name, value, allowed)
    return value


def _rustup_init_version(settings: Settings) -> str | None:
    """An exact rustup-init version, or None for the current release."""
    value = _setting(settings, "BP_RUSTUP_INIT_VERSION")
    if value is None or value in RUSTUP_INIT_WILDCARDS:
        return None
    if not RUSTUP_INIT_VERSION.match(value):
        raise errors.invalid_choice(
            "BP_RUSTUP_INIT_VERSION", value, ("an exact version such as 1.29.0", "1.*")
        )
    return value


DEFAULT_CACHE_MAX_SIZE = "4G"
SIZE = lazy_re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[KMGT]?)i?B?$", re.IGNORECASE)
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(value: str) -> int | None:
    """``4G``, ``4GiB``, ``512M``, ``1.5G`` -> bytes; None when unreadable."""
    match = SIZE.match(value.strip())
    if match is None:
        return None
    return int(float(match["number"]) * UNITS[match["unit"].upper()])


def _size(settings: Settings, name: str, default: str) -> int:
    value = _setting(settings, name) or default
    size = parse_size(value)
    if size is None or size <= 0:
        raise errors.invalid_choice(name, value, ("a size such as 4G, 4GiB, 512M",))
    return size


def _profile(settings: Settings) -> tuple[str, str | None]:
    value = _setting(settings, "BP_RUST_PROFILE") or "minimal"
    if value in PROFILE_ALIASES:
        alias = PROFILE_ALIASES[value]
        return alias, errors.note_profile_alias(value, alias)
    if value not in PROFILES:
        raise errors.invalid_choice("BP_RUST_PROFILE", value, PROFILES)
    return value, None


def _is_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:  # `http://[x`: not a URL, said as such to the user
        return False
    if parts.scheme == "file":
        return bool(parts.path)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _server_url(settings: Settings, name: str, default: str) -> str:
    value = _setting(settings, name) or default
    if not _is_url(value):
        raise errors.invalid_url(name, display_url(value), "an http(s):// or file:// URL")
    return value.rstrip("/")


def _registry_mirror(settings: Settings) -> RegistryMirror | None:
    value = _setting(settings, REGISTRY_MIRROR_VARIABLE)
    if value is None:
        return None
    bare = value.removeprefix("sparse+")
    if not _is_url(bare):
        raise errors.invalid_url(
            REGISTRY_MIRROR_VARIABLE,
            display_url(bare),
            "sparse+https://host/index/ (a sparse index) or https://host/index.git (a git index)",
        )
    if value.startswith("sparse+") and not value.endswith("/"):
        value += "/"  # cargo requires sparse index URLs to end with a slash
    return RegistryMirror(value)


def host_triple() -> str:
    return f"{cpu_arch()}-unknown-linux-gnu"


def load_config(
    build_dir: Path,
    settings: Settings,
    skip_build: bool = False,
    has_rustconfig: bool = False,
    project_dir: str | None = None,
) -> BuildConfig:
    """``project_dir``: where Cargo.toml is when it is not at the root (RustConfig's
    BUILD_PATH, checked by rustconfig.migrate to stay inside the app)."""
    project = load_project(build_dir / project_dir if project_dir else build_dir)
    app_files.check_cargo_files(build_dir, project.root)
    emk_reason = emk_layout.reason(build_dir, has_rustconfig)
    if not project.binary_packages() and not skip_build:
        raise errors.no_binary_targets(build_dir, [package.name for package in project.packages])
    install = plan_install(
        project, _setting(settings, ARGS_VARIABLE), _setting(settings, MEMBERS_VARIABLE)
    )
    notes = []
    if not install.locked:
        notes.append(errors.note_not_locked(ARGS_VARIABLE))
    elif not project.lockfile.is_file():
        raise errors.missing_lockfile(project.root)
    chosen_features, features_warning = _features(settings, install)
    if _flag(settings, "BP_CARGO_TINI_DISABLED"):
        notes.append(errors.note_tini_disabled())
    profile, profile_note = _profile(settings)
    rustup_enabled = _flag(settings, "BP_RUSTUP_ENABLED", default=True)
    rust_version = None
    if not rustup_enabled:
        rust_version = check_rust_version(_setting(settings, RUST_VERSION_VARIABLE))
        notes.append(errors.note_rustup_disabled())
    return BuildConfig(
        project=project,
        toolchain=toolchain_request.resolve(
            build_dir, _setting(settings, toolchain_request.TOOLCHAIN_VARIABLE)
        ),
        profile=profile,
        profile_note=profile_note,
        host=host_triple(),
        stack=settings.process.get("STACK") or None,
        dist_server=_server_url(settings, "RUSTUP_DIST_SERVER", DEFAULT_DIST_SERVER),
        update_root=_server_url(settings, "RUSTUP_UPDATE_ROOT", DEFAULT_UPDATE_ROOT),
        registry_mirror=_registry_mirror(settings),
        install=install,
        tools=plan_tools(
            _setting(settings, TOOLS_VARIABLE),
            _setting(settings, TOOLS_ARGS_VARIABLE),
            _setting(settings, RUNTIME_TOOLS_VARIABLE),
        ),
        private_access=read_private_access(settings),
        database=plan_database(
            build_dir, project, settings, _flag(settings, DATABASE_URL_ENABLED_VARIABLE)
        ),
        emk_layout=emk_reason,
        include_from_user=bool((settings.get(slug_patterns.INCLUDE_VARIABLE) or "").strip()),
        include_files=slug_patterns.parse_patterns(
            slug_patterns.INCLUDE_VARIABLE,
            settings.get(slug_patterns.INCLUDE_VARIABLE),
            emk_layout.KEEP_EVERYTHING if emk_reason else slug_patterns.DEFAULT_INCLUDE,
        ),
        exclude_files=slug_patterns.parse_patterns(
            slug_patterns.EXCLUDE_VARIABLE,
            settings.get(slug_patterns.EXCLUDE_VARIABLE),
            slug_patterns.DEFAULT_EXCLUDE,
        ),
        rustup_enabled=rustup_enabled,
        rust_version=rust_version,
        rustup_init_version=_rustup_init_version(settings),
        rustup_init_libc=_choice(settings, "BP_RUSTUP_INIT_LIBC", LIBCS),
        write_sbom=not _flag(settings, "BP_DISABLE_SBOM"),
        skip_build=skip_build,
        cache_max_bytes=_size(settings, "BP_CACHE_MAX_SIZE", DEFAULT_CACHE_MAX_SIZE),
        sccache_enabled=_flag(settings, "BP_SCCACHE_ENABLED"),
        boot_check=_flag(settings, "BP_BOOT_CHECK"),
        boot_check_timeout=_seconds(settings, "BP_BOOT_CHECK_TIMEOUT", DEFAULT_BOOT_CHECK_TIMEOUT),
        sccache_path=_setting(settings, "BP_SCCACHE_PATH"),
        download_stall_seconds=_seconds(
            settings, "BP_DOWNLOAD_STALL_TIMEOUT", DEFAULT_DOWNLOAD_STALL_TIMEOUT
        ),
        notes=tuple(notes),
        warnings=(features_warning,) if features_warning else (),
        hooks=find_hooks(build_dir),
        features=chosen_features,
    )
