"""Fast rebuilds are never wrong: each shape below is built as a fresh checkout
(new path, every mtime new) several times with one cache, and after every
build the binary's answer is compared with what plain cargo gives on a copy
of the same checkout (a cold `cargo build --release --locked`). Unchanged
rebuilds must also compile nothing where cargo's own rules allow it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from platform_runner import APPS_DIR, Platform, Result
from tests.assertions import assert_succeeded

pytestmark = pytest.mark.slow

Edit = Callable[[Path], None]


def compiled_crates(log: str) -> list[str]:
    return sorted(re.findall(r"^ +Compiling (\S+) v", log, flags=re.MULTILINE))


def plain_cargo_answer(checkout: Path, binary: str, workdir: Path) -> str:
    """Plain cargo on its own copy of the checkout: the answer the slug must give."""
    home = workdir / "cargo-home"
    home.mkdir(parents=True)
    environment = {**os.environ, "CARGO_HOME": str(home), "CARGO_TARGET_DIR": str(workdir / "t")}
    environment.pop("RUSTC_WRAPPER", None)
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "--offline"],
        cwd=checkout,
        env=environment,
        check=True,
        capture_output=True,
    )
    return run_binary(workdir / "t" / "release" / binary)


def run_binary(path: Path) -> str:
    return subprocess.run([path], capture_output=True, text=True, check=True).stdout


@dataclass
class Scenario:
    """One app, built again and again as fresh checkouts with one cache."""

    platform: Platform
    source: Path
    binary: str
    edits: list[Edit]

    def build(self, edit: Edit | None = None) -> tuple[Result, str, str]:
        """Build a fresh checkout with every edit so far (and this one); return the
        log, the slug binary's answer and plain cargo's answer."""
        if edit is not None:
            self.edits.append(edit)
        build_dir = self.platform.workdir / "builds" / uuid.uuid4().hex[:12]
        # Contents only, as git checks out: every mtime is new.
        shutil.copytree(self.source, build_dir, copy_function=shutil.copyfile)
        for change in self.edits:
            change(build_dir)
        reference = self.platform.workdir / "reference" / build_dir.name
        shutil.copytree(build_dir, reference / "app", symlinks=True)
        expected = plain_cargo_answer(reference / "app", self.binary, reference)
        result = self.platform.compile(build_dir)
        assert_succeeded(result)
        return result, run_binary(build_dir / "bin" / self.binary), expected


def scenario(platform: Platform, app: str | Path, binary: str) -> Scenario:
    source = app if isinstance(app, Path) else APPS_DIR / app
    return Scenario(platform, source, binary, [])


def write(relative: str, text: str) -> Edit:
    return lambda build_dir: (build_dir / relative).write_text(text)


def delete(relative: str) -> Edit:
    return lambda build_dir: (build_dir / relative).unlink()


def test_a_build_script_generating_an_ignored_source_file(mirrored_platform: Platform) -> None:
    """build.rs writes src/generated.rs, absent from every fresh checkout."""
    app = scenario(mirrored_platform, "generated-source", "generated-source")
    for _ in range(3):
        result, answer, expected = app.build()
        assert answer == expected == "hello from a generated module\n"
    # Plain cargo reruns the build script too: the module must be made again.
    assert compiled_crates(result.stdout) == ["generated-source"]
    assert "./: src/generated.rs is gone" in result.stdout

    result, answer, expected = app.build(write("greeting.txt", "hello again\n"))
    assert answer == expected == "hello again\n"


def test_a_build_script_scanning_a_directory_without_rerun_if_changed(
    mirrored_platform: Platform,
) -> None:
    app = scenario(mirrored_platform, "scans-migrations", "scans-migrations")
    page = "page: <h1>Welcome</h1>\n"
    _result, answer, expected = app.build()
    assert answer == expected == f"migrations: 001_users.sql,002_posts.sql,003_index.sql\n{page}"

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert answer == expected

    # A deleted file is newer than nothing: only the package rule reruns build.rs.
    result, answer, expected = app.build(delete("migrations/002_posts.sql"))
    assert answer == expected == f"migrations: 001_users.sql,003_index.sql\n{page}"
    assert compiled_crates(result.stdout) == ["scans-migrations"]
    assert "./: migrations/002_posts.sql is gone" in result.stdout

    result, answer, expected = app.build(write("migrations/004_tags.sql", "CREATE TABLE t;\n"))
    assert answer == expected == f"migrations: 001_users.sql,003_index.sql,004_tags.sql\n{page}"

    # include_str! of a template that changed.
    result, answer, expected = app.build(write("templates/page.html", "<h1>Hello</h1>\n"))
    assert answer == expected
    assert answer.endswith("page: <h1>Hello</h1>\n")

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert answer == expected


def test_a_folder_named_by_rerun_if_changed_as_sqlx_documents_it(
    mirrored_platform: Platform,
) -> None:
    """`cargo:rerun-if-changed=migrations` makes cargo compare the newest mtime
    under the folder, its folders' own included: restored only when everything
    below is as recorded, so nothing compiles until a migration comes or goes."""
    app = scenario(mirrored_platform, "embeds-migrations", "embeds-migrations")
    users = "migrations/001_users.sql=CREATE TABLE users (id INT);"
    posts = "migrations/002_posts/up.sql=CREATE TABLE posts (id INT);"
    _result, answer, expected = app.build()
    assert answer == expected == f"migrations: {users},{posts}\n"

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert answer == expected

    # A migration added in a nested folder: the folders above it move, cargo reruns.
    def add_tags(build_dir: Path) -> None:
        (build_dir / "migrations" / "003_tags").mkdir()
        (build_dir / "migrations" / "003_tags" / "up.sql").write_text("CREATE TABLE tags;\n")

    result, answer, expected = app.build(add_tags)
    tags = "migrations/003_tags/up.sql=CREATE TABLE tags;"
    assert answer == expected == f"migrations: {users},{posts},{tags}\n"
    assert compiled_crates(result.stdout) == ["embeds-migrations"]

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert answer == expected

    # An empty folder added: cargo on a fresh checkout reruns build.rs, so do we.
    result, answer, expected = app.build(lambda build_dir: (build_dir / "migrations/004").mkdir())
    assert answer == expected
    assert compiled_crates(result.stdout) == ["embeds-migrations"]

    result, answer, expected = app.build(delete("migrations/002_posts/up.sql"))
    assert answer == expected == f"migrations: {users},{tags}\n"
    assert compiled_crates(result.stdout) == ["embeds-migrations"]


def test_inputs_outside_the_package_rerun_if_changed_and_include_str(
    mirrored_platform: Platform,
) -> None:
    app = scenario(mirrored_platform, "outside-input", "server")
    _result, answer, expected = app.build()
    banner = "banner: Served by the outside-input app\n"
    assert answer == expected == f"schema: users(id, name)\n{banner}"

    # include_str!("../../assets/banner.txt") is recorded by its absolute path:
    # unchanged only because cargo sees the app at the same fixed path.
    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert answer == expected

    result, answer, expected = app.build(write("assets/schema.txt", "users(id, email)\n"))
    assert answer == expected == f"schema: users(id, email)\n{banner}"
    assert compiled_crates(result.stdout) == ["server"]

    result, answer, expected = app.build(write("assets/banner.txt", "New banner\n"))
    assert answer == expected == "schema: users(id, email)\nbanner: New banner\n"

    result, _answer, _expected = app.build()
    assert compiled_crates(result.stdout) == []


def test_a_patch_crates_io_path_override(mirrored_platform: Platform) -> None:
    app = scenario(mirrored_platform, "patched-dependency", "patched-dependency")
    _result, answer, expected = app.build()
    assert answer == expected
    assert answer.startswith("bp-bump 0.1.5-patched checksum ")

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert answer == expected

    lib = APPS_DIR / "patched-dependency" / "patches" / "bp-bump" / "src" / "lib.rs"
    changed = lib.read_text().replace('"0.1.5-patched"', '"0.1.5-patched-again"')
    result, answer, expected = app.build(write("patches/bp-bump/src/lib.rs", changed))
    assert answer == expected
    assert answer.startswith("bp-bump 0.1.5-patched-again checksum ")
    assert compiled_crates(result.stdout) == ["bp-bump", "patched-dependency"]


@pytest.fixture(scope="module")
def vendored_app(module_tmp_path: Path, crates_registry) -> Path:
    """lib-and-bin with `cargo vendor` output and its .cargo/config.toml committed."""
    app = module_tmp_path / "vendored-app"
    shutil.copytree(APPS_DIR / "lib-and-bin", app)
    home = module_tmp_path / "vendor-home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "stand-in"\n\n'
        f'[source.stand-in]\nregistry = "{crates_registry.index_url}"\n'
    )
    subprocess.run(
        ["cargo", "vendor", "--locked", "--respect-source-config"],
        cwd=app,
        env={**os.environ, "CARGO_HOME": str(home)},
        check=True,
        capture_output=True,
    )
    (app / ".cargo").mkdir()
    (app / ".cargo" / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "vendored-sources"\n\n'
        '[source.vendored-sources]\ndirectory = "vendor"\n'
    )
    return app


def test_a_vendored_app_rebuilds_nothing_with_no_registry(
    mirrored_platform: Platform, vendored_app: Path
) -> None:
    """No BP_CARGO_REGISTRY_MIRROR and no internet: only the vendor/ folder serves."""
    app = scenario(mirrored_platform, vendored_app, "vs")
    first, answer, expected = app.build()
    assert answer == expected
    assert "serde_json" in compiled_crates(first.stdout)

    # A vendored crate's identity is its absolute path: only a fixed path keeps it.
    second, answer, expected = app.build()
    assert compiled_crates(second.stdout) == []
    assert answer == expected


GENERATED_FOLDER_BUILD_RS = """use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=greeting.txt");
    let greeting = fs::read_to_string("greeting.txt").expect("greeting.txt");
    fs::create_dir_all("src/generated").expect("src/generated");
    let code = format!("pub const GREETING: &str = {:?};\\n", greeting.trim());
    fs::write("src/generated/mod.rs", code).expect("src/generated/mod.rs");
}
"""


def test_a_build_script_generating_into_an_ignored_folder(mirrored_platform: Platform) -> None:
    """The generated module lives in a folder git ignores, which the walk skips."""
    app = scenario(mirrored_platform, "generated-source", "generated-source")
    app.edits += [
        write(".gitignore", "/src/generated/\n"),
        write("build.rs", GENERATED_FOLDER_BUILD_RS),
    ]
    for _ in range(3):
        result, answer, expected = app.build()
        assert answer == expected == "hello from a generated module\n"
    assert compiled_crates(result.stdout) == ["generated-source"]
    assert "./: src/generated/mod.rs is gone" in result.stdout


def test_a_proc_macro_reading_a_file_cargo_never_hears_of(mirrored_platform: Platform) -> None:
    """The app's own proc macro reads app/data/message.txt at expansion time, as
    sqlx::migrate! and include_dir! do: no dep-info names it. A proc macro not
    known to read nothing but its tokens makes the whole app compared, so a
    change to that file alone still rebuilds, as plain cargo on a fresh checkout."""
    app = scenario(mirrored_platform, "untracked-macro-input", "macro-reader")
    _result, answer, expected = app.build()
    assert answer == expected == "message: first message\n"

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert "Source files unchanged since the last build: 7" in result.stdout  # the whole app
    assert "Only the files cargo reads" not in result.stdout

    result, answer, expected = app.build(write("app/data/message.txt", "second message\n"))
    assert answer == expected == "message: second message\n"
    assert compiled_crates(result.stdout) == ["macro-reader"]
    assert "app/: app/data/message.txt changed" in result.stdout


def test_files_no_compilation_reads_are_never_looked_at(
    mirrored_platform: Platform, tmp_path: Path
) -> None:
    """An app beside 2 000 committed assets: after the first build only what cargo
    reads is compared. An asset's change compiles nothing, as with plain cargo on
    a fresh checkout (nothing compiled reads it); a change to a file the binary
    embeds (include_str!) compiles it again."""
    source = tmp_path / "with-assets"
    (source / "src").mkdir(parents=True)
    (source / "Cargo.toml").write_text(
        '[package]\nname = "with-assets"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (source / "Cargo.lock").write_text(
        'version = 4\n\n[[package]]\nname = "with-assets"\nversion = "0.1.0"\n'
    )
    (source / "src" / "main.rs").write_text(
        'fn main() {\n    print!("{}", include_str!("../embedded.txt"));\n}\n'
    )
    (source / "embedded.txt").write_text("embedded, first\n")
    for number in range(2000):
        folder = source / "assets" / f"set{number // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"image{number}.txt").write_text(f"asset {number}\n")
    app = scenario(mirrored_platform, source, "with-assets")
    first, answer, expected = app.build()
    assert answer == expected == "embedded, first\n"
    assert "changed or new: 2004" in first.stdout  # the first build sees every file

    result, answer, expected = app.build()
    assert compiled_crates(result.stdout) == []
    assert (
        "Source files unchanged since the last build: 2 (timestamps restored); changed or new: 0\n"
        "         Only the files cargo reads were compared: no other file changes its build\n"
    ) in result.stdout

    result, answer, expected = app.build(write("assets/set3/image300.txt", "changed\n"))
    assert compiled_crates(result.stdout) == []
    assert answer == expected

    result, answer, expected = app.build(write("embedded.txt", "embedded, second\n"))
    assert answer == expected == "embedded, second\n"
    assert compiled_crates(result.stdout) == ["with-assets"]
    assert "changed or new: 1" in result.stdout
