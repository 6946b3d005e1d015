"""What stays in the slug: include/exclude globs, always-kept paths, symlink safety."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

import pytest

from classic_bp.config import slug_patterns
from classic_bp.errors import BuildError, Reason
from classic_bp.platform.output import format_size
from classic_bp.slug import clean as slug

DEFAULT_INCLUDE = slug_patterns.parse_patterns(
    slug_patterns.INCLUDE_VARIABLE, None, slug_patterns.DEFAULT_INCLUDE
)
ALWAYS = {
    "bin/web": "ELF",
    ".profile.d/rust.sh": "export PATH",
    ".rust-buildpack/release.json": "{}",
    "Procfile": "web: /app/bin/web",
}


def make_tree(root: Path, files: dict[str, str] | list[str]) -> Path:
    """Files from relative paths; a path ending in / is an empty directory."""
    contents = files if isinstance(files, dict) else dict.fromkeys(files, "x")
    for rel, text in contents.items():
        path = root / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return root


def remaining(root: Path) -> set[str]:
    """Every file, symlink and empty directory left below root (directories end in /)."""
    found = set()
    for directory, dirs, files in os.walk(root):
        base = Path(directory).relative_to(root)
        for name in files + [d for d in dirs if (Path(directory) / d).is_symlink()]:
            found.add((base / name).as_posix())
        if not dirs and not files and Path(directory) != root:
            found.add(base.as_posix() + "/")
    return found


def clean(root: Path, include: str | None = None, exclude: str | None = None) -> slug.SlugReport:
    return slug.clean_slug(
        root,
        slug_patterns.parse_patterns(
            slug_patterns.INCLUDE_VARIABLE, include, slug_patterns.DEFAULT_INCLUDE
        ),
        slug_patterns.parse_patterns(
            slug_patterns.EXCLUDE_VARIABLE, exclude, slug_patterns.DEFAULT_EXCLUDE
        ),
    )


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "build", ALWAYS)


def test_defaults_keep_assets_and_drop_the_sources(app: Path) -> None:
    make_tree(
        app,
        [
            "src/main.rs",
            "src/bin/worker.rs",
            "Cargo.toml",
            "Cargo.lock",
            "README.md",
            ".git/HEAD",
            "static/css/site.css",
            "static/logo.png",
            "templates/index.html",
            "public/robots.txt",
            "html/about.html",
            "statics/notes.txt",
            "index.html",
        ],
    )
    report = clean(app)
    assert remaining(app) == set(ALWAYS) | {
        "static/css/site.css",
        "static/logo.png",
        "templates/index.html",
        "public/robots.txt",
        "html/about.html",
    }
    assert report.kept == ("html/", "public/", "static/", "templates/")
    # Root files one by one; src/, .git/ and statics/ taken out whole.
    assert (report.removed_count, report.removed_folders) == (4, 3)
    assert report.unsafe_links == ()


def test_always_kept_paths_survive_any_patterns(app: Path) -> None:
    make_tree(app, ["bin/other", ".profile.d/extra.sh", "static/a.css"])
    (app / "bin" / "empty-dir").mkdir()
    report = clean(app, include="bin/*:Procfile", exclude="**")
    assert remaining(app) == set(ALWAYS) | {"bin/other", ".profile.d/extra.sh", "bin/empty-dir/"}
    assert report.kept == ()


def test_an_empty_bin_directory_is_kept(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    make_tree(tmp_path, ["src/main.rs"])
    clean(tmp_path)
    assert remaining(tmp_path) == {"bin/"}


def test_double_star_matches_zero_or_more_whole_segments(app: Path) -> None:
    make_tree(
        app,
        [
            "index.html",
            "src/pages/a.html",
            "src/main.rs",
            "docs/guide/deep/b.html",
            "docs/guide/deep/b.md",
            "assets/x/y/z.txt",
            "assets.txt",
        ],
    )
    report = clean(app, include="**/*.html:assets/**")
    assert remaining(app) == set(ALWAYS) | {
        "index.html",
        "src/pages/a.html",
        "docs/guide/deep/b.html",
        "assets/x/y/z.txt",
    }
    assert report.kept == ("assets/", "docs/", "index.html", "src/")


def test_wildcards_stay_within_one_segment(app: Path) -> None:
    make_tree(app, ["a/b/c.txt", "a/c.txt", "ab.txt", "a1.txt", "a22.txt", "x**y/z", "xay/z"])
    clean(app, include="a/*.txt:a?.txt:a[0-9][0-9].txt:x**y")
    # `a/*.txt` does not reach into a/b/; `x**y` acts as `x*y`, within a segment
    assert remaining(app) == set(ALWAYS) | {
        "a/c.txt",
        "ab.txt",
        "a1.txt",
        "a22.txt",
        "x**y/z",
        "xay/z",
    }


def test_patterns_are_anchored_at_the_root_and_case_sensitive(app: Path) -> None:
    make_tree(app, ["page.html", "sub/page.html", "Static/a.css"])
    clean(app, include="*.html:static/*")
    assert remaining(app) == set(ALWAYS) | {"page.html"}


def test_exclude_is_applied_after_include(app: Path) -> None:
    make_tree(
        app,
        [
            "static/app.js",
            "static/app.js.map",
            "static/js/vendor/lib.js",
            "static/js/vendor/lib.js.map",
            "static/maps/only.map",
            "static/empty/",
        ],
    )
    report = clean(app, include="static/*", exclude="static/**/*.map")
    # static/maps/ was emptied by the exclusion and goes; static/empty/ was kept empty
    assert remaining(app) == set(ALWAYS) | {
        "static/app.js",
        "static/js/vendor/lib.js",
        "static/empty/",
    }
    assert report.kept == ("static/",)
    assert report.removed_count == 3


def test_an_excluded_directory_goes_whole(app: Path) -> None:
    make_tree(app, ["static/uploads/a.png", "static/uploads/keep/b.png", "static/site.css"])
    clean(app, include="static/*:static/uploads/keep/*", exclude="static/uploads")
    assert remaining(app) == set(ALWAYS) | {"static/site.css"}


def test_nothing_included_when_everything_is_excluded(app: Path) -> None:
    make_tree(app, ["static/a.css", "src/main.rs"])
    report = clean(app, exclude="**")
    assert remaining(app) == set(ALWAYS)
    assert report.kept == ()


def test_dotfiles_are_ordinary_names(app: Path) -> None:
    make_tree(
        app,
        [
            "static/.well-known/assetlinks.json",
            "static/.htaccess",
            "static/site.css",
            ".env",
            ".cargo/config.toml",
        ],
    )
    clean(app)
    assert remaining(app) == set(ALWAYS) | {
        "static/.well-known/assetlinks.json",
        "static/.htaccess",
        "static/site.css",
    }
    clean(app, exclude="**/.*")
    assert remaining(app) == set(ALWAYS) | {"static/site.css"}


def test_a_star_at_the_root_matches_dotfiles_too(app: Path) -> None:
    make_tree(app, [".env", "config.yml"])
    clean(app, include="*")
    assert {".env", "config.yml"} <= remaining(app)


def test_emptied_directories_are_removed(app: Path) -> None:
    make_tree(app, ["src/a/b/c/d.rs", "target/release/deps/x.rlib", "static/css/a.css"])
    (app / "src" / "empty").mkdir()
    clean(app)
    assert not (app / "src").exists()
    assert not (app / "target").exists()
    assert remaining(app) == set(ALWAYS) | {"static/css/a.css"}


def test_parse_patterns_reads_colon_separated_globs() -> None:
    parse = slug_patterns.parse_patterns
    assert parse("X", None, "static/*:public/*") == ("static/*", "public/*")
    assert parse("X", "  ", "static/*") == ("static/*",)
    assert parse("X", "a::b: c :", "d") == ("a", "b", "c")
    assert parse("X", "./static//*/:static/*", "d") == ("static/*",)
    assert parse("X", ":", "static/*") == ()
    assert parse("X", "", "") == ()
    assert DEFAULT_INCLUDE == ("static/*", "templates/*", "public/*", "html/*")


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("/etc/*", "is an absolute path"),
        ("../secrets/*", "has a `..` segment"),
        ("static/../../x", "has a `..` segment"),
        ("./", "names the app's root directory itself"),
    ],
)
def test_patterns_reaching_outside_the_app_are_refused(pattern: str, problem: str) -> None:
    with pytest.raises(BuildError) as raised:
        slug_patterns.parse_patterns("BP_EXCLUDE_FILES", f"static/*:{pattern}", "")
    assert raised.value.reason is Reason.INVALID_SETTING
    message = str(raised.value)
    assert "BP_EXCLUDE_FILES" in message
    assert repr(pattern) in message
    assert problem in message


def test_clean_slug_checks_patterns_itself(app: Path) -> None:
    with pytest.raises(BuildError, match="BP_INCLUDE_FILES"):
        slug.clean_slug(app, ["/etc"], [])
    with pytest.raises(BuildError, match="BP_EXCLUDE_FILES"):
        slug.clean_slug(app, [], ["static/.."])
    assert remaining(app) == set(ALWAYS)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "outside", ["secret.txt", "assets/a.css", "assets/deep/b.css"])


def test_a_kept_symlink_leaving_the_app_is_removed_and_its_target_untouched(
    app: Path, outside: Path
) -> None:
    make_tree(app, ["static/site.css", "assets/logo.png"])
    (app / "static" / "leak.txt").symlink_to(outside / "secret.txt")
    (app / "static" / "relative-leak").symlink_to("../../outside/assets")
    (app / "static" / "logo.png").symlink_to("../assets/logo.png")
    (app / "static" / "dangling").symlink_to("/nonexistent/file")
    (app / "static" / "chain").symlink_to("leak.txt")
    report = clean(app, include="static/*:assets/*")
    assert report.unsafe_links == (
        "static/chain",
        "static/dangling",
        "static/leak.txt",
        "static/relative-leak",
    )
    assert remaining(app) == set(ALWAYS) | {"static/site.css", "static/logo.png", "assets/logo.png"}
    assert (app / "static" / "logo.png").read_text() == "x"
    assert remaining(outside) == {"secret.txt", "assets/a.css", "assets/deep/b.css"}


def test_symlinked_directories_are_never_descended(app: Path, outside: Path) -> None:
    make_tree(app, ["static/site.css"])
    (app / "static" / "ext").symlink_to(outside / "assets", target_is_directory=True)
    (app / "vendor").symlink_to(outside / "assets", target_is_directory=True)
    # An exclusion and an include that would reach into the linked directory
    report = clean(app, include="static/*:vendor/**/*.css", exclude="static/ext/*.css")
    assert report.unsafe_links == ("static/ext",)
    assert remaining(app) == set(ALWAYS) | {"static/site.css"}
    assert remaining(outside) == {"secret.txt", "assets/a.css", "assets/deep/b.css"}


def test_a_bin_symlink_pointing_elsewhere_deletes_nothing_outside(
    tmp_path: Path, outside: Path
) -> None:
    app = make_tree(tmp_path / "build", ["src/main.rs", "Procfile"])
    (app / "bin").symlink_to(outside / "assets", target_is_directory=True)
    (app / ".profile.d").symlink_to(outside, target_is_directory=True)
    report = clean(app, exclude="**")
    assert report.unsafe_links == (".profile.d", "bin")
    assert remaining(app) == {"Procfile"}
    assert remaining(outside) == {"secret.txt", "assets/a.css", "assets/deep/b.css"}


def test_a_symlink_inside_the_app_is_kept_as_a_link(app: Path) -> None:
    make_tree(app, ["static/css/site.css"])
    (app / "static" / "styles").symlink_to("css", target_is_directory=True)
    (app / "bin" / "alias").symlink_to("web")
    report = clean(app)
    assert (app / "static" / "styles").is_symlink()
    assert (app / "bin" / "alias").is_symlink()
    assert report.unsafe_links == ()
    assert report.size_bytes == sum(len(text) for text in ALWAYS.values()) + 1


def _regular_file_bytes(root: Path) -> int:
    """What `du -b` would count for files alone: regular files, hard links once."""
    seen, total = set(), 0
    for directory, _dirs, files in os.walk(root):
        for name in files:
            info = os.lstat(os.path.join(directory, name))
            if stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total


def test_the_size_is_the_sum_of_the_regular_files_left(app: Path) -> None:
    make_tree(
        app,
        {
            "static/big.bin": "x" * 100_000,
            "static/css/site.css": "body{}",
            "templates/index.html": "<html></html>",
            "src/main.rs": "fn main() {}" * 1000,
        },
    )
    os.link(app / "static" / "big.bin", app / "static" / "same.bin")
    (app / "static" / "link").symlink_to("big.bin")
    report = clean(app)
    assert report.size_bytes == _regular_file_bytes(app)
    assert report.size_bytes == 100_000 + 6 + 13 + sum(len(text) for text in ALWAYS.values())


def large_tree(app: Path) -> None:
    for package in range(50):
        make_tree(app, [f"target/release/build/p{package}/out/f{n}.o" for n in range(40)])


def test_a_large_tree_is_taken_out_whole_and_deleted_after(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rename into a private folder of the builder's temp dir, then `rm -rf`."""
    temp = app.parent / "builder-tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    large_tree(app)
    report = clean(app)
    assert not (app / "target").exists()
    assert (report.removed_count, report.removed_folders) == (0, 1)
    deadline = time.monotonic() + 30
    while list(temp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(temp.iterdir()) == []


def test_a_temp_dir_on_another_file_system_means_deleting_in_place(
    app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == app.stat().st_dev:
        pytest.fail("this test needs /dev/shm on its own file system (a tmpfs)")
    monkeypatch.setattr(tempfile, "tempdir", str(shm))
    large_tree(app)
    report = clean(app)
    assert not (app / "target").exists()
    assert (report.removed_count, report.removed_folders) == (2000, 0)


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (4_404_019, "4.2 MiB"),
        (1024**2 - 1, "1.0 MiB"),
        (3 * 1024**3, "3.0 GiB"),
        (2048 * 1024**5, "2048.0 PiB"),
    ],
)
def test_format_size(size: int, shown: str) -> None:
    assert format_size(size) == shown
