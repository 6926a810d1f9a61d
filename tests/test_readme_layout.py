"""The README's layout section is the map a newcomer reads first: it names every module of the
package, and every module it names exists (it omitted ten before issue 18)."""

from __future__ import annotations

import re

from cite_vote.paths import ROOT

PACKAGE = ROOT / "cite_vote"
TOP = "      "  # the indent of an entry directly under cite_vote/


def layout() -> list[str]:
    """The lines of the README's layout block, from ``cite_vote/`` to ``templates/``."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("    cite_vote/")
    end = next(n for n in range(start, len(lines)) if lines[n].startswith("    templates/"))
    return lines[start + 1 : end]


def entries() -> dict[str, str]:
    """Each entry of the block (``limits.py``, ``forums/``…) with its text, continuation lines
    included and what is between parentheses left out (a description, not a name)."""
    found: dict[str, str] = {}
    current = None
    for line in layout():
        if line.startswith(TOP) and not line.startswith(TOP + " "):
            names = re.findall(r"\b[\w]+(?:\.py|/)", line)
            current = names[0] if names else None
            for name in names:  # "config.py  extensions.py  models.py" share a line
                if name.endswith(".py") and line.find(name) < (line.find("(") % 10**6):
                    found.setdefault(name, "")
        if current is not None:
            found[current] = found.get(current, "") + " " + line
    return {name: without_parentheses(text) for name, text in found.items()}


def without_parentheses(text: str) -> str:
    while True:
        shorter = re.sub(r"\([^()]*\)", " ", text)
        if shorter == text:
            return text
        text = shorter


def modules_of(package) -> set[str]:
    found = {p.stem for p in package.glob("*.py") if p.name != "__init__.py"}
    found |= {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    return found


def test_every_top_level_module_and_package_is_in_the_layout():
    listed = set(entries())
    present = {p.name for p in PACKAGE.glob("*.py")} | {
        f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    }
    assert sorted(present - listed) == []
    assert sorted(listed - present) == []


def test_every_module_of_each_package_is_named_in_its_entry():
    missing = {}
    for name, text in entries().items():
        if not name.endswith("/"):
            continue
        package = PACKAGE / name.rstrip("/")
        words = set(re.findall(r"\b\w+\b", text))
        absent = sorted(m for m in modules_of(package) if m not in words)
        for sub in (p for p in package.iterdir() if (p / "__init__.py").exists()):
            absent += sorted(f"{sub.name}/{m}" for m in modules_of(sub) if m not in words)
        if absent:
            missing[name] = absent
    assert missing == {}
