"""A system library missing on the builder: the error names it, its package, and the Aptfile fix.

The unit tests read cargo's output as the `pkg-config` crate (pkg-config-rs,
src/lib.rs), the pkg-config program, openssl-sys (build/find_normal.rs) and
the linkers (GNU ld, gold, lld, mold) word it; the slow ones build apps
whose build script or link really fails, through bin/compile.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classic_bp import errors
from classic_bp.cargo.failures import OutputWatch
from classic_bp.cargo.library_failures import diagnose
from classic_bp.platform import system_libraries
from platform_runner import Platform
from tests.assertions import assert_failed_cleanly

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMAND = "cargo build --release --locked --bins -p app --target-dir $CACHE_DIR/target"


def build_script_failed(crate: str, *stderr: str, stdout: tuple[str, ...] = ()) -> list[str]:
    """cargo's lines for a build script that panicked with ``stderr``."""
    return [
        f"   Compiling {crate} v0.9.102",
        f"error: failed to run custom build command for `{crate} v0.9.102`",
        "",
        "Caused by:",
        f"  process didn't exit successfully: `/app/target/release/build/{crate}-1f2e3d/"
        "build-script-main` (exit status: 101)",
        "  --- stdout",
        "  cargo:rerun-if-env-changed=PKG_CONFIG_PATH",
        *(f"  {line}" for line in stdout),
        "  --- stderr",
        *(f"  {line}" for line in stderr),
    ]


def pkg_config_crate_message(name: str, crate: str) -> list[str]:
    """pkg-config-rs 0.3.30+'s Error::ProbeFailure, as its Display writes it."""
    return [
        "",
        "pkg-config exited with status code 1",
        f"> PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 pkg-config --libs --cflags {name}",
        "",
        f"The system library `{name}` required by crate `{crate}` was not found.",
        f"The file `{name}.pc` needs to be installed and the PKG_CONFIG_PATH environment"
        " variable must contain its parent directory.",
        "The PKG_CONFIG_PATH environment variable is not set.",
        "",
        "HINT: if you have installed the library, try setting PKG_CONFIG_PATH to the directory"
        f" containing `{name}.pc`.",
    ]


def link_failed(crate: str, *notes: str) -> list[str]:
    """rustc's lines for a failed link, the linker's words in ``notes``."""
    return [
        f"   Compiling {crate} v0.1.0 (/tmp/classic-bp-0/app)",
        "error: linking with `cc` failed: exit status: 1",
        "  |",
        '  = note:  "cc" "-m64" "<2 object files omitted>" "-Wl,--as-needed" "-lpq" "-lgcc_s"'
        ' "-lc" "-fuse-ld=lld"',
        "  = note: some arguments are omitted. use `--verbose` to show all linker arguments",
        *(f"  = note: {note}" for note in notes),
        "          collect2: error: ld returned 1 exit status",
        "",
        f'error: could not compile `{crate}` (bin "{crate}") due to 1 previous error',
    ]


def message(lines: list[str], stack: str | None = "scalingo-22") -> str:
    failure = diagnose(lines, COMMAND, 101, stack)
    assert failure is not None, "not recognised"
    assert failure.reason is errors.Reason.SYSTEM_LIBRARY_MISSING
    text = str(failure)
    assert re.match(rf"`{re.escape(COMMAND)}` failed \(exit code 101\): (a )?system librar", text)
    assert text.endswith("See the buildpack's README.md#a-system-library-is-missing")
    return text


def test_the_pkg_config_crates_message_names_the_library_its_package_and_the_aptfile() -> None:
    lines = build_script_failed(
        "libsodium-sys", *pkg_config_crate_message("libsodium", "libsodium-sys")
    )
    text = message(lines)
    assert "  - libsodium: pkg-config found no libsodium.pc, for the crate `libsodium-sys`." in text
    assert "Its package, libsodium-dev, is not among what scalingo-22 carries." in text
    assert (
        "an Aptfile at the app's root that lists it (one package a line):\n  libsodium-dev\n"
        in (text)
    )
    assert "https://github.com/Scalingo/apt-buildpack" in text
    assert "https://doc.scalingo.com/platform/deployment/buildpacks/apt" in text
    assert "heroku-community/apt" not in text  # Scalingo's stack: Scalingo's way


def test_older_pkg_config_crates_and_the_program_itself_are_read_too() -> None:
    old = "error: could not find system library 'libgit2' required by the 'libgit2-sys' crate"
    text = message(build_script_failed("libgit2-sys", old))
    assert "  - libgit2: pkg-config found no libgit2.pc, for the crate `libgit2-sys`." in text
    assert "  libgit2-dev\n" in text
    program = [
        "Package zstd was not found in the pkg-config search path.",
        "Perhaps you should add the directory containing `zstd.pc'",
        "to the PKG_CONFIG_PATH environment variable",
        "Package 'zstd', required by 'virtual:world', not found",
    ]
    text = message(build_script_failed("zstd-sys", *program))
    assert "  - zstd: pkg-config found no zstd.pc, for the crate `zstd-sys`." in text
    assert "  libzstd-dev\n" in text


def test_openssl_sys_on_a_stack_that_carries_libssl_dev_says_what_else_to_check() -> None:
    stdout = (
        "",
        "Could not find openssl via pkg-config:",
        *pkg_config_crate_message("openssl", "openssl-sys"),
    )
    stderr = (
        "thread 'main' panicked at .../openssl-sys-0.9.102/build/find_normal.rs:190:5:",
        "",
        "Could not find directory of OpenSSL installation, and this `-sys` crate cannot",
        "proceed without this knowledge. If OpenSSL is installed and this crate had",
        "trouble finding it,  you can set the `OPENSSL_DIR` environment variable for the",
        "compilation process.",
        "",
        "Make sure you also have the development packages of openssl installed.",
        "For example, `libssl-dev` on Ubuntu or `openssl-devel` on Fedora.",
        "",
        "$HOST = x86_64-unknown-linux-gnu",
        "$TARGET = x86_64-unknown-linux-musl",
        "openssl-sys = 0.9.102",
    )
    text = message(build_script_failed("openssl-sys", *stderr, stdout=stdout))
    assert "  - openssl: pkg-config found no openssl.pc, for the crate `openssl-sys`." in text
    assert "Its package, libssl-dev, is one scalingo-22 carries: see below." in text
    assert "Aptfile" not in text
    assert "A library the stack carries should have been found" in text
    assert "another --target, musl say" in text and "OPENSSL_DIR" in text
    # openssl-sys's own words alone (without pkg-config's) name it too.
    text = message(build_script_failed("openssl-sys", *stderr), stack="scalingo-26")
    assert "  - openssl: openssl-sys found no openssl installation" in text
    assert "libssl-dev, is one scalingo-26 carries" in text


@pytest.mark.parametrize(
    "note",
    [
        "/usr/bin/ld: cannot find -lpq: No such file or directory",  # GNU ld 2.38+
        "/usr/bin/ld: cannot find -lpq",  # older GNU ld
        "/usr/bin/ld.gold: error: cannot find -lpq",
        "rust-lld: error: unable to find library -lpq",  # Rust's default linker since 1.90
        "mold: fatal: library not found: pq",
    ],
)
def test_the_linkers_words_for_pq_sys_without_libpq_dev(note: str) -> None:
    text = message(link_failed("todo-api", note), stack="scalingo-24")
    assert "  - pq: the linker found no libpq.so (-lpq), linking `todo-api`." in text
    assert "Its package, libpq-dev, is one scalingo-24 carries" in text


def test_a_library_the_stack_lacks_and_one_nobody_knows_on_heroku() -> None:
    lines = link_failed(
        "worker",
        "rust-lld: error: unable to find library -lmysqlclient",
        "rust-lld: error: unable to find library -lbpnosuchlib",
    )
    text = message(lines, stack="heroku-24")
    assert text.startswith(f"`{COMMAND}` failed (exit code 101): system libraries the app")
    assert "Its package, libmysqlclient-dev, is one heroku-24 carries" in text
    assert "The buildpack does not know its Ubuntu package" in text
    assert "Ubuntu 24.04 on https://packages.ubuntu.com for libbpnosuchlib.so" in text
    assert "lists it (one package a line):\n  <its -dev package>\n" in text
    assert "On Heroku: heroku buildpacks:add --index 1 heroku-community/apt" in text
    assert "On Dokku: a .buildpacks file" in text  # herokuish runs heroku-* stacks
    assert "https://github.com/heroku/heroku-buildpack-apt" in text
    assert "Scalingo" not in text


def test_on_an_unknown_stack_nothing_counts_as_carried_and_every_platform_is_shown() -> None:
    text = message(link_failed("api", "/usr/bin/ld: cannot find -lsqlite3"), stack=None)
    assert "libsqlite3-dev, is not among what this stack carries" in text
    assert "the stack's Ubuntu release" not in text  # known package: no search needed
    for platform in ("On Scalingo", "On Heroku", "On Dokku"):
        assert platform in text


def test_a_library_named_outside_the_failure_is_not_the_cause() -> None:
    # A build script's probe that fell back (a warning), then a compile error.
    lines = [
        "warning: libgit2-sys@0.16.2: Package libgit2 was not found in the pkg-config search path.",
        "error[E0308]: mismatched types",
        'error: could not compile `api` (bin "api") due to 1 previous error',
    ]
    assert diagnose(lines, COMMAND, 101, "scalingo-22") is None
    watch = OutputWatch(stack="scalingo-22")
    for line in lines:
        watch(line)
    assert watch.failure(COMMAND, 101).reason is errors.Reason.CARGO_FAILED


def test_a_probe_that_fell_back_is_not_the_failed_build_scripts_cause() -> None:
    lines = [
        "warning: libgit2-sys@0.16.2: Package libgit2 was not found in the pkg-config search path.",
        *build_script_failed("ring", 'error occurred: Command "cc" failed: exit status 1'),
    ]
    assert diagnose(lines, COMMAND, 101, "scalingo-22") is None


def test_the_watch_of_a_failed_run_knows_its_stack() -> None:
    watch = OutputWatch(stack="scalingo-22")
    for line in link_failed("api", "rust-lld: error: unable to find library -lpq"):
        watch(line)
    failure = watch.failure(COMMAND, 101)
    assert failure.reason is errors.Reason.SYSTEM_LIBRARY_MISSING
    assert "is one scalingo-22 carries" in str(failure)


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("pq", "libpq-dev"),
        ("libpq", "libpq-dev"),
        (":libpq.so.5", "libpq-dev"),
        ("crypto", "libssl-dev"),
        ("openssl.pc", "libssl-dev"),
        ("z", "zlib1g-dev"),
        ("sodium", "libsodium-dev"),
        ("libsodium", "libsodium-dev"),
        ("bpnosuchlib", None),
    ],
)
def test_the_table_finds_a_library_by_any_of_its_names(name: str, package: str | None) -> None:
    library = system_libraries.find(name)
    assert (library.package if library else None) == package


def test_the_docs_list_what_each_stack_carries() -> None:
    """docs/system-libraries.md's table says what the code's table says."""
    page = (REPO_ROOT / "docs" / "system-libraries.md").read_text()
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", page, re.M))
    for stack in system_libraries.EVERY_STACK:
        for package in system_libraries.carried(stack):
            assert stack in rows.get(package, ""), f"{package} on {stack}"
    programs = {"pkg-config", "clang"}  # carried too, but no library the build looks up
    assert set(rows) - programs == {
        library.package for library in system_libraries.LIBRARIES if library.stacks
    }


@pytest.mark.slow
def test_a_build_script_that_finds_no_pc_file_fails_with_the_aptfile_fix(
    mirrored_platform: Platform,
) -> None:
    _build_dir, result = mirrored_platform.build("needs-system-library")
    assert_failed_cleanly(
        result,
        "a system library the app needs\nis not on the builder.",
        "  - libsodium: pkg-config found no libsodium.pc, for the crate `sodium-probe-sys`.",
        "Its package, libsodium-dev, is not among what scalingo-22 carries.",
        "Aptfile at the app's root that lists it (one package a line):\n  libsodium-dev\n",
        "https://github.com/Scalingo/apt-buildpack",
    )
    # cargo's own output stays above: the real pkg-config's words included.
    assert "Package libsodium was not found in the pkg-config search path." in result.stdout


@pytest.mark.slow
def test_a_link_that_finds_no_library_fails_naming_it(mirrored_platform: Platform) -> None:
    _build_dir, result = mirrored_platform.build("links-missing-library")
    assert_failed_cleanly(
        result,
        "  - bpnosuchlib: the linker found no libbpnosuchlib.so (-lbpnosuchlib),"
        " linking `links-missing-library`.",
        "The buildpack does not know its Ubuntu package",
        "Ubuntu 22.04 on https://packages.ubuntu.com for libbpnosuchlib.so",
        "lists it (one package a line):\n  <its -dev package>\n",
    )
    assert "-lbpnosuchlib" in result.stdout  # the linker's own line, above
