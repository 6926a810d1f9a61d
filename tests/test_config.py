"""Settings from the environment: production refuses what would make it unsafe."""

import pytest

from cite_vote.config import DEV_SECRET_KEY, ConfigError, from_environment

LONG_KEY = "k" * 32


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("CITE_VOTE_ENV", "production")
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
