"""Installs that are the tested ones (issue 19): a lock file, production without test tools,
tested ranges for what shapes the output, and a guide that a Debian root can follow."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.server import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
MAKEFILE = (ROOT / "Makefile").read_text()


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def requirements() -> list[Requirement]:
    extras = PROJECT["optional-dependencies"].values()
    return [Requirement(r) for r in [*PROJECT["dependencies"], *(r for e in extras for r in e)]]


def recipe(target: str) -> str:
    return MAKEFILE.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]


def test_every_dependency_is_pinned_in_the_lock_within_its_range():
    """Every dependency was `>=` with no upper bound, and nothing pinned what was installed."""
    pins = locked()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: make lock"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])


def test_what_shapes_the_output_has_a_tested_range_and_runs_at_the_locked_version():
    pins = locked()
    for name in ("gunicorn", "weasyprint"):
        (requirement,) = [r for r in requirements() if canonicalize_name(r.name) == name]
        assert any(s.operator == "<" for s in requirement.specifier), f"{name}: no upper bound"
        assert version(name) == pins[name], f"{name} {version(name)} is not the locked one"


def test_both_installs_use_the_lock_and_production_has_no_test_tools():
    developer = recipe("$(VENV)/.installed")
    production = recipe("production")
    assert "-c requirements.lock" in developer and "-c requirements.lock" in production
    assert "[test" not in production and "bench" not in production
    assert "requirements.lock" in MAKEFILE.split("$(VENV)/.installed:", 1)[1].split("\n")[0]


def test_the_server_guide_uses_the_production_install_and_no_sudo():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    server = guide[guide.index("## A server with HTTPS") : guide.index("## Limits, as documented")]
    assert "make production" in server and "make setup\n" not in server
    blocks = re.findall(r"```sh\n(.*?)```", server, re.S)
    assert blocks and not [b for b in blocks if re.search(r"\bsudo\b", b)], (
        "Debian has no sudo unless one installs it: the guide's commands are root's"
    )
    assert "pg_hba.conf" in server  # how PostgreSQL lets the app in
