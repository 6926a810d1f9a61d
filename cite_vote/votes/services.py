"""Dots: budgets, caps and the append-only ledger.

The budget and the cap hold under concurrent requests because every change to a
participant's dots in a challenge first takes the lock on their ballot row (a write, so on
SQLite it takes the database's write lock and on PostgreSQL the row lock), then reads what it
needs, then moves the total with a conditional UPDATE that the database refuses past the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cite_vote.accounts.models import Participant
from cite_vote.errors import RuleError
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.ideas.models import Idea
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot, LedgerEntry, Vote


@dataclass(frozen=True)
class DotsState:
    """What the person sees after a change: their dots on the idea and in the challenge."""

    idea_id: int
    dots: int
    spent: int
    budget: int
    cap: int

    @property
    def left(self) -> int:
        return self.budget - self.spent


def _insert_ignoring_conflict(model, **values) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def lock_ballot(participant_id: int, challenge_id: int) -> int:
    """Take the lock on this participant's ballot for the challenge; return the dots spent."""
    _insert_ignoring_conflict(
        Ballot, participant_id=participant_id, challenge_id=challenge_id, dots_spent=0
    )
    return db.session.execute(
        update(Ballot)
        .where(Ballot.participant_id == participant_id, Ballot.challenge_id == challenge_id)
        .values(dots_spent=Ballot.dots_spent)
        .returning(Ballot.dots_spent)
    ).scalar_one()


def move_dots(
    participant_id: int,
    idea: Idea,
    delta: int,
    *,
    budget: int,
    reason: str = "vote",
    assisted: bool = False,
    staff_id: int | None = None,
    related_idea_id: int | None = None,
) -> int | None:
    """Add ``delta`` dots to the ballot and the vote, and record it. The ballot must be locked.

    Returns the new dots spent, or None when the budget refuses it (nothing is changed then).
    """
    spent = db.session.execute(
        update(Ballot)
        .where(
            Ballot.participant_id == participant_id,
            Ballot.challenge_id == idea.challenge_id,
            Ballot.dots_spent + delta <= budget,
            Ballot.dots_spent + delta >= 0,
        )
        .values(dots_spent=Ballot.dots_spent + delta)
        .returning(Ballot.dots_spent)
    ).scalar_one_or_none()
    if spent is None:
        return None
    changed = db.session.execute(
        update(Vote)
        .where(Vote.participant_id == participant_id, Vote.idea_id == idea.id)
        .values(dots=Vote.dots + delta, updated_at=utcnow())
    ).rowcount
    if not changed:
        db.session.add(
            Vote(
                participant_id=participant_id,
                idea_id=idea.id,
                challenge_id=idea.challenge_id,
                dots=delta,
            )
        )
    db.session.add(
        LedgerEntry(
            challenge_id=idea.challenge_id,
            idea_id=idea.id,
            participant_id=participant_id,
            delta=delta,
            reason=reason,
            assisted=assisted,
            staff_id=staff_id,
            related_idea_id=related_idea_id,
        )
    )
    db.session.flush()
    return spent


def dots_on_idea(participant_id: int, idea_id: int) -> int:
    return (
        db.session.scalar(
            select(Vote.dots).where(Vote.participant_id == participant_id, Vote.idea_id == idea_id)
        )
        or 0
    )


def set_dots(
    participant: Participant,
    idea: Idea,
    target: int,
    *,
    assisted: bool = False,
    staff_id: int | None = None,
) -> DotsState:
    """Set the dots on ``idea`` to ``target``: not +1, so that a retry cannot count twice."""
    challenge = idea.challenge
    forum = challenge.forum
    if challenge.forum_id != participant.forum_id:
        abort(404)
    budget, cap = forum.dot_budget, forum.dot_cap
    if target < 0:
        raise RuleError(_l("The number of dots cannot be negative."))
    if target > cap:
        raise RuleError(
            ngettext("At most %(num)d dot on one idea.", "At most %(num)d dots on one idea.", cap)
        )

    spent = lock_ballot(participant.id, challenge.id)
    # Read under the lock: a facilitator may have closed voting or hidden the idea meanwhile.
    phase, status = db.session.execute(
        select(Challenge.phase, Idea.status)
        .join(Idea, Idea.challenge_id == Challenge.id)
        .where(Idea.id == idea.id)
    ).one()
    if phase != "voting":
        raise RuleError(_l("Voting is not open on this challenge."))
    if status != "visible":
        raise RuleError(_l("This idea can no longer receive dots."))

    current = dots_on_idea(participant.id, idea.id)
    delta = target - current
    if delta:
        new_spent = move_dots(
            participant.id, idea, delta, budget=budget, assisted=assisted, staff_id=staff_id
        )
        if new_spent is None:
            raise RuleError(_l("You have no dots left in this challenge."))
        spent = new_spent
    return DotsState(idea_id=idea.id, dots=target, spent=spent, budget=budget, cap=cap)


def my_dots(participant: Participant | None, challenge: Challenge) -> dict[int, int]:
    if participant is None:
        return {}
    rows = db.session.execute(
        select(Vote.idea_id, Vote.dots).where(
            Vote.participant_id == participant.id,
            Vote.challenge_id == challenge.id,
            Vote.dots > 0,
        )
    )
    return dict(rows.all())


def dots_spent(participant: Participant | None, challenge: Challenge) -> int:
    if participant is None:
        return 0
    return (
        db.session.scalar(
            select(Ballot.dots_spent).where(
                Ballot.participant_id == participant.id, Ballot.challenge_id == challenge.id
            )
        )
        or 0
    )


def spent_by_challenge(participant: Participant | None) -> dict[int, int]:
    if participant is None:
        return {}
    rows = db.session.execute(
        select(Ballot.challenge_id, Ballot.dots_spent).where(
            Ballot.participant_id == participant.id
        )
    )
    return dict(rows.all())


def idea_totals(challenge_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Dots and distinct supporters per idea, for the given challenges."""
    if not challenge_ids:
        return {}
    rows = db.session.execute(
        select(Vote.idea_id, func.sum(Vote.dots), func.count())
        .where(and_(Vote.challenge_id.in_(challenge_ids), Vote.dots > 0))
        .group_by(Vote.idea_id)
    )
    return {idea_id: (int(dots), int(n)) for idea_id, dots, n in rows}


def ledger_differences(challenge_ids: list[int]) -> list[str]:
    """Replay the ledger and compare with the stored votes and ballots; [] when they agree."""
    if not challenge_ids:
        return []
    replayed = _sums(
        select(LedgerEntry.participant_id, LedgerEntry.idea_id, func.sum(LedgerEntry.delta))
        .where(LedgerEntry.challenge_id.in_(challenge_ids))
        .group_by(LedgerEntry.participant_id, LedgerEntry.idea_id)
    )
    stored = _sums(
        select(Vote.participant_id, Vote.idea_id, Vote.dots).where(
            Vote.challenge_id.in_(challenge_ids)
        )
    )
    problems = [
        f"participant {p} idea {i}: ledger {replayed.get((p, i), 0)}, "
        f"stored {stored.get((p, i), 0)}"
        for p, i in sorted(set(replayed) | set(stored))
        if replayed.get((p, i), 0) != stored.get((p, i), 0)
    ]
    held = _sums(
        select(Vote.participant_id, Vote.challenge_id, func.sum(Vote.dots))
        .where(Vote.challenge_id.in_(challenge_ids))
        .group_by(Vote.participant_id, Vote.challenge_id)
    )
    spent = _sums(
        select(Ballot.participant_id, Ballot.challenge_id, Ballot.dots_spent).where(
            Ballot.challenge_id.in_(challenge_ids)
        )
    )
    problems += [
        f"participant {p} challenge {c}: ballot {spent.get((p, c), 0)}, votes {held.get((p, c), 0)}"
        for p, c in sorted(set(held) | set(spent))
        if held.get((p, c), 0) != spent.get((p, c), 0)
    ]
    return problems


def _sums(stmt) -> dict[tuple[int, int], int]:
    return {(a, b): int(total or 0) for a, b, total in db.session.execute(stmt)}
