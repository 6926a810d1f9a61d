"""The method annex of the cahier: how the result was reached, from the records the app keeps.

A reader of the cahier must be able to understand and check the result without asking anyone:
the vote's rules (budget, cap, ranking rule), what voters saw (their own order of the ideas,
totals hidden or not), when each phase opened and closed, who took part by category, every hide
and merge with its reason, whether the order on screens weighed on the ranking, and the head of
each closed challenge's ledger chain. Everything is read in a fixed number of statements.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Forum, PhaseChange
from cite_vote.ideas.models import Idea, ModerationRecord
from cite_vote.results.bias import add_order_bias
from cite_vote.results.services import ChallengeResults
from cite_vote.votes.chain import chain_heads
from cite_vote.votes.models import Ballot
from cite_vote.votes.paper import PaperCounts, paper_counts, paper_holders


@dataclass(frozen=True)
class PhasePeriod:
    """A phase a challenge was in, from ``opened`` to ``closed`` (None: still in it)."""

    phase: str
    opened: datetime
    closed: datetime | None


@dataclass(frozen=True)
class ModerationLine:
    """A hide, restore or merge, as the annex prints it."""

    action: str
    reason: str | None
    note: str
    idea_id: int
    idea_title: str
    target_id: int | None
    target_title: str | None
    moved: int
    refunded: int
    at: datetime


@dataclass(frozen=True)
class CategoryCount:
    category: str | None
    joined: int
    voted: int


@dataclass
class ChallengeMethod:
    results: ChallengeResults
    phases: list[PhasePeriod] = field(default_factory=list)
    moderation: list[ModerationLine] = field(default_factory=list)
    # Its last closing's seal (``.record_hash``), once closed.
    seal: Any = None
    # Printed sheets: how many, of how many people, their dots, entries by staff role.
    paper: PaperCounts | None = None

    @property
    def turnout(self) -> dict | None:
        """The sealed record's turnout: participants by kind, tickets, ballots by kind."""
        if self.seal is None or not self.seal.record:
            return None
        return json.loads(self.seal.record)["turnout"]


@dataclass
class MethodAnnex:
    forum: Forum
    challenges: list[ChallengeMethod]
    categories: list[CategoryCount]

    @property
    def totals_hidden(self) -> bool:
        """Participants' phones showed no totals while voting."""
        return not self.forum.show_totals_during_voting

    @property
    def joined(self) -> int:
        return sum(c.joined for c in self.categories)

    @property
    def voted(self) -> int:
        return sum(c.voted for c in self.categories)


def phase_periods(challenge_ids: list[int]) -> dict[int, list[PhasePeriod]]:
    """Each challenge's phases in time order, each closed by the change that followed it."""
    changes: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for challenge_id, phase, at in db.session.execute(
        select(PhaseChange.challenge_id, PhaseChange.phase, PhaseChange.at)
        .where(PhaseChange.challenge_id.in_(challenge_ids))
        .order_by(PhaseChange.at, PhaseChange.id)
    ):
        changes[challenge_id].append((phase, at))
    periods: dict[int, list[PhasePeriod]] = {}
    for challenge_id, steps in changes.items():
        periods[challenge_id] = [
            PhasePeriod(phase, at, steps[n + 1][1] if n + 1 < len(steps) else None)
            for n, (phase, at) in enumerate(steps)
            # The final "closed" is when the last phase ended (it is that period's end); a
            # closing followed by a reopening is a period of its own, and the annex shows it.
            if not (phase == "closed" and n + 1 == len(steps))
        ]
    return periods


def moderation_lines(challenge_ids: list[int]) -> dict[int, list[ModerationLine]]:
    """Every hide, restore and merge of these challenges, in time order, with the ideas' titles."""
    source, target = aliased(Idea), aliased(Idea)
    lines: dict[int, list[ModerationLine]] = defaultdict(list)
    for record, title, target_title in db.session.execute(
        select(ModerationRecord, source.title, target.title)
        .join(source, source.id == ModerationRecord.idea_id)
        .outerjoin(target, target.id == ModerationRecord.target_idea_id)
        .where(ModerationRecord.challenge_id.in_(challenge_ids))
        .order_by(ModerationRecord.created_at, ModerationRecord.id)
    ):
        lines[record.challenge_id].append(
            ModerationLine(
                action=record.action,
                reason=record.reason,
                note=record.note,
                idea_id=record.idea_id,
                idea_title=title,
                target_id=record.target_idea_id,
                target_title=target_title,
                moved=record.dots_moved,
                refunded=record.dots_refunded,
                at=record.created_at,
            )
        )
    return lines


def participants_by_category(forum: Forum, challenge_ids: list[int]) -> list[CategoryCount]:
    """People who joined the forum, and those who placed dots in at least one of these
    challenges, by their category: the forum's categories first, then any other, then none."""
    joined = dict(
        db.session.execute(
            select(Participant.category, func.count(Participant.id))
            .where(
                Participant.forum_id == forum.id,
                Participant.id.not_in(paper_holders()),  # a printed sheet is no one
            )
            .group_by(Participant.category)
        ).all()
    )
    voters = (
        select(Ballot.participant_id)
        .where(
            Ballot.challenge_id.in_(challenge_ids),
            Ballot.dots_spent > 0,
            Ballot.participant_id.not_in(paper_holders()),
        )
        .distinct()
        .subquery()
    )
    voted = dict(
        db.session.execute(
            select(Participant.category, func.count(Participant.id))
            .join(voters, voters.c.participant_id == Participant.id)
            .group_by(Participant.category)
        ).all()
    )
    named = list(forum.categories or [])
    others = sorted(c for c in {*joined, *voted} if c is not None and c not in named)
    order = [*named, *others, *([None] if None in joined or None in voted else [])]
    return [CategoryCount(c, int(joined.get(c, 0)), int(voted.get(c, 0))) for c in order]


def method_annex(forum: Forum, results: list[ChallengeResults]) -> MethodAnnex:
    """Everything the annex states, for the challenges of the cahier, in their order."""
    ids = [res.challenge.id for res in results]
    if any(res.bias is None for res in results):
        add_order_bias(results)
    periods = phase_periods(ids) if ids else {}
    lines = moderation_lines(ids) if ids else {}
    heads = chain_heads(ids) if ids else {}
    return MethodAnnex(
        forum=forum,
        challenges=[
            ChallengeMethod(
                results=res,
                phases=periods.get(res.challenge.id, []),
                moderation=lines.get(res.challenge.id, []),
                seal=heads.get(res.challenge.id) if res.challenge.phase == "closed" else None,
                paper=paper_counts([res.challenge.id]),
            )
            for res in results
        ],
        categories=participants_by_category(forum, ids),
    )
