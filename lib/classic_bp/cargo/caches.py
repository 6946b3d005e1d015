"""Step: cargo's home and target dir, restored from the cache or discarded.

Cache invalidation:
- cargo home (registry index and downloaded crates): keyed on the registry
  it reads from; switching registries discards it, since cargo would keep
  both copies.
- target dir: keyed on the exact rustc, host and stack. Artifacts of another
  compiler are never reused by cargo, so keeping them only costs space. cargo
  cannot see a stack change: build scripts and binaries built on another
  stack's libraries (a newer glibc, another libssl or libpq) would be reused
  as they are, so another stack discards them. A record from before the stack
  was recorded counts as another stack: when unsure, rebuild.
- source times: see source_times.py; restored here, with the two above, so
  that cargo's fingerprints find the artifacts they describe.
"""

from __future__ import annotations

from pathlib import Path

from .. import errors, toml_compat
from ..cache import CacheLayout
from ..config.build_config import BuildConfig
from ..layer import Layer
from ..platform import output
from ..rust.environment import RustInstall
from . import source_times
from .fixed_path import app_config_file
from .tracked_sources import WHOLE_APP

CARGO_HOME = Layer(
    name="cargo-home",
    what="cargo registry",
    labels={"registry": "crates registry (BP_CARGO_REGISTRY_MIRROR)"},
    paths=lambda layout: [layout.cargo_home],
)
TARGET_DIR = Layer(
    name="target",
    what="build artifacts",
    labels={"rustc": "Rust compiler", "host": "host platform", "stack": "stack"},
    paths=lambda layout: [layout.target_dir],
)


def restore_caches(
    layout: CacheLayout,
    config: BuildConfig,
    rust: RustInstall,
    build_dir: Path,
    compare_sources: bool = True,
) -> source_times.Checkout | None:
    """cargo's home and target dir, then the source times (None when
    ``compare_sources`` is false: compare_sources_step does it later)."""
    with output.timed_step("Restoring cargo's cache", "cache_restore"):
        prepare_cargo_home(layout, config)
        prepare_target_dir(layout, config, rust)
        return _restore_sources(layout, build_dir) if compare_sources else None


def compare_sources_step(layout: CacheLayout, build_dir: Path) -> source_times.Checkout:
    """The source times as a step of its own, after a pre_compile hook: what the
    hook wrote into the app must be part of what is compared with the last build
    (a hook adding a file a proc macro reads would otherwise leave that crate's
    old timestamps, and its old artifact, in place)."""
    with output.timed_step("Comparing the app's files with the last build", "cache_restore"):
        return _restore_sources(layout, build_dir)


def _restore_sources(layout: CacheLayout, build_dir: Path) -> source_times.Checkout:
    sources = source_times.restore(layout, build_dir)
    _describe_restore(sources)
    return sources


def _describe_restore(sources: source_times.Checkout) -> None:
    output.detail(
        f"Source files unchanged since the last build: {sources.unchanged - sources.held_back}"
        f" (timestamps restored); changed or new: {sources.changed}"
    )
    if sources.scope != WHOLE_APP:  # the last build told which files cargo reads
        output.detail("  Only the files cargo reads were compared: no other file changes its build")
    if sources.rebuilt_packages:
        output.detail(
            f"Rebuilt whole, their {output.plural(sources.held_back, 'unchanged file')} keeping"
            " new timestamps, because their files differ from the last build:"
        )
        for package, reason in sorted(sources.rebuilt_packages.items()):
            output.detail(f"  {package}/: {reason}")


def _app_sources(app_dir: Path) -> dict:
    """The ``[source]`` table of the app's own cargo config (empty when unreadable:
    cargo itself then says what is wrong with the file)."""
    found = app_config_file(app_dir)
    if found is None:
        return {}
    try:
        sources = toml_compat.loads(found.read_text(encoding="utf-8")).get("source", {})
    except (OSError, UnicodeDecodeError, toml_compat.TOMLDecodeError):
        return {}
    return sources if isinstance(sources, dict) else {}


def _registry_config(config: BuildConfig) -> str:
    """cargo's source replacement, in CARGO_HOME/config.toml.

    cargo refuses two sources with the same URL ("source ... is already
    defined"), and the app's ``--config`` wins over this file, so: when the
    app's own config replaces crates.io, it is left alone; when it defines a
    source at the mirror's URL, crates.io is pointed at that source."""
    mirror = config.registry_mirror
    if mirror is None:
        return ""
    sources = _app_sources(config.project.root)
    replaced = sources.get("crates-io", {})
    if isinstance(replaced, dict) and replaced.get("replace-with"):
        output.detail(errors.mirror_left_to_app(str(replaced["replace-with"])))
        return ""
    same = [
        name
        for name, table in sources.items()
        if isinstance(table, dict) and table.get("registry") in (mirror.url, mirror.url.rstrip("/"))
    ]
    header = "# Written by the Rust buildpack from BP_CARGO_REGISTRY_MIRROR.\n"
    if same:
        return f"{header}[source.crates-io]\nreplace-with = {_toml_string(same[0])}\n"
    return (
        f"{header}[source.crates-io]\n"
        'replace-with = "buildpack-mirror"\n\n'
        "[source.buildpack-mirror]\n"
        f"registry = {_toml_string(mirror.url)}\n"
    )


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _real_directory(path: Path) -> str | None:
    """A cached folder replaced by a file or a link (a damaged cache) is not reused.

    Inside cargo's home and the target dir, cargo itself copes with what a
    killed build leaves: it unpacks again a crate without a valid
    ``.cargo-ok``, and rebuilds a unit whose fingerprint is missing or stale.
    """
    if path.is_symlink() or not path.is_dir():
        return f"{path.name} is not a directory"
    return None


def _drop_damaged_archives(cargo_home: Path) -> None:
    """Delete downloaded crates that a killed build or a full disk cut short.

    cargo trusts a ``.crate`` already in its cache (only an empty one is
    fetched again) and unpacks it when its sources are not unpacked yet; a
    truncated one would fail every build from then on. Only those archives
    are read through (usually none): cargo downloads a deleted one again.
    """
    cache_root = cargo_home / "registry" / "cache"
    for index in cache_root.iterdir() if cache_root.is_dir() else ():
        for archive in index.glob("*.crate"):
            unpacked = cargo_home / "registry" / "src" / index.name / archive.name[:-6]
            ok = unpacked / ".cargo-ok"
            if ok.is_file() and ok.stat().st_size > 0:
                continue
            import tarfile  # only when an archive is not unpacked: rarely

            try:
                with tarfile.open(archive, "r:gz") as tar:
                    tar.getmembers()
            except (OSError, tarfile.TarError, EOFError):
                output.detail(f"Discarding the cached crate {archive.name}: it is incomplete")
                archive.unlink(missing_ok=True)


def prepare_cargo_home(layout: CacheLayout, config: BuildConfig) -> None:
    mirror = config.registry_mirror
    registry = mirror.shown if mirror else "crates.io"
    wanted = {"registry": registry}
    CARGO_HOME.open(
        layout,
        wanted,
        present=layout.cargo_home.exists(),
        verify=lambda: _real_directory(layout.cargo_home),
    )
    _drop_damaged_archives(layout.cargo_home)
    CARGO_HOME.save(layout, wanted)
    layout.cargo_home.mkdir(parents=True, exist_ok=True)
    config_file = layout.cargo_home / "config.toml"
    contents = _registry_config(config)
    if contents:
        config_file.write_text(contents, encoding="utf-8")
        output.detail(f"Using the crates registry mirror {registry}")
    else:
        config_file.unlink(missing_ok=True)


def prepare_target_dir(layout: CacheLayout, config: BuildConfig, rust: RustInstall) -> None:
    wanted = {"rustc": rust.rustc_version, "host": config.host, "stack": config.stack or "unknown"}
    TARGET_DIR.open(
        layout,
        wanted,
        present=layout.target_dir.exists(),
        verify=lambda: _real_directory(layout.target_dir),
    )
    TARGET_DIR.save(layout, wanted)
