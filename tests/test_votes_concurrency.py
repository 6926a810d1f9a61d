"""Budgets and caps hold under concurrent requests against a real multi-worker server."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from cite_vote.votes.models import Ballot, Vote
from cite_vote.votes.services import ledger_differences

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """gunicorn with 4 workers on the test database (SQLite in WAL mode, or PostgreSQL)."""
    port = free_port()
    env = {
        **os.environ,
        "CITE_VOTE_DATABASE_URL": database_url,
        "CITE_VOTE_SECRET_KEY": "concurrency-test-secret",
        "CITE_VOTE_RATELIMIT_ENABLED": "false",
    }
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")  # noqa: SIM115 (open for the server's whole life)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/healthz", timeout=5)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            if process.poll() is not None:
                pytest.fail(log_path.read_text())
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start")
    yield url
    process.terminate()
    process.wait(timeout=15)
    log.close()


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
        session = requests.Session()
        session.cookies.set(cookie, person.token)
        page = session.get(f"{gunicorn}/f/{forum.slug}/c/{challenge.id}", timeout=10)
        assert page.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        session.headers.update({"X-CSRFToken": token, "HX-Request": "true"})
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
