"""Faults: the database busy or away answers 503 with Retry-After, never a 500 or a hang.

A vote that cannot be saved says so before the phone gives up (htmx waits 15 s), nothing is
stored half-way, and pages that only read stay readable while another writer holds SQLite's
lock (WAL lets readers through).
"""

from __future__ import annotations

import socket
import sqlite3
import time

import pytest
from sqlalchemy import func, select

from cite_vote.votes.models import LedgerEntry, Vote
from tests.helpers import make_test_app

BUSY = {"DATABASE_BUSY_TIMEOUT": 0.5}


@pytest.fixture
def voting(make_forum, make_participant, make_idea):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    return forum, challenge, make_idea(challenge), make_participant(forum)


@pytest.fixture
def writer_lock(database_url):
    """Another connection holding SQLite's write lock (a backup, a script, a long change)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    outside = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    outside.execute("BEGIN IMMEDIATE")
    yield outside
    outside.execute("ROLLBACK")
    outside.close()


@pytest.mark.parametrize("app_config", [BUSY])
def test_a_vote_behind_another_writers_lock_answers_503_before_the_phone_gives_up(
    app, db, htmx_client, as_participant, voting, writer_lock
):
    forum, _challenge, idea, person = voting
    as_participant(htmx_client, person)
    started = time.monotonic()
    response = htmx_client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": 1})
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.headers["HX-Retarget"] == "#messages"
    assert "n’a pas été enregistrée" in response.text
    assert waited < 10  # htmx gives up at 15 s: the phone must hear it first
    writer_lock.execute("ROLLBACK")
    writer_lock.execute("BEGIN")  # released for the checks below; the fixture rolls back
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


@pytest.mark.parametrize("app_config", [BUSY])
def test_pages_stay_readable_while_another_writer_holds_the_lock(
    client, as_participant, voting, writer_lock
):
    forum, challenge, _idea, person = voting
    as_participant(client, person)
    for page in (f"/f/{forum.slug}", f"/f/{forum.slug}/c/{challenge.id}", "/healthz"):
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("app_config", [BUSY])
def test_a_vote_without_htmx_behind_the_lock_gets_the_busy_page(
    client, as_participant, voting, writer_lock
):
    forum, _challenge, idea, person = voting
    as_participant(client, person)
    response = client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": 1})
    assert response.status_code == 503
    assert "<html" in response.text and "Retry-After" in response.headers


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers, like a PostgreSQL server hung."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


@pytest.mark.parametrize("port", ["refused", "silent"])
def test_a_postgresql_server_away_answers_503_without_hanging_the_worker(port, silent_server):
    if port == "refused":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            number = probe.getsockname()[1]  # closed again: nothing listens there
    else:
        number = silent_server
    app = make_test_app(
        f"postgresql+psycopg://postgres@127.0.0.1:{number}/away",
        DATABASE_CONNECT_TIMEOUT=1,
    )
    client = app.test_client()
    started = time.monotonic()
    for page in ("/healthz", "/f/cite-2018"):
        response = client.get(page)
        assert response.status_code == 503, page
        assert response.headers["Retry-After"].isdigit()
    assert time.monotonic() - started < 8
    with app.app_context():
        from cite_vote.extensions import db

        db.engine.dispose()


def test_engine_options_bound_every_wait(app):
    sqlite_options = make_test_app("sqlite://").config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert sqlite_options["connect_args"]["timeout"] <= 10
    pg = make_test_app("postgresql+psycopg://postgres@127.0.0.1:5432/x")
    options = pg.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert 0 < options["connect_args"]["connect_timeout"] <= 10
    assert "lock_timeout=" in options["connect_args"]["options"]
