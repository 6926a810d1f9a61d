"""A secret ballot in the published log: someone who saw who voted when, or in which order,
learns nothing from the log that ties a person to a receipt (docs/results-log.md, "Secrecy").

The attack below is the one an outsider ran on the first log format: split the time-ordered
entries into runs (one minute each), add up each run per idea, and keep the runs that equal
exactly one receipt. It is run on the staff's own time-ordered ledger to show it works, and on
everything a participant can download to show it finds nothing there.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cite_vote.results.public_log import build_log, log_csv
from cite_vote.timeutil import utcnow
from cite_vote.votes.chain import receipt_of
from cite_vote.votes.models import LedgerEntry

VOTERS = 20


def records(document, wanted) -> list[dict]:
    """Every object anywhere in a document for which ``wanted`` holds."""
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if wanted(node):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


def timed_records(document) -> list[dict]:
    """Every record that carries a time or a sequence number beside an idea."""
    return records(
        document,
        lambda node: "idea" in node and any(k in node for k in ("at", "seq", "time", "created_at")),
    )


def receipts_in(document) -> dict[str, dict[int, int]]:
    """Each receipt's dots per idea, wherever the document lists them."""
    return {
        node["receipt"]: {h["idea"]: h["dots"] for h in node["dots"] if h["dots"]}
        for node in records(
            document, lambda node: "receipt" in node and isinstance(node.get("dots"), list)
        )
    }


def link_by_time(records: list[dict], receipts: dict[str, dict[int, int]]) -> dict[str, str]:
    """The attack: minute -> the one receipt whose dots equal that minute's entries."""
    runs: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for record in records:
        moment = record.get("at") or record.get("time") or record.get("created_at")
        if moment is None:
            continue
        runs[str(moment)[:16]][record["idea"]] += record.get("delta", record.get("dots", 0))
    linked = {}
    for minute, dots in runs.items():
        wanted = {idea: n for idea, n in dots.items() if n}
        matches = [code for code, held in receipts.items() if held == wanted]
        if len(matches) == 1:
            linked[minute] = matches[0]
    return linked


@pytest.fixture
def watched_room(make_forum, make_participant, make_idea, cast_dots, db):
    """Twenty people vote one after another, a minute apart, as someone in the room watches."""
    forum = make_forum(slug="secret", challenges=1, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(6)]
    rng = random.Random(20)
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    seen: dict[int, str] = {}  # participant id -> the minute the watcher saw them vote
    for n in range(VOTERS):
        person = make_participant(forum)
        left = forum.dot_budget
        for idea in rng.sample(ideas, 3):
            dots = rng.randint(1, min(left, forum.dot_cap)) if left else 0
            if dots:
                cast_dots(person, idea, dots)
                left -= dots
        moment = start + timedelta(minutes=n)
        db.session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.participant_id == person.id)
            .values(created_at=moment)
        )
        seen[person.id] = moment.strftime("%Y-%m-%dT%H:%M")
    db.session.commit()
    from cite_vote.votes.phases import set_phase

    set_phase(forum, "closed")
    db.session.commit()
    return forum, challenge, seen


def test_the_attack_links_voters_through_a_time_ordered_ledger(watched_room, db):
    """The staff's ledger (never published) is what the first log format published: the attack
    works on it, so the test below is a real check."""
    forum, challenge, seen = watched_room
    rows = db.session.execute(
        select(LedgerEntry.idea_id, LedgerEntry.delta, LedgerEntry.created_at).where(
            LedgerEntry.challenge_id == challenge.id
        )
    )
    ledger = [{"idea": i, "delta": d, "at": at.isoformat()} for i, d, at in rows]
    log = build_log(forum, list(forum.challenges), generated_at=utcnow())
    linked = link_by_time(ledger, receipts_in(log))
    right = sum(
        1 for pid, minute in seen.items() if linked.get(minute) == receipt_of(pid, challenge.id)
    )
    assert right >= 16, right


def test_nothing_published_links_a_voter_seen_voting_to_a_receipt(watched_room, client, db):
    forum, challenge, seen = watched_room
    log = build_log(forum, list(forum.challenges), generated_at=utcnow())
    published = json.loads(json.dumps(log))
    assert timed_records(published) == []
    assert link_by_time(timed_records(published), receipts_in(published)) == {}
    # The CSV, read as a spreadsheet would: no column ties a record to a moment or an order.
    header = log_csv(log).decode("utf-8-sig").splitlines()[0].split(",")
    assert not {"at", "seq", "prev", "time"} & set(header), header
    # Ballots are listed in the order of their random codes, not in the order people voted.
    codes = [b["receipt"] for b in published["challenges"][0]["ballots"]]
    assert codes == sorted(codes)
