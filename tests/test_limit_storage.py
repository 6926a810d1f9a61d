"""Limits count as documented whatever the number of workers: one count per host (a SQLite
file every worker shares) or per cluster (Redis), never one per worker process."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from cite_vote.limit_storage import SQLiteFileStorage
from tests.helpers import make_test_app
from tests.server import ROOT

REDIS_URL = os.environ.get("CITE_VOTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def workers(database_url: str, storage: str, count: int = 3):
    """``count`` app instances, as gunicorn's worker processes would each build one."""
    return [
        make_test_app(
            database_url,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=storage,
            RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
            RATELIMIT_SWALLOW_ERRORS=False,
        )
        for _ in range(count)
    ]


def propose_on_each_worker(apps, forum, person, attempts: int) -> list[int]:
    clients = [app.test_client() for app in apps]
    for client in clients:
        client.set_cookie(
            apps[0].config["PARTICIPANT_COOKIE_NAME"], person.token, domain="cite.test"
        )
    url = f"/f/{forum.slug}/c/{forum.challenges[0].id}/ideas"
    return [
        clients[n % len(clients)].post(url, data={"title": f"Idée {n}"}).status_code
        for n in range(attempts)
    ]


def test_three_workers_share_one_count_in_the_hosts_file(
    app, database_url, tmp_path, make_forum, make_participant
):
    forum = make_forum(phase="proposing")
    person = make_participant(forum)
    apps = workers(database_url, f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    statuses = propose_on_each_worker(apps, forum, person, 12)
    # The documented 10 a minute per person, not 30 (10 per worker).
    assert statuses[:10] == [303] * 10 and statuses[10:] == [429, 429]


def redis_or_fail() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is needed at {REDIS_URL}: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_workers_on_several_hosts_share_one_count_in_redis(
    app, database_url, make_forum, make_participant
):
    redis_or_fail()
    forum = make_forum(phase="proposing")
    person = make_participant(forum)
    apps = workers(database_url, REDIS_URL)
    prefix = apps[0].config["RATELIMIT_KEY_PREFIX"]
    for other in apps[1:]:
        other.config["RATELIMIT_KEY_PREFIX"] = prefix
    statuses = propose_on_each_worker(apps, forum, person, 11)
    assert statuses[:10] == [303] * 10 and statuses[10] == 429


def test_a_window_starts_again_once_it_has_expired(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("cite_vote.limit_storage.time.time", lambda: now[0])
    storage = SQLiteFileStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") == 1060.0
    now[0] = 1061.0
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1 and storage.get_expiry("k") == 1121.0
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_the_default_storage_is_the_hosts_file_not_one_count_per_worker(tmp_path, monkeypatch):
    from cite_vote.config import from_environment

    monkeypatch.delenv("CITE_VOTE_RATELIMIT_STORAGE_URI", raising=False)
    uri = from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"]
    assert uri == f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}"


# --- issue 19: Redis is for several hosts only --------------------------------------------------

WITHOUT_REDIS = """
import sys
sys.modules["redis"] = None  # as on a server installed without the redis extra
from cite_vote import create_app
app = create_app()
print("started", app.config["RATELIMIT_STORAGE_URI"])
"""


def start_without_the_redis_client(tmp_path, storage: str):
    import secrets
    import subprocess
    import sys

    env = {
        **os.environ,
        "CITE_VOTE_ENV": "production",
        "CITE_VOTE_SECRET_KEY": secrets.token_urlsafe(48),
        "CITE_VOTE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CITE_VOTE_RATELIMIT_STORAGE_URI": storage,
    }
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_REDIS], env=env, capture_output=True, text=True, timeout=120
    )


def test_one_host_runs_without_the_redis_client(tmp_path):
    """redis was a required dependency though only several hosts use it."""
    done = start_without_the_redis_client(tmp_path, f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "started sqlite:///" in done.stdout


def test_redis_counters_without_the_client_refuse_to_start_and_say_how(tmp_path):
    done = start_without_the_redis_client(tmp_path, "redis://127.0.0.1:6379/0")
    assert done.returncode != 0
    assert "its Python client is not installed" in done.stderr, done.stderr[-2000:]
    assert "make production EXTRAS=redis" in done.stderr


def test_redis_is_an_extra_not_a_requirement():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("redis") for d in project["dependencies"])
    assert any(d.startswith("redis") for d in project["optional-dependencies"]["redis"])
