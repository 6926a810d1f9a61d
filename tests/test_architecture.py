"""Where the code's rules live (issue 18, "One home per rule"), checked on the source itself.

The layers are import-linter's (``[tool.importlinter]`` in pyproject.toml, run by ``make lint``);
these checks hold what a contract on imports cannot say.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

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


def calls_to(path: Path, dotted: str) -> list[int]:
    """The lines of ``path`` where ``dotted`` (``module.function``) is called or passed on."""
    module, name = dotted.rsplit(".", 1)
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == name
            and isinstance(node.value, ast.Name)
            and node.value.id == module
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == module:
            lines += [node.lineno for alias in node.names if alias.name == name]
    return lines


# SHA-256 over something other than a token: each is its own rule, with its own home.
OTHER_SHA256 = {
    # The public seal: the recount script is published to voters and runs with Python's
    # standard library alone, so it imports nothing from cite_vote (tests/test_recount.py).
    "cite_vote/recount.py",
    # The staff ledger's hash chain (entry_hash): its format is documented and checked by
    # `flask verify`, and must not change if the way tokens are stored ever does.
    "cite_vote/votes/chain.py",
    # A participant's order of the ideas (position_key), which the bias report recomputes.
    "cite_vote/ideas/services.py",
    # Fingerprints of content: the cahier's pages, the static files' cache-busting versions.
    "cite_vote/results/cahier.py",
    "cite_vote/static_files.py",
    # The published log's fingerprint of each printed sheet's photo (votes/paper.sheet_photos).
    "cite_vote/votes/paper.py",
}


def test_tokens_are_hashed_in_one_place():
    """A token's stored form is ``tokens.hash_token``; no module hashes one by hand (the rate
    limits' key did, in extensions.py). SHA-256 is used elsewhere only for the other rules
    listed in OTHER_SHA256, each still using it (so the list cannot go stale)."""
    found = {
        str(path.relative_to(ROOT))
        for path in python_files(PACKAGE)
        if calls_to(path, "hashlib.sha256")
    }
    assert found - OTHER_SHA256 == {"cite_vote/tokens.py"}
    assert found >= OTHER_SHA256


def test_the_largest_id_is_written_once():
    """``forms.ID_MAX``: the address converter, the forms' id fields, the tickets' range and
    the poll before Flask all read it (it was written out in six places)."""
    found = {
        f"{path.relative_to(ROOT)}:{number}"
        for path in python_files(PACKAGE)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"2\s*\*\*\s*31", line)
    }
    assert len(found) == 1 and found.pop().startswith("cite_vote/forms.py:")


def test_a_phase_change_goes_through_votes_phases():
    """``votes.phases.change_phase`` calls the forums' rule, then seals the ledger of what it
    closes: the rule alone (``forums.services.move_phase``) and the seal alone
    (``votes.chain.close_ledger``) are called from nowhere else, tests and scripts included."""
    everywhere = python_files(PACKAGE, ROOT / "tests", ROOT / "bench")

    def callers(dotted: str) -> set[str]:
        return {str(path.relative_to(ROOT)) for path in everywhere if calls_to(path, dotted)}

    assert callers("cite_vote.forums.services.move_phase") == {"cite_vote/votes/phases.py"}
    assert callers("cite_vote.votes.chain.close_ledger") == {"cite_vote/votes/phases.py"}


def commits_in(source: str) -> list[tuple[str, int]]:
    """The ``….session.commit()`` calls of ``source``: the function each is in, and its line."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inside = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "commit"
                and ast.unparse(child.func.value).split(".")[-1] in ("session", "session()")
            ):
                found.append((function, child.lineno))
            visit(child, inside)

    visit(ast.parse(source), "<module>")
    return found


def test_only_the_views_idiom_the_cli_and_the_cahiers_build_commit():
    """Services change the session and flush; a view stores what it did through one idiom,
    ``htmx.refusable`` (``@htmx.commits`` runs a GET view in it). Beside it only the commands
    and the cahier's build (three commits: the claim, a failure, the PDF) commit. There were
    bare commits, try/except blocks and a commit in a GET helper (accounts/identity.py)."""
    found = {
        (str(path.relative_to(ROOT)), function)
        for path in python_files(PACKAGE)
        for function, _line in commits_in(path.read_text(encoding="utf-8"))
        if path.name != "cli.py" or path.parent != PACKAGE
    }
    assert found == {
        ("cite_vote/htmx.py", "refusable"),
        ("cite_vote/results/cahier.py", "build_cahier"),
    }


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n    db.session.commit()", [("f", 2)]),
        ("def f():\n    with x:\n        session.commit()", [("f", 3)]),
        ("db.session().commit()", [("<module>", 1)]),
        ("def f():\n    def g():\n        db.session.commit()", [("g", 3)]),
        ("def f():\n    repo.commit()\n    db.session.flush()", []),
    ],
)
def test_the_commit_check_sees_every_form(source, expected):
    assert commits_in(source) == expected
