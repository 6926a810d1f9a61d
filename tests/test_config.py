"""Settings from the environment: production refuses what would make it unsafe."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from cite_vote.config import DEV_SECRET_KEY, ConfigError, from_environment, secret_key_problem

# 32 characters that look random (a key of one repeated letter is refused since issue 19).
LONG_KEY = "Vq3xZ8pLr2Tn7Kd5Wm1Hs9Yb4Fg6Jc0E"


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("CITE_VOTE_ENV", "production")
    monkeypatch.setenv(
        "CITE_VOTE_DATABASE_URL", "postgresql+psycopg://cite_vote@127.0.0.1/cite_vote"
    )
    return monkeypatch


@pytest.mark.parametrize("key", ["x", "short-but-not-empty", "k" * 31, DEV_SECRET_KEY])
def test_production_refuses_a_short_secret_key(production, tmp_path, key):
    production.setenv("CITE_VOTE_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        from_environment(str(tmp_path))


def test_production_refuses_a_key_of_spaces(production, tmp_path):
    production.setenv("CITE_VOTE_SECRET_KEY", " " * 40)
    with pytest.raises(ConfigError):
        from_environment(str(tmp_path))


def test_production_accepts_a_long_secret_key(production, tmp_path):
    production.setenv("CITE_VOTE_SECRET_KEY", LONG_KEY)
    assert from_environment(str(tmp_path))["SECRET_KEY"] == LONG_KEY


def test_production_refuses_the_development_default(production, tmp_path):
    production.delenv("CITE_VOTE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        from_environment(str(tmp_path))


def test_development_runs_with_a_short_key(monkeypatch, tmp_path):
    monkeypatch.delenv("CITE_VOTE_ENV", raising=False)
    monkeypatch.setenv("CITE_VOTE_SECRET_KEY", "x")
    assert from_environment(str(tmp_path))["SECRET_KEY"] == "x"


# --- issue 19: a secret that is not one --------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("change-me-to-a-long-random-value", "written in the documentation"),
        ("a" * 48, "repeats the same few characters"),
        ("0123456789abcdef" * 3, "repeats the same few characters"),
        ("aaaabbbbccccddddaaaabbbbccccdddd-eeee", "not random enough"),
    ],
)
def test_production_refuses_a_key_that_is_no_secret(production, tmp_path, key, says):
    """The settings template's placeholder (exactly 32 characters) forged an organiser's
    session; 48 times the letter a was accepted too."""
    production.setenv("CITE_VOTE_SECRET_KEY", key)
    with pytest.raises(ConfigError, match=says) as refused:
        from_environment(str(tmp_path))
    assert "secrets.token_urlsafe(48)" in str(refused.value)  # it says how to make one


def test_every_secret_key_written_in_the_docs_is_refused():
    """A value the docs show (an example, a placeholder) is known to everyone who reads them."""
    found = set()
    for path in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("docs/deploy/*")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"CITE_VOTE_SECRET_KEY=([^\s\"'`$|]+)", text))
    assert found, "the docs show no CITE_VOTE_SECRET_KEY line any more: update this test"
    for value in found:
        assert secret_key_problem(value), value


def test_random_keys_of_the_documented_recipe_pass():
    # Drawn by `secrets.token_hex(16)` in a CI run, and refused by the first floors (95 bits).
    assert secret_key_problem("de26f4c7a6554cff4fcc462cc46624ff") is None
    for _ in range(200):
        assert secret_key_problem(secrets.token_urlsafe(48)) is None
        assert secret_key_problem(secrets.token_urlsafe(24)) is None
        assert secret_key_problem(secrets.token_hex(16)) is None


# --- issue 19: limits that cannot be counted ---------------------------------------------------


def run_as_someone_else(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """As the service's user in the deploy guide, for whom the checkout is read-only. Root (CI,
    our machines) writes anywhere, so it runs without the capabilities that override file
    permissions; anyone else is not root and meets the read-only folder as it is."""
    if os.geteuid() == 0:
        args = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *args]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)


def test_a_server_that_cannot_store_its_limit_counters_refuses_to_start(tmp_path):
    """Following the guide left instance/ owned by root and the unit running as another user:
    every limit was silently off (14 wrong logins, 14 × 422 and no 429)."""
    readonly = tmp_path / "instance"
    readonly.mkdir()
    tmp_path.chmod(0o755)
    readonly.chmod(0o555)
    env = {
        **os.environ,
        "CITE_VOTE_ENV": "production",
        "CITE_VOTE_SECRET_KEY": secrets.token_urlsafe(48),
        "CITE_VOTE_DATABASE_URL": "sqlite:////nonexistent/cite_vote.sqlite3",
        "CITE_VOTE_RATELIMIT_STORAGE_URI": f"sqlite:///{readonly}/ratelimits.sqlite3",
    }
    start = [sys.executable, "-c", "from cite_vote import create_app; create_app()"]
    done = run_as_someone_else(start, env)
    assert done.returncode != 0
    assert "The rate-limit counters cannot be stored at" in done.stderr, done.stderr[-2000:]
    assert str(readonly) in done.stderr
    # Where the service's user may write, it starts.
    readonly.chmod(0o777)
    assert (
        run_as_someone_else(
            [sys.executable, "-c", "from cite_vote import create_app; create_app()"], env
        ).returncode
        == 0
    )


# --- issue 19: a command that never read the service's settings ---------------------------------


def test_production_without_a_database_url_refuses_rather_than_make_sqlite(production, tmp_path):
    """The guide's upgrade, in a fresh shell, created and migrated instance/cite_vote.sqlite3
    and exited 0; production now never falls back to a new SQLite file."""
    production.setenv("CITE_VOTE_SECRET_KEY", LONG_KEY)
    production.delenv("CITE_VOTE_DATABASE_URL")
    with pytest.raises(ConfigError, match="CITE_VOTE_DATABASE_URL is not set") as refused:
        from_environment(str(tmp_path))
    assert "cite-vote --env-file /etc/cite-vote/env" in str(refused.value)  # what to run
    assert not (tmp_path / "cite_vote.sqlite3").exists()


def test_development_keeps_its_sqlite_file_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("CITE_VOTE_ENV", raising=False)
    monkeypatch.delenv("CITE_VOTE_DATABASE_URL", raising=False)
    url = from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"]
    assert url == f"sqlite:///{tmp_path / 'cite_vote.sqlite3'}"
