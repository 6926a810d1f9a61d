"""The tests' own rules.

Fixtures live in conftest.py files, helpers in helpers.py modules: pytest imports a conftest.py
itself, and a test that imports it as a module as well can get a second copy of it (and of its
module state). So no file under tests/ imports any conftest.

A browser test waits on what it waits for (``expect``, ``expect_response``,
``wait_for_function``), never for a fixed time: too short on a loaded machine, too long on
every other run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def conftest_imports(source: str) -> list[int]:
    """The lines of ``source`` that import a conftest module, in any form."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any("conftest" in name.split(".") for name in names):
            lines.append(node.lineno)
    return lines


def test_no_file_under_tests_imports_a_conftest():
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in conftest_imports(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "import from tests.helpers or tests.browser.helpers: " + ", ".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "from tests.conftest import make_test_app",
        "from tests.browser.conftest import PHONE",
        "import tests.conftest",
        "from tests import conftest",
        "from conftest import count",
        "def f():\n    from tests.conftest import count",
    ],
)
def test_the_check_sees_every_form_of_import(line):
    assert conftest_imports(line) != []


def test_the_check_lets_helpers_through():
    assert conftest_imports("from tests.helpers import count\nimport tests.browser.helpers") == []


FIXED_WAITS = {"wait_for_timeout", "sleep"}


def fixed_waits(source: str) -> list[int]:
    """The lines of ``source`` that call ``wait_for_timeout`` or ``sleep``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr in FIXED_WAITS)
            or (isinstance(node.func, ast.Name) and node.func.id in FIXED_WAITS)
        )
    ]


def test_no_browser_test_waits_a_fixed_time():
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}"
        for path in sorted((TESTS / "browser").rglob("*.py"))
        for line in fixed_waits(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "wait on the condition instead: " + ", ".join(found)


@pytest.mark.parametrize(
    "line",
    ["page.wait_for_timeout(300)", "time.sleep(0.5)", "sleep(1)", "self.page.wait_for_timeout(1)"],
)
def test_the_check_sees_every_fixed_wait(line):
    assert fixed_waits(line) == [1]
