"""Kill the server mid-storm: no acknowledged vote is lost and none counts twice.

Each voter votes in sequence, so the last vote the server acknowledged is the truth, unless a
later one was in flight when the server died (then either value is right, never another).
A worker is SIGKILLed during the storm (gunicorn replaces it), then the whole server, which is
started again on the same database: the stored dots match what was acknowledged, the rules
hold, and voting goes on.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest
import requests
from sqlalchemy import select, text

from cite_vote.votes.models import Vote
from cite_vote.votes.services import rule_breaches
from tests.server import free_port, gunicorn_server, participant_tab

pytestmark = pytest.mark.server


def worker_pids(master: int) -> list[int]:
    children = f"/proc/{master}/task/{master}/children"
    with open(children) as f:
        return [int(pid) for pid in f.read().split()]


def test_no_acknowledged_vote_is_lost_across_killed_workers_and_a_killed_server(
    app, db, database_url, tmp_path, make_forum, make_participant, make_idea
):
    forum = make_forum(phase="voting", challenges=1, dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    people = [make_participant(forum) for _ in range(12)]
    cookie = app.config["PARTICIPANT_COOKIE_NAME"]
    idea_ids, slug = [idea.id for idea in ideas], forum.slug  # the threads have no app context
    port = free_port()
    acked: dict[tuple[int, int], int] = {}
    in_flight: dict[tuple[int, int], set[int]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def voter(tab, person_id, seed):
        rng = random.Random(seed)
        while not stop.is_set():
            idea_id = rng.choice(idea_ids)
            target = rng.randint(0, 3)  # sometimes past the budget: a 409 changes nothing
            key = (person_id, idea_id)
            with lock:
                in_flight.setdefault(key, set()).add(target)
            try:
                response = tab.post(
                    f"{url}/f/{slug}/i/{idea_id}/dots", data={"dots": target}, timeout=10
                )
            except requests.RequestException:
                time.sleep(0.05)  # the server is down: this vote's fate is unknown
                continue
            with lock:
                if response.status_code == 200:
                    acked[key] = target
                    in_flight[key] = set()  # everything before this answer is settled
                elif response.status_code == 409:
                    in_flight[key].discard(target)

    with gunicorn_server(database_url, tmp_path, port=port, workers=3) as server:
        url = server.url
        tabs = [
            participant_tab(url, cookie, p, f"/f/{forum.slug}/c/{challenge.id}") for p in people
        ]
        threads = [
            threading.Thread(target=voter, args=(tab, p.id, n))
            for n, (tab, p) in enumerate(zip(tabs, people, strict=True))
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        os.kill(worker_pids(server.process.pid)[0], signal.SIGKILL)  # one worker dies
        time.sleep(1.5)
        os.killpg(server.process.pid, signal.SIGKILL)  # then the whole server
        server.process.wait()
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()

    assert acked, "the storm placed no vote before the kill"
    db.session.expire_all()
    stored = {
        (p, i): dots
        for p, i, dots in db.session.execute(select(Vote.participant_id, Vote.idea_id, Vote.dots))
    }
    for key, dots in acked.items():
        assert stored.get(key, 0) in {dots, *in_flight.get(key, set())}, key
    assert rule_breaches([challenge.id]) == []

    with gunicorn_server(database_url, tmp_path, port=free_port(), workers=2) as server:
        person = people[0]
        tab = participant_tab(server.url, cookie, person, f"/f/{forum.slug}/c/{challenge.id}")
        for idea in ideas:
            assert (
                tab.post(
                    f"{server.url}/f/{forum.slug}/i/{idea.id}/dots", data={"dots": 0}, timeout=10
                ).status_code
                == 200
            )
        assert (
            tab.post(
                f"{server.url}/f/{forum.slug}/i/{ideas[0].id}/dots", data={"dots": 3}, timeout=10
            ).status_code
            == 200
        )
    db.session.expire_all()
    assert rule_breaches([challenge.id]) == []


def test_postgresql_dropping_every_connection_mid_storm_answers_503_not_500(
    app, db, database_url, tmp_path, make_forum, make_participant, make_idea
):
    """What a PostgreSQL restart does to the app: every open connection dies at once."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL connections")
    forum = make_forum(phase="voting", challenges=1, dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    idea_ids = [make_idea(challenge, title=f"Idée {n}").id for n in range(3)]
    people = [make_participant(forum) for _ in range(8)]
    cookie, slug = app.config["PARTICIPANT_COOKIE_NAME"], forum.slug
    statuses: list[int] = []
    stop = threading.Event()
    database = db.engine.url.database

    def voter(tab, seed):
        rng = random.Random(seed)
        while not stop.is_set():
            response = tab.post(
                f"{url}/f/{slug}/i/{rng.choice(idea_ids)}/dots",
                data={"dots": rng.randint(0, 3)},
                timeout=10,
            )
            statuses.append(response.status_code)

    with gunicorn_server(database_url, tmp_path, workers=3) as server:
        url = server.url
        tabs = [participant_tab(url, cookie, p, f"/f/{slug}/c/{challenge.id}") for p in people]
        threads = [threading.Thread(target=voter, args=(tab, n)) for n, tab in enumerate(tabs)]
        for thread in threads:
            thread.start()
        for _ in range(3):
            time.sleep(1)
            db.session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
            db.session.commit()
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()

    assert statuses.count(200) > 50
    assert set(statuses) <= {200, 409, 503}, sorted(set(statuses))
    db.session.expire_all()
    assert rule_breaches([challenge.id]) == []
