"""A challenge's sealed record: what the published log holds, made and sealed when it closes.

The record holds everything that decides the result and nothing that tells when or in which
order anyone voted: the rule, every idea with its status, each receipt's final ballot (in the
order of the receipts' random codes), the merges and hides that moved dots (added up per idea),
the ranking with its ties, and the turnout a reader compares with the room (participants by
how they came in, tickets printed, ballots by kind). Its seal is the SHA-256 of those fields
(``cite_vote.recount.record_hash``), chained to the previous closing's seal.

It is stored as it was sealed (``LedgerSeal.record``): the log publishes the stored record,
and ``flask recount`` compares it with the database of today, so a change made afterwards to a
title, a status or a vote is named there, and a change to the published file is caught by the
seal printed in the cahier.

Ballot kinds are published only when every kind present has at least ``SMALL_GROUP`` ballots:
one person seen voting with a facilitator must not be found as "the assisted ballot". The
counts by kind are always published.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from cite_vote import recount
from cite_vote.accounts.models import Participant, Ticket
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.ideas.models import Idea
from cite_vote.votes.models import LedgerEntry, PaperSheet, Receipt, Vote
from cite_vote.votes.paper import record_sheets

# Below this many, a group of ballots is not told apart in anything published.
SMALL_GROUP = 5


def minute(moment: datetime) -> str:
    """A time as published: UTC, to the minute."""
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def microsecond(moment: datetime) -> str:
    """An idea's proposal time, to the microsecond: the ranking's tie-break compares it."""
    return moment.isoformat(timespec="microseconds") + "Z"


def build_record(challenge: Challenge, *, prev: str, closing: int, closed_at: datetime) -> dict:
    """The record of ``challenge`` as the database holds it now, sealed."""
    forum = challenge.forum
    ideas = record_ideas(challenge.id)
    ballots = record_ballots(challenge.id)
    counted = defaultdict(int)
    for ballot in ballots:
        counted[ballot["kind"]] += 1
    if any(0 < n < SMALL_GROUP for n in counted.values()):
        for ballot in ballots:
            ballot["kind"] = None
    sheets = record_sheets(challenge.id)
    dots, supporters = recount.receipt_totals(ballots + sheets)
    record = {
        "id": challenge.id,
        "position": challenge.position,
        "title": challenge.title,
        "closed_at": minute(closed_at),
        "rule": {"budget": forum.dot_budget, "cap": forum.dot_cap},
        "seal": {"closing": closing, "prev": prev, "head": None},
        "ideas": ideas,
        "ballots": ballots,
        "moves": record_moves(challenge.id),
        "ranking": recount.rank(ideas, dots, supporters),
        "turnout": {
            **turnout(forum.id),
            "ballots": {kind: counted.get(kind, 0) for kind in recount.BALLOT_KINDS},
        },
    }
    if sheets:  # a record without paper keeps the layout of version 2, seal included
        record["sheets"] = sheets
    record["seal"]["head"] = recount.record_hash(record)
    return record


def record_text(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def record_ideas(challenge_id: int) -> list[dict]:
    """Every idea, by number; a hidden or pending idea's text stays hidden (title null)."""
    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.status, Idea.merged_into_id, Idea.created_at)
        .where(Idea.challenge_id == challenge_id)
        .order_by(Idea.id)
    )
    return [
        {
            "idea_id": idea_id,
            "title": title if status in ("visible", "merged") else None,
            "status": status,
            "merged_into": merged_into,
            "proposed_at": microsecond(created_at),
        }
        for idea_id, title, status, merged_into, created_at in rows
    ]


def ballot_kind(assisted: bool, ticket: bool) -> str:
    """How the participant came in: made by staff, bound to a printed ticket, or by phone."""
    return "assisted" if assisted else "ticket" if ticket else "phone"


def record_ballots(challenge_id: int) -> list[dict]:
    """Each receipt's final dots per idea, receipts in the order of their codes."""
    bound = select(Ticket.id).where(Ticket.participant_id == Receipt.participant_id).exists()
    rows = db.session.execute(
        select(Receipt.code, Participant.assisted, bound, Vote.idea_id, Vote.dots)
        .join(Participant, Participant.id == Receipt.participant_id)
        .outerjoin(
            Vote,
            (Vote.participant_id == Receipt.participant_id)
            & (Vote.challenge_id == Receipt.challenge_id)
            & (Vote.dots > 0),
        )
        .where(Receipt.challenge_id == challenge_id)
        .order_by(Receipt.code, Vote.idea_id)
    )
    out: list[dict] = []
    for code, assisted, ticket, idea_id, dots in rows:
        if not out or out[-1]["receipt"] != code:
            out.append({"receipt": code, "kind": ballot_kind(assisted, ticket), "dots": []})
        if idea_id is not None:
            out[-1]["dots"].append({"idea": idea_id, "dots": dots})
    return out


def record_moves(challenge_id: int) -> list[dict]:
    """The merges and hides that moved dots, added up per idea from the ledger's legs: idea A
    into B, dots moved (within each voter's cap) and dots given back to their voters."""
    rows = db.session.execute(
        select(LedgerEntry.reason, LedgerEntry.idea_id, LedgerEntry.related_idea_id)
        .add_columns(func.sum(LedgerEntry.delta))
        .where(
            LedgerEntry.challenge_id == challenge_id,
            LedgerEntry.reason.in_(("merge", "hide")),
        )
        .group_by(LedgerEntry.reason, LedgerEntry.idea_id, LedgerEntry.related_idea_id)
    )
    merged: dict[int, dict] = {}
    hidden: dict[int, dict] = {}
    for reason, idea_id, related, delta in rows:
        delta = int(delta or 0)
        if reason == "hide":
            move = hidden.setdefault(idea_id, {"taken": 0, "moved": 0, "into": None})
            move["taken"] -= delta
        elif delta < 0:  # the merged idea's leg: dots taken from it
            move = merged.setdefault(idea_id, {"taken": 0, "moved": 0, "into": related})
            move["taken"] -= delta
            move["into"] = related
        else:  # the target's leg: dots that arrived from ``related``
            move = merged.setdefault(related, {"taken": 0, "moved": 0, "into": idea_id})
            move["moved"] += delta
    out = [
        {
            "kind": kind,
            "idea": idea_id,
            "into": move["into"],
            "dots_moved": move["moved"],
            "dots_refunded": move["taken"] - move["moved"],
        }
        for kind, moves in (("hide", hidden), ("merge", merged))
        for idea_id, move in moves.items()
    ]
    return sorted(out, key=lambda m: (m["kind"], m["idea"]))


def turnout(forum_id: int) -> dict:
    """Who could have voted, as a reader compares it with the room: participants by how they
    came in (a phone joining, a printed ticket, a facilitator making them), tickets printed."""
    total, assisted = db.session.execute(
        select(
            func.count(Participant.id), func.count(Participant.id).filter(Participant.assisted)
        ).where(
            Participant.forum_id == forum_id,
            Participant.id.not_in(select(PaperSheet.participant_id)),  # a sheet is no one
        )
    ).one()
    printed, bound = db.session.execute(
        select(func.count(Ticket.id), func.count(Ticket.participant_id)).where(
            Ticket.forum_id == forum_id
        )
    ).one()
    return {
        "participants": total,
        "joined_by_phone": total - assisted - bound,
        "bound_to_ticket": bound,
        "made_by_staff": assisted,
        "tickets_printed": printed,
    }
