"""Budgets and caps hold under concurrent requests against a real multi-worker server."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from cite_vote.votes.models import Ballot, Vote
from cite_vote.votes.services import ledger_differences
from tests.server import gunicorn_server, participant_tab

pytestmark = pytest.mark.server


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """gunicorn with 4 workers on the test database (SQLite in WAL mode, or PostgreSQL)."""
    with gunicorn_server(database_url, tmp_path) as server:
        yield server.url


def test_cannot_exceed_budget_or_cap_under_concurrent_requests(
    app, db, gunicorn, make_forum, make_participant, make_idea
):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(4)]
    people = [make_participant(forum, category="citoyen·ne") for _ in range(3)]
    cookie = app.config["PARTICIPANT_COOKIE_NAME"]

    def tab(person) -> requests.Session:
        """A browser tab of this person: its own Flask session and CSRF token, same identity."""
        session = participant_tab(gunicorn, cookie, person, f"/f/{forum.slug}/c/{challenge.id}")
        session.headers.update({"HX-Request": "true"})
        return session

    rng = random.Random(2018)
    jobs = []
    for person in people:
        tabs = [tab(person) for _ in range(4)]
        for n in range(30):  # 30 requests per person, 90 in all, all at once
            idea = rng.choice(ideas)
            jobs.append((tabs[n % 4], idea.id, rng.choice([1, 2, 3, 3, 4])))

    def fire(job):
        session, idea_id, target = job
        response = session.post(
            f"{gunicorn}/f/{forum.slug}/i/{idea_id}/dots",
            data={"dots": target, "back": "challenge"},
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(fire, jobs))

    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(409) > 0, "the test never pushed against the budget or the cap"

    db.session.expire_all()
    for person in people:
        spent = db.session.scalar(
            select(Ballot.dots_spent).where(Ballot.participant_id == person.id)
        )
        held = db.session.scalar(
            select(func.sum(Vote.dots)).where(Vote.participant_id == person.id)
        )
        assert 0 < spent <= forum.dot_budget
        assert held == spent
    assert db.session.scalar(select(func.max(Vote.dots))) <= forum.dot_cap
    assert db.session.scalar(select(func.min(Vote.dots))) >= 0
    assert ledger_differences([challenge.id]) == []
