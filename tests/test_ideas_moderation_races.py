"""Moderation racing live votes, against a real multi-worker server, on SQLite and PostgreSQL.

A facilitator hides or merges an idea while forty people set their dots on it: afterwards no
dot may sit on a hidden or merged idea, no holding may pass the cap, no ballot the budget, and
no request may answer 500. Two facilitators merging A into B and B into A at the same moment:
one wins, the other is refused. ``rule_breaches`` (what ``flask verify`` runs) checks each
storm and must find nothing.

Both storms are marked slow: ``make test`` and CI play a quarter of their rounds (the same forty
voters and two facilitators racing each round), ``make test-slow`` all of them.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cite_vote.ideas.models import Idea
from cite_vote.votes.services import rule_breaches
from tests.helpers import STAFF_PASSWORD, scaled
from tests.server import gunicorn_server, participant_tab, staff_tab

pytestmark = [pytest.mark.server, pytest.mark.slow]

VOTERS = 40
ROUNDS = scaled(30, least=6)  # one challenge (two ideas, one hide or merge) per round
PAIRS = scaled(24, least=6)  # crossed merges, one pair per challenge


@pytest.fixture
def server(app, database_url, tmp_path):
    with gunicorn_server(database_url, tmp_path) as running:
        yield running


def test_hides_and_merges_racing_votes_strand_no_dots(
    app, db, server, make_forum, make_participant, make_idea, make_staff
):
    forum = make_forum(phase="voting", challenges=ROUNDS, dot_budget=5, dot_cap=3)
    facilitator = make_staff("facilitator", forums=[forum])
    people = [make_participant(forum, category="citoyen·ne") for _ in range(VOTERS)]
    cookie = app.config["PARTICIPANT_COOKIE_NAME"]
    first = forum.challenges[0]
    tabs = [participant_tab(server.url, cookie, p, f"/f/{forum.slug}/c/{first.id}") for p in people]
    staff = staff_tab(server.url, facilitator, STAFF_PASSWORD)
    rng = random.Random(2026)
    rounds = []
    for challenge in forum.challenges:
        a = make_idea(challenge, title="Un même sujet")
        b = make_idea(challenge, title="Le même sujet")
        rounds.append((a.id, b.id))
    base = f"{server.url}/f/{forum.slug}/i"
    moderation = f"{server.url}/staff/f/{forum.slug}/moderation/i"

    def vote(job):
        tab, idea_id, target = job
        return tab.post(f"{base}/{idea_id}/dots", data={"dots": target}, timeout=60).status_code

    def moderate(job):
        kind, source, target = job
        time.sleep(rng.uniform(0.0, 0.05))
        if kind == "hide":
            response = staff.post(
                f"{moderation}/{source}/hide",
                data={"reason": "duplicate"},
                allow_redirects=False,
                timeout=60,
            )
        else:
            response = staff.post(
                f"{moderation}/{source}/merge",
                data={"into": target},
                allow_redirects=False,
                timeout=60,
            )
        return response.status_code

    vote_statuses, staff_statuses = [], []
    with ThreadPoolExecutor(max_workers=16) as pool:
        for n, (a, b) in enumerate(rounds):
            jobs = [(tab, rng.choice((a, b)), rng.randint(1, 3)) for tab in tabs for _ in range(2)]
            rng.shuffle(jobs)
            votes = [pool.submit(vote, job) for job in jobs[: len(jobs) // 3]]
            action = pool.submit(moderate, ("hide" if n % 3 == 0 else "merge", a, b))
            votes += [pool.submit(vote, job) for job in jobs[len(jobs) // 3 :]]
            vote_statuses += [f.result() for f in votes]
            staff_statuses.append(action.result())

    # 404: the idea was hidden or merged before this vote was read (it is gone for the voter)
    assert set(vote_statuses) <= {200, 404, 409}, sorted(set(vote_statuses))
    assert set(staff_statuses) <= {303, 409}, staff_statuses
    assert staff_statuses.count(303) >= ROUNDS // 2
    db.session.expire_all()
    assert rule_breaches([c.id for c in forum.challenges]) == []


def test_crossed_merges_let_exactly_one_win(
    app, db, server, make_forum, make_participant, make_idea, make_staff, cast_dots
):
    forum = make_forum(phase="voting", challenges=PAIRS, dot_budget=5, dot_cap=3)
    first, second = (make_staff("facilitator", forums=[forum]) for _ in range(2))
    people = [make_participant(forum) for _ in range(3)]
    ideas = []
    for challenge in forum.challenges:
        a, b = make_idea(challenge, title="Idée A"), make_idea(challenge, title="Idée B")
        for person in people:
            cast_dots(person, a, 2)
            cast_dots(person, b, 2)
        ideas.append((a.id, b.id))
    staff = [staff_tab(server.url, user, STAFF_PASSWORD) for user in (first, second)]
    moderation = f"{server.url}/staff/f/{forum.slug}/moderation/i"

    def merge(tab, source, target, start):
        start.wait()
        response = tab.post(
            f"{moderation}/{source}/merge", data={"into": target}, allow_redirects=False, timeout=60
        )
        return response.status_code

    outcomes = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for a, b in ideas:
            start = threading.Barrier(2)
            crossed = [
                pool.submit(merge, staff[0], a, b, start),
                pool.submit(merge, staff[1], b, a, start),
            ]
            outcomes.append(sorted(f.result() for f in crossed))

    assert all(pair == [303, 409] for pair in outcomes), outcomes
    db.session.expire_all()
    for a, b in ideas:
        statuses = sorted(db.session.get(Idea, i).status for i in (a, b))
        assert statuses == ["merged", "visible"]
    assert rule_breaches([c.id for c in forum.challenges]) == []
