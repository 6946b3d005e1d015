"""Every message the buildpack shows a user when a build fails.

Modules raise these errors; only the CLI prints them. Each says what went
wrong, where (file or variable) and how to fix it, and carries a short
machine-readable ``reason`` for build reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DOCS_URL = "the Configuration table in the buildpack's README"


@dataclass
class BuildError(Exception):
    """A failure the user can fix; printed without a traceback, exit 1."""

    reason: str
    message: str

    def __str__(self) -> str:
        return self.message


def _bullets(items: Iterable[str]) -> str:
    return "\n".join(f"  - {item}" for item in items)


def invalid_arguments(usage: str, problem: str) -> BuildError:
    return BuildError("usage", f"{problem}\n\nUsage: {usage}")


def missing_directory(role: str, path: Path) -> BuildError:
    return BuildError(
        "usage",
        f"The {role} directory {path} does not exist.\n\n"
        "The platform passes it to the buildpack; when running by hand, create it first.",
    )


def invalid_cargo_toml(path: Path, problem: str) -> BuildError:
    return BuildError(
        "invalid_cargo_toml",
        f"Could not read the Cargo manifest {path.name}.\n\n"
        f"{path}: {problem}\n\n"
        "Fix the file so that `cargo metadata` accepts it, commit it and push again.",
    )


def missing_lockfile(root: Path) -> BuildError:
    return BuildError(
        "missing_cargo_lock",
        "No Cargo.lock was found at the root of the app.\n\n"
        "Builds use `cargo install --locked`, so that the versions deployed are the\n"
        "versions you tested. Create the lockfile and commit it:\n\n"
        "  cargo generate-lockfile\n"
        "  git add Cargo.lock && git commit -m 'Add Cargo.lock'\n\n"
        f"(looked for {root / 'Cargo.lock'})",
    )


def no_binary_targets(root: Path, packages: Iterable[str]) -> BuildError:
    names = sorted(packages)
    return BuildError(
        "no_binary_target",
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
        "invalid_workspace",
        f"The workspace in {manifest.name} lists the member `{member}`,\n"
        "but it has no Cargo.toml.\n\n"
        "Fix the `members` list of [workspace] or commit the member's files.",
    )


def invalid_toolchain_file(path: Path, problem: str) -> BuildError:
    return BuildError(
        "invalid_toolchain_file",
        f"Could not use the toolchain file {path.name}: {problem}\n\n"
        'Write it as:\n\n  [toolchain]\n  channel = "1.95.0"\n\n'
        "with a channel such as stable, beta, nightly, 1.95.0 or nightly-2026-01-01.",
    )


def invalid_toolchain_setting(variable: str, value: str) -> BuildError:
    return BuildError(
        "invalid_toolchain",
        f"{variable}={value!r} is not a Rust toolchain name.\n\n"
        "Use stable, beta, nightly, a version such as 1.95.0 or 1.95,\n"
        "or a dated channel such as nightly-2026-01-01.",
    )


def invalid_choice(variable: str, value: str, allowed: Iterable[str]) -> BuildError:
    return BuildError(
        "invalid_setting",
        f"{variable}={value!r} is not a supported value.\n\n"
        f"Allowed values: {', '.join(allowed)}.\n"
        f"Change or remove the variable in the app's environment. See {DOCS_URL}",
    )


def invalid_url(variable: str, shown_value: str, expected: str) -> BuildError:
    return BuildError(
        "invalid_setting",
        f"{variable}={shown_value!r} is not a valid URL.\n\n"
        f"Expected {expected}.\n"
        f"Change or remove the variable in the app's environment. See {DOCS_URL}",
    )


def download_failed(url: str, problem: str, attempts: int) -> BuildError:
    return BuildError(
        "download_failed",
        f"Could not download {url}\n\n"
        f"{problem} (after {attempts} attempt{'s' if attempts != 1 else ''}).\n\n"
        "If the builder can only reach a mirror, point the buildpack at it with\n"
        "RUSTUP_DIST_SERVER and RUSTUP_UPDATE_ROOT; otherwise try the build again.",
    )


def checksum_mismatch(url: str, expected: str, actual: str) -> BuildError:
    return BuildError(
        "checksum_mismatch",
        f"The file downloaded from {url} does not match its published sha256.\n\n"
        f"  expected {expected}\n  received {actual}\n\n"
        "The download was corrupted or the mirror serves a different file.\n"
        "Nothing was installed; try the build again, or check the mirror.",
    )


def invalid_checksum_file(url: str) -> BuildError:
    return BuildError(
        "checksum_mismatch",
        f"{url} does not hold a sha256 checksum.\n\n"
        "The mirror must serve `<file>.sha256` next to each file, as static.rust-lang.org does.",
    )


def rustup_init_failed(returncode: int) -> BuildError:
    return BuildError(
        "rustup_init_failed",
        f"rustup-init failed (exit code {returncode}); its output is above.\n\n"
        "The cached rustup installation was discarded; the next build starts it afresh.",
    )


def toolchain_install_failed(toolchain: str, returncode: int) -> BuildError:
    return BuildError(
        "toolchain_install_failed",
        f"rustup could not install the Rust toolchain {toolchain} (exit code {returncode}).\n\n"
        "Check the toolchain name (BP_RUST_TOOLCHAIN or rust-toolchain.toml), and that\n"
        "RUSTUP_DIST_SERVER, when set, serves it. rustup's output is above.",
    )


def cargo_failed(command: str, returncode: int) -> BuildError:
    return BuildError(
        "cargo_failed",
        f"`{command}` failed (exit code {returncode}); cargo's output is above.\n\n"
        "Reproduce it locally with `cargo install --locked --path .` and fix the\n"
        "reported problem. The cache is intact: the next build resumes from it.",
    )


def no_binaries_installed(root: Path) -> BuildError:
    return BuildError(
        "no_binary_installed",
        f"cargo finished, but no binary was installed into {root / 'bin'}.",
    )


def build_interrupted() -> BuildError:
    return BuildError(
        "interrupted",
        "The build was interrupted. The cache is consistent: the next build reuses it.",
    )
