"""Where the code's rules live (issue 18, "One home per rule"), checked on the source itself.

The layers are import-linter's (tests/architecture.toml, ``make lint-imports-target``); these
checks hold what a contract on imports cannot say.
"""

from __future__ import annotations

import ast
from pathlib import Path

from cite_vote.paths import ROOT

PACKAGE = ROOT / "cite_vote"


def python_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_from(path: Path, node: ast.ImportFrom) -> str:
    """The module a ``from … import`` reads, relative imports resolved."""
    if node.level == 0:
        return node.module or ""
    package = module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def is_submodule(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()


def root_imports(path: Path) -> list[str]:
    """What ``path`` takes from the package's root ``cite_vote/__init__.py`` (not a submodule)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [
                f"l.{node.lineno} import cite_vote" for a in node.names if a.name == "cite_vote"
            ]
        elif isinstance(node, ast.ImportFrom) and imported_from(path, node) == "cite_vote":
            found += [
                f"l.{node.lineno} {alias.name}"
                for alias in node.names
                if not is_submodule(alias.name)
            ]
    return found


def test_nothing_in_the_app_imports_the_package_root():
    """The root is the app factory, which imports every blueprint: a module that took a name
    from it (ROOT did, before cite_vote/paths.py) would depend on every page of the app."""
    found = {
        str(path.relative_to(ROOT)): names
        for path in python_files(PACKAGE)
        if (names := root_imports(path))
    }
    assert found == {}


def test_tests_and_scripts_take_only_the_app_factory_from_the_root():
    found = {
        str(path.relative_to(ROOT)): names
        for path in [*python_files(ROOT / "tests", ROOT / "bench"), ROOT / "wsgi.py"]
        if (names := [n for n in root_imports(path) if not n.endswith(" create_app")])
    }
    assert found == {}
