"""Config vars, app files and cargo messages of unusual shape: one documented rule
each, never a traceback and never a hang (issue 11: items 1, 4, 7, 8, 10, 11, 13, 14).

The platform cases push a real app through bin/compile with an invalid
toolchain setting as well, so that each build stops right after the
configuration is read: what is checked is what the reading says and does.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

from classic_bp import app_files, cache, errors
from classic_bp.cargo.pruning import CargoUnits
from classic_bp.config.procfile import read_process_types
from classic_bp.config.project import load_project
from classic_bp.config.tools import plan_tools
from classic_bp.platform.env_dir import MAX_VARIABLE_BYTES, AppEnv, read_env_dir
from classic_bp.platform.redact import Redactor
from platform_runner import Platform
from tests.assertions import assert_failed_cleanly, assert_user_error, error_message

STOP = {"BP_RUST_TOOLCHAIN": "newest"}  # fails right after the configuration is read
# Fails at the first download (nothing listens there), after the cache is opened.
UNREACHABLE = {
    "RUSTUP_DIST_SERVER": "http://127.0.0.1:9",
    "RUSTUP_UPDATE_ROOT": "http://127.0.0.1:9/rustup",
}


# -- item 4: the env dir ---------------------------------------------------------------


@pytest.fixture
def odd_env_dir(tmp_path: Path) -> Path:
    env = tmp_path / "odd-env"
    env.mkdir()
    (env / "GOOD").write_text("value\n")
    (env / "LINKED").symlink_to(env / "GOOD")
    (env / "A_DIR").mkdir()
    os.mkfifo(env / "A_FIFO")  # opened for reading, a fifo would block forever
    (env / "DANGLING").symlink_to(tmp_path / "nowhere")
    (env / "not-a-name").write_text("x")
    (env / "WITH_NUL").write_bytes(b"a\0b")
    (env / "NOT_UTF8").write_bytes(b"caf\xe9")
    (env / "HUGE").write_bytes(b"x" * (MAX_VARIABLE_BYTES + 10))
    (env / "JUST_UNDER").write_bytes(b"y" * (MAX_VARIABLE_BYTES - 100))
    (env / ".hidden").write_text("platform file")
    (env / "LD_PRELOAD").write_text("/evil.so")
    return env


def test_each_odd_entry_of_the_env_dir_is_skipped_by_name(odd_env_dir: Path) -> None:
    app_env = read_env_dir(odd_env_dir)
    assert app_env.variables["GOOD"] == "value"
    assert app_env.variables["LINKED"] == "value"  # ENV_DIR is the platform's: links are fine
    assert len(app_env.variables["JUST_UNDER"]) == MAX_VARIABLE_BYTES - 100
    skipped = dict(app_env.skipped)
    assert skipped["A_DIR"] == "it is not a regular file"
    assert skipped["A_FIFO"] == "it is not a regular file"
    assert "cannot be read" in skipped["DANGLING"]
    assert skipped["not-a-name"] == "it is not a valid variable name"
    assert "NUL byte" in skipped["WITH_NUL"]
    assert "not UTF-8" in skipped["NOT_UTF8"]
    assert "over 128 KiB" in skipped["HUGE"]
    assert ".hidden" not in skipped and ".hidden" not in app_env.variables
    assert app_env.ignored == ("LD_PRELOAD",)


def test_config_vars_over_the_environment_budget_drop_the_largest(tmp_path: Path) -> None:
    env = tmp_path / "env"
    env.mkdir()
    for index in range(12):  # 12 x 100 KiB: each fits, together they do not
        (env / f"BUNDLE_{index:02}").write_bytes(b"z" * (100 * 1024 + index))
    (env / "SMALL").write_text("kept")
    app_env = read_env_dir(env)
    skipped = [name for name, _ in app_env.skipped]
    assert skipped[:2] == ["BUNDLE_11", "BUNDLE_10"]  # the largest first
    assert "SMALL" in app_env.variables
    size = sum(len(n) + len(v) + 2 for n, v in app_env.variables.items())
    assert size <= 1024 * 1024


def test_a_build_with_odd_config_vars_warns_and_never_hangs(
    platform: Platform, odd_env_dir: Path
) -> None:
    for entry in odd_env_dir.iterdir():
        target = platform.env_dir / entry.name
        if entry.is_symlink():
            target.symlink_to(os.readlink(entry))
        elif entry.is_dir():
            target.mkdir()
        elif entry.name == "A_FIFO":
            os.mkfifo(target)
        else:
            target.write_bytes(entry.read_bytes())
    platform.set_config(**STOP)
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, "BP_RUST_TOOLCHAIN")
    for name in ("A_DIR", "A_FIFO", "not-a-name", "WITH_NUL", "NOT_UTF8", "HUGE"):
        assert f"  - {name}: " in result.stderr, result.stderr
    assert "left out of the build environment" in result.stderr
    assert "E2BIG" not in result.log and "Argument list too long" not in result.log


# -- item 8: what is masked ------------------------------------------------------------


def _masked(variables: dict[str, str], text: str) -> str:
    redact = Redactor()
    redact.add(AppEnv(variables, ()).secret_values())
    return redact(text)


@pytest.mark.parametrize(
    ("variables", "text", "hidden", "shown"),
    [
        # Ordinary values stay readable, however long.
        ({"PROFILE": "release"}, "Finished `release` profile", [], ["`release`"]),
        ({"SERVICE_NAME": "web-std"}, "Compiling web-std v0.1.0", [], ["web-std v0.1.0"]),
        # Names that say secret.
        ({"GITHUB_TOKEN": "ghp_abcdef"}, "token=ghp_abcdef;", ["ghp_abcdef"], ["token="]),
        ({"DB_PASSWORD": "pa55word"}, "'pa55word'", ["pa55word"], []),
        ({"AWS_SECRET_ACCESS_KEY": "wJalrXUtnF"}, "k=wJalrXUtnF", ["wJalrXUtnF"], []),
        ({"STRIPE_APIKEY": "sk_live_1"}, "sk_live_1", ["sk_live_1"], []),
        ({"SENTRY_DSN": "https://abc@o1.ingest/1"}, "dsn https://abc@o1.ingest/1", ["abc"], []),
        # Short or boolean values are never masked: they would garble the log.
        ({"API_KEY_ENABLED": "true"}, "true", [], ["true"]),
        # Listed by the user.
        (
            {"BP_MASKED_VARIABLES": "SHOP_ID, OTHER", "SHOP_ID": "shop-4711"},
            "shop-4711",
            ["shop-4711"],
            [],
        ),
        # URL userinfo, in the value and anywhere in the log.
        (
            {"DATABASE_URL": "postgres://app:hunter2@db:5432/app"},
            "url=postgres://app:hunter2@db:5432/app pw=hunter2",
            ["hunter2", "app:"],
            ["url=", "pw="],
        ),
        ({}, "fetch https://x-token:t0k3n@github.com/o/r.git", ["t0k3n"], ["github.com/o/r"]),
        ({}, "clone https://ghp_TOKEN123@github.com/o/r", ["ghp_TOKEN123"], ["github.com"]),
        # Robustly: percent-encoded, JSON-escaped, one line of a multi-line key.
        ({"MY_SECRET": 'a b/c"d'}, 'u=a%20b%2Fc%22d j="a b/c\\"d"', ["a%20b", "a b"], []),
        (
            {"TLS_PRIVATE_KEY": "-----BEGIN-----\nMIIEvQIBADANBgkq\n-----END-----"},
            "got MIIEvQIBADANBgkq",
            ["MIIEvQIBADANBgkq"],
            ["got"],
        ),
        # A buildpack setting's URL keeps its host readable.
        (
            {"BP_CARGO_REGISTRY_MIRROR": "sparse+https://robot:s3cr3t@mirror.example/"},
            "index sparse+https://robot:s3cr3t@mirror.example/ s3cr3t",
            ["s3cr3t"],
            ["mirror.example"],
        ),
    ],
)
def test_the_masking_rule(
    variables: dict[str, str], text: str, hidden: list[str], shown: list[str]
) -> None:
    masked = _masked(variables, text)
    for secret in hidden:
        assert secret not in masked, masked
    for word in shown:
        assert word in masked, masked


def test_ordinary_config_vars_stay_readable_in_a_real_log(platform: Platform) -> None:
    platform.set_config(
        SERVICE_NAME="web-std", GITHUB_TOKEN="ghp_0123456789", PROFILE="release", **UNREACHABLE
    )
    _build_dir, result = platform.build("web-std")
    assert_failed_cleanly(result)
    assert "Package web-std in ./" in result.stdout
    assert "[redacted]" not in result.stdout


# -- item 10: user mistakes in files are user errors ------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("VERSION='1.80\n", "line 1: no closing quotation"),
        ('VERSION=1.80\nRUST_CARGO_BUILD_FLAGS="--features x\n', "line 2: no closing quotation"),
        ("# comment\nBUILD_PATH=a\\\n", "line 2: no escaped character"),
    ],
)
def test_an_unbalanced_quote_in_rustconfig_is_a_user_error(
    platform: Platform, content: str, fragment: str
) -> None:
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "RustConfig").write_text(content)
    result = platform.compile(build_dir)
    assert_user_error(result, "Could not read RustConfig", fragment)


def test_a_nul_byte_in_rustconfig_build_path_is_a_user_error(platform: Platform) -> None:
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "RustConfig").write_bytes(b"BUILD_PATH=serv\0er\n")
    result = platform.compile(build_dir)
    assert_user_error(result, "--path=serv\\0er", "no package of the app is there")


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        # Inside bash's double quotes a single quote is a plain character, and the
        # old buildpack expanded $RUST_CARGO_BUILD_FLAGS unquoted: blanks split it.
        ('"--features \'a"', ["--features", "'a"]),
        ("'--features  a\tb  -v'", ["--features", "a", "b", "-v"]),
        ('"--bin \\"x y\\""', ["--bin", '"x', 'y"']),
    ],
)
def test_rustconfig_flags_split_as_bash_expands_them(
    platform: Platform, flags: str, words: list[str]
) -> None:
    """Each word reaches cargo install as bash would have split it: no quote in
    the value groups words or is dropped, and nothing is run."""
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "RustConfig").write_text(f"RUST_CARGO_BUILD_FLAGS={flags}\n")
    platform.set_config(**STOP)
    result = platform.compile(build_dir)
    # Stopped before anything slow: by STOP, or first by the check of the feature
    # names (web-std has no feature `a`; `'a` is no feature name at all).
    assert_user_error(result)
    # shlex.join quotes each word: the log shows exactly where the value was split.
    expected = shlex.join(["--locked", *words])
    assert f"RUST_CARGO_BUILD_FLAGS -> BP_CARGO_INSTALL_ARGS={expected}" in result.stdout


@pytest.mark.parametrize(
    ("manifest", "fragment"),
    [
        ('[workspace]\nmembers = "crates/*"\n', "`workspace.members` must list paths"),
        ('[workspace]\nmembers = []\nexclude = "x"\n', "`workspace.exclude` must list paths"),
        ('[workspace]\nmembers = ["/abs/*"]\n', "workspace member pattern '/abs/*'"),
        ('[workspace]\nmembers = ["../../x"]\n', "../../x/Cargo.toml leads outside the app"),
    ],
)
def test_malformed_workspaces_are_user_errors(
    platform: Platform, tmp_path: Path, manifest: str, fragment: str
) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "Cargo.toml").write_text('[package]\nname = "outside"\n')
    build_dir = platform.new_build_dir("web-std")
    (build_dir / "Cargo.toml").write_text(manifest)
    result = platform.compile(build_dir)
    assert_user_error(result, fragment)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RUSTUP_DIST_SERVER", "http://[mirror"),
        ("RUSTUP_UPDATE_ROOT", "https://tok3n-value@mirror:port/rustup"),
        ("BP_CARGO_REGISTRY_MIRROR", "sparse+https://robot:tok3n-value@[::1/index/"),
    ],
)
def test_malformed_urls_are_user_errors_without_their_credentials(
    platform: Platform, variable: str, value: str
) -> None:
    platform.set_config(**{variable: value})
    _build_dir, result = platform.build("web-std")
    assert_user_error(result, variable)
    assert "tok3n-value" not in result.log


# -- item 11: no link out of the app is read -------------------------------------------


@pytest.mark.parametrize(
    "relative",
    [
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain",
        "rust-toolchain.toml",
        "RustConfig",
        ".cargo/config.toml",
        ".cargo/config",
    ],
)
def test_an_app_file_linked_outside_the_app_is_refused_unread(
    platform: Platform, tmp_path: Path, relative: str
) -> None:
    leak = tmp_path / "credentials"
    leak.write_text("AWS_SECRET=do-not-print-me\n[[[ not toml")
    build_dir = platform.new_build_dir("web-std")
    path = build_dir / relative
    path.parent.mkdir(exist_ok=True)
    path.unlink(missing_ok=True)
    path.symlink_to(leak)
    result = platform.compile(build_dir)
    assert_user_error(result, f"The app's {relative} leads outside the app")
    assert "do-not-print-me" not in result.log


def test_a_member_reached_through_a_link_outside_the_app_is_refused(
    platform: Platform, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    (outside / "src").mkdir(parents=True)
    (outside / "Cargo.toml").write_text('[package]\nname = "leak"\nversion = "0.1.0"\n')
    build_dir = platform.new_build_dir("workspace")
    (build_dir / "crates" / "linked").symlink_to(outside)
    result = platform.compile(build_dir)
    assert_user_error(result, "crates/linked/Cargo.toml leads outside the app")


def test_links_inside_the_app_and_broken_links_are_told_apart(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "real").mkdir(parents=True)
    (app / "real" / "Procfile").write_text("web: bin/web\n")
    (app / "Procfile").symlink_to("real/Procfile")
    assert read_process_types(app) == {"web": "bin/web"}
    (app / "RustConfig").symlink_to(app / "missing")
    with pytest.raises(errors.BuildError, match="RustConfig cannot be read"):
        app_files.read_text(app, app / "RustConfig")
    (app / "loop").symlink_to("loop")
    with pytest.raises(errors.BuildError, match="broken link"):
        app_files.check_inside(app, app / "loop")


# -- item 11: nothing in the cache reached through a link that leaves it ----------------


def test_links_leaving_the_cache_are_dropped_and_their_targets_untouched(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "deps").mkdir(parents=True)
    (outside / "deps" / "precious-0123456789abcdef.rlib").write_text("keep")
    layout = cache.CacheLayout(tmp_path / "cache")
    (layout.target_dir / "release").mkdir(parents=True)
    (layout.target_dir / "debug").symlink_to(outside)
    (layout.target_dir / "release" / "deps").symlink_to(outside / "deps")
    layout.cargo_home.symlink_to(outside)
    layout.root.joinpath("inside").symlink_to(layout.target_dir)  # inside: kept
    removed = cache.drop_outside_links(layout)
    assert sorted(removed) == ["cargo", "target/debug", "target/release/deps"]
    assert (outside / "deps" / "precious-0123456789abcdef.rlib").read_text() == "keep"
    assert layout.root.joinpath("inside").is_symlink()
    cache.remove_tree(layout.root / "inside")
    assert layout.target_dir.is_dir()


def test_a_cache_folder_that_is_a_link_is_dropped_whole(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "file").write_text("keep")
    layout = cache.CacheLayout(tmp_path / "cache")
    layout.cache_dir.mkdir()
    layout.root.symlink_to(outside)
    assert cache.drop_outside_links(layout) == ["rust-buildpack"]
    assert not layout.root.exists() and (outside / "file").exists()


def test_a_cached_target_dir_linked_outside_is_discarded_with_a_warning(
    platform: Platform, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "file").write_text("keep")
    root = platform.cache_dir / "rust-buildpack"
    root.mkdir()
    (root / "target").symlink_to(outside)
    platform.set_config(**UNREACHABLE)
    _build_dir, result = platform.build("web-std")
    assert_failed_cleanly(result)
    assert "Removed the symlink target from the cache" in result.stderr
    assert not (root / "target").is_symlink()
    assert (outside / "file").read_text() == "keep"


# -- item 13: files read as cargo and the platforms read them ---------------------------


def test_a_byte_order_mark_in_cargo_toml_is_read_as_cargo_reads_it(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.rs").write_text("fn main() {}\n")
    (tmp_path / "Cargo.toml").write_bytes(
        b'\xef\xbb\xbf[package]\r\nname = "bom"\r\nversion = "0.1.0"\r\n'
    )
    project = load_project(tmp_path)
    assert project.binaries() == ("bom",)


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfweb: bin/web --port $PORT\nworker: bin/worker\n",
        b"web: bin/web --port $PORT\r\nworker: bin/worker\r\n",
        b"\xef\xbb\xbfweb: bin/web --port $PORT\r\nworker: bin/worker",
    ],
)
def test_a_procfile_with_a_bom_or_crlf_keeps_its_web_line(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "Procfile").write_bytes(content)
    assert read_process_types(tmp_path) == {
        "web": "bin/web --port $PORT",
        "worker": "bin/worker",
    }


def test_a_bom_cargo_toml_passes_the_configuration_step(platform: Platform) -> None:
    build_dir = platform.new_build_dir("web-std")
    manifest = build_dir / "Cargo.toml"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    platform.set_config(**STOP)
    result = platform.compile(build_dir)
    assert_user_error(result, "BP_RUST_TOOLCHAIN")
    assert "Could not read the Cargo manifest" not in error_message(result)


# -- item 1: tools are installed locked --------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (None, ("--locked",)),
        ("--features x", ("--locked", "--features", "x")),
        ("--frozen", ("--frozen",)),
        ("--locked --no-default-features", ("--locked", "--no-default-features")),
    ],
)
def test_tools_are_installed_with_locked(arguments: str | None, expected: tuple) -> None:
    assert plan_tools("diesel_cli", arguments).install_arguments == expected


# -- items 7 and 14: the binaries are what cargo reports --------------------------------


def _artifact(name: str, kind: str, manifest: str, executable: str | None) -> str:
    return json.dumps(
        {
            "reason": "compiler-artifact",
            "manifest_path": manifest,
            "target": {"name": name, "kind": [kind]},
            "filenames": [f"/t/release/deps/{name}-0123456789abcdef"],
            "executable": executable,
        }
    )


def test_binaries_come_from_cargo_messages_and_clashes_are_found() -> None:
    units = CargoUnits()
    messages = [
        _artifact("web", "bin", "/app/a/Cargo.toml", "/t/release/web"),
        _artifact("worker", "bin", "/app/a/Cargo.toml", "/t/release/worker"),
        _artifact("demo", "example", "/app/a/Cargo.toml", "/t/release/examples/demo"),
        _artifact("build-script-build", "custom-build", "/app/a/Cargo.toml", "/t/build/x"),
        _artifact("shared", "lib", "/app/s/Cargo.toml", None),
        _artifact("web", "bin", "/app/b/Cargo.toml", "/t/release/web"),
        "   Compiling web v0.1.0",
    ]
    assert [units.add_message(line) for line in messages] == [True] * 6 + [False]
    assert sorted(units.executables) == ["demo", "web", "worker"]
    assert units.clashes() == {"web": ["/app/a/Cargo.toml", "/app/b/Cargo.toml"]}
