"""The package's folders import one way, as each folder's docstring says.

A folder that imports one above it (or a loop between two) means none of them
can be read or tested alone. Every import counts, lazy ones inside functions
and TYPE_CHECKING ones included: they are the same dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from platform_runner import REPO_ROOT

PACKAGE = REPO_ROOT / "lib" / "classic_bp"
# Higher imports lower, never the reverse (lib/classic_bp/__init__.py draws it).
RANKS = {
    "commands": 7,
    "slug": 6,
    "cargo": 6,
    "rust": 5,
    "config": 4,
    "layer": 3,
    "toml_compat": 3,
    "fetch": 2,
    "platform": 1,
    "errors": 0,
    "cache": 0,
    "known_runs": 0,
    "records": 0,
    "app_files": 0,
    "toml_subset": 0,
    "digests": 0,
    "lazy_re": 0,
}
# Same-rank imports allowed among the bottom modules (app_files reports through errors).
BOTTOM = {name for name, rank in RANKS.items() if rank == 0}


def _unit(module: str) -> str:
    """``classic_bp.cargo.build`` -> ``cargo``; ``classic_bp`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, package_dir: Path = PACKAGE) -> set[str]:
    """Every classic_bp module ``path`` imports, as dotted names (and each name
    imported from a module, which may be a module itself)."""
    package = list(path.relative_to(package_dir.parent).parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            if target[0] != "classic_bp":
                continue
            found.add(".".join(target))
            found.update(".".join([*target, alias.name]) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("classic_bp"))
    return found


def _edges() -> set[tuple[str, str]]:
    edges = set()
    for path in PACKAGE.rglob("*.py"):
        source = _unit(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for target in _imports(path):
            unit = _unit(target)
            if unit in RANKS and source in RANKS and unit != source:
                edges.add((source, unit))
    return edges


def test_every_folder_and_top_module_has_a_rank() -> None:
    units = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    units |= {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert units == set(RANKS)


@pytest.mark.parametrize("source", sorted(RANKS))
def test_imports_point_down_only(source: str) -> None:
    upward = sorted(
        target
        for origin, target in _edges()
        if origin == source
        and RANKS[target] >= RANKS[source]
        and not (source in BOTTOM and target in BOTTOM)
    )
    assert upward == [], f"{source} imports {upward}, at or above its own rank"


def test_bottom_modules_form_no_loop() -> None:
    edges = {(a, b) for a, b in _edges() if a in BOTTOM and b in BOTTOM}
    assert not {(b, a) for a, b in edges} & edges


def test_each_folder_docstring_says_what_it_may_import() -> None:
    for folder in (path for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text())) or ""
        assert "May import:" in doc, f"{folder.name}/__init__.py does not say what it may import"
        said = doc.split("May import:", 1)[1].split(".", 1)[0]
        for origin, target in _edges():
            if origin == folder.name and folder.name != "commands":
                named = target in said or (target in BOTTOM and "bottom modules" in said)
                assert named, f"{origin} imports {target}, which its docstring does not allow"


def test_the_checker_sees_a_lazy_upward_import(tmp_path: Path) -> None:
    """The check can fail: an import inside a function is found like any other."""
    probe = tmp_path / "classic_bp" / "config" / "tools.py"
    probe.parent.mkdir(parents=True)
    code = (PACKAGE / "config" / "tools.py").read_text()
    probe.write_text(code + "\n\ndef _late():\n    from ..slug import runtime\n")
    found = _imports(probe, tmp_path / "classic_bp")
    assert "classic_bp.slug.runtime" in found
    assert "classic_bp.config.install_args" in found  # its own relative import
