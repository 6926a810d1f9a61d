"""Dots: budgets, caps and the append-only ledger.

The budget and the cap hold under concurrent requests because every change to a
participant's dots in a challenge first takes the lock on their ballot row (a write, so on
SQLite it takes the database's write lock and on PostgreSQL the row lock), then reads what it
needs, then moves the total with a conditional UPDATE that the database refuses past the budget.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.holds import hold_challenges, hold_challenges_call
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.setup import DotsHeld
from cite_vote.forums.versions import bump_for_each, mark_challenge_changed, mark_changed
from cite_vote.ideas.models import Idea
from cite_vote.refusals import RuleError, Unknown
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot, LedgerEntry, PaperSheet, Vote
from cite_vote.votes.notices import notify as _notify


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
        return dots_left(self.budget, self.spent)


def dots_left(budget: int, spent: int) -> int:
    """Dots a participant can still place in a challenge (templates call it too)."""
    return budget - spent


def dots_held(forum: Forum) -> DotsHeld:
    """The most dots anyone holds in one challenge and on one idea of the forum (0 when none):
    what ``forums.setup.update_forum`` needs to refuse a budget or a cap below them."""
    challenge_ids = select(Challenge.id).where(Challenge.forum_id == forum.id)
    in_a_challenge = (
        select(func.max(Ballot.dots_spent))
        .where(Ballot.challenge_id.in_(challenge_ids))
        .scalar_subquery()
    )
    on_an_idea = (
        select(func.max(Vote.dots)).where(Vote.challenge_id.in_(challenge_ids)).scalar_subquery()
    )
    row = db.session.execute(select(in_a_challenge, on_an_idea)).one()
    return DotsHeld(in_a_challenge=row[0] or 0, on_an_idea=row[1] or 0)


def hold_challenge(challenge_id: int, *, exclusive: bool = False) -> None:
    """Hold the challenge: shared by every vote, exclusive for a merge, hide or phase move.

    Votes share the hold and run side by side; staff changes that move many participants'
    dots wait for votes in flight and make new ones wait, so no vote lands on an idea between
    its refund and its status change. On PostgreSQL the hold is a transaction-level advisory
    lock on the challenge (``forums.services.hold_challenges``), not a lock on its row: a row
    share-locked by every vote of the room is rewritten by each of them (PostgreSQL records
    its lockers in the row, a "multixact" as soon as two overlap), so every vote wrote the same
    row. The exclusive hold takes the row too (``FOR UPDATE``) for the staff who read it.
    SQLite has no row locks (it ignores ``FOR UPDATE``): there the database's write lock is
    taken here, before any read that a decision depends on, so every change to dots runs alone
    from its first read to its commit.
    """
    if take_write_lock():
        return
    if exclusive:
        # FOR NO KEY UPDATE, not FOR UPDATE: a vote's inserts check their foreign key with a
        # KEY SHARE lock on this row, which FOR UPDATE would make wait while the vote holds the
        # shared hold this transaction waits for (a deadlock).
        db.session.execute(
            select(Challenge.id).where(Challenge.id == challenge_id).with_for_update(key_share=True)
        ).all()
    hold_challenges([challenge_id], exclusive=exclusive)


def take_write_lock() -> bool:
    """On SQLite, start the transaction with ``BEGIN IMMEDIATE``; False on other databases.

    pysqlite opens a transaction only at the first write, so the reads before it see whatever
    other writers commit meanwhile. A transaction that already wrote holds the lock already.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return False
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    return True


def lock_ballot(participant_id: int, challenge_id: int, *, hold: bool = False) -> int:
    """Take the lock on this participant's ballot for the challenge; return the dots spent.

    One upsert: the ballot is created if missing, else written unchanged, which locks its row
    (PostgreSQL's ON CONFLICT DO UPDATE locks it as an UPDATE does). With ``hold`` on
    PostgreSQL, the same statement first takes the challenge's shared hold
    (``hold_challenge``): a vote's locks in one round trip. On SQLite the caller took the
    database's write lock already (``take_write_lock``).
    """
    statement = _lock_statement(db.session.get_bind().dialect.name, hold)
    return db.session.execute(
        statement, {"who": participant_id, "where": challenge_id}
    ).scalar_one()


@functools.cache
def _lock_statement(dialect: str, hold: bool = False):
    """``lock_ballot``'s upsert, built once per dialect (every vote runs it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # On the table, not the model: an ORM insert goes through the bulk-insert machinery, which
    # cost a vote more than the statement itself (py-spy of a gunicorn worker under wrk).
    ballots = Ballot.__table__
    who, where = bindparam("who", type_=Integer), bindparam("where", type_=Integer)
    if hold and dialect == "postgresql":
        # The row to insert comes out of the lock's call: the hold is taken before the ballot.
        held = select(hold_challenges_call(where, exclusive=False).label("held")).subquery()
        statement = insert(ballots).from_select(
            ["participant_id", "challenge_id", "dots_spent"],
            select(who, where, literal(0, Integer)).select_from(held),
        )
    else:
        statement = insert(ballots).values(participant_id=who, challenge_id=where, dots_spent=0)
    return statement.on_conflict_do_update(
        index_elements=[ballots.c.participant_id, ballots.c.challenge_id],
        set_={"dots_spent": ballots.c.dots_spent},
    ).returning(ballots.c.dots_spent)


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
    has_vote: bool | None = None,
    forum_id: int | None = None,
) -> int | None:
    """Add ``delta`` dots to the ballot and the vote, and record it. The ballot must be locked.

    Returns the new dots spent, or None when the budget refuses it (nothing is changed then).
    ``has_vote`` says whether the vote row exists, when the caller read it under the lock;
    ``forum_id`` the idea's forum, when the caller knows it (else it is read at the commit).
    Knowing both on PostgreSQL, the four writes are one statement (``_move_in_one``).
    """
    now = utcnow()
    keys = {
        "who": participant_id,
        "where": idea.challenge_id,
        "what": idea.id,
        "delta": delta,
        "now": now,
    }
    entry = {
        "reason": reason,
        "assisted": assisted,
        "staff_id": staff_id,
        "related_idea_id": related_idea_id,
    }
    if (
        has_vote is not None
        and forum_id is not None
        and db.session.get_bind().dialect.name == "postgresql"
    ):
        return db.session.execute(
            _move_in_one(has_vote),
            {**keys, **entry, "budget": budget, "forum_id": forum_id},
        ).scalar_one_or_none()
    spend, add_to_vote, new_vote, record = _move_statements()
    spent = db.session.execute(spend, {**keys, "budget": budget}).scalar_one_or_none()
    if spent is None:
        return None
    if forum_id is None:
        mark_challenge_changed(idea.challenge_id)
    else:
        mark_changed(forum_id)
    changed = 0
    if has_vote is not False:
        changed = db.session.execute(add_to_vote, keys).rowcount
    # Core statements on the tables: no unit of work to flush for rows nobody reads back.
    if not changed:
        db.session.execute(new_vote, keys)
    db.session.execute(record, {**keys, **entry})
    return spent


@functools.cache
def _move_statements():
    """``move_dots``'s four statements, built once (a vote runs them all): the ballot's
    conditional UPDATE, the vote's UPDATE or INSERT, the ledger's INSERT."""
    ballots, votes, ledger = Ballot.__table__, Vote.__table__, LedgerEntry.__table__
    who, where, what = (bindparam(name, type_=Integer) for name in ("who", "where", "what"))
    delta, now = bindparam("delta", type_=Integer), bindparam("now", type_=DateTime)
    spend = (
        update(ballots)
        .where(
            ballots.c.participant_id == who,
            ballots.c.challenge_id == where,
            ballots.c.dots_spent + delta <= bindparam("budget", type_=Integer),
            ballots.c.dots_spent + delta >= 0,
        )
        .values(dots_spent=ballots.c.dots_spent + delta)
        .returning(ballots.c.dots_spent)
    )
    add_to_vote = (
        update(votes)
        .where(votes.c.participant_id == who, votes.c.idea_id == what)
        .values(dots=votes.c.dots + delta, updated_at=now)
    )
    new_vote = insert(votes).values(
        participant_id=who,
        idea_id=what,
        challenge_id=where,
        dots=delta,
        category=select(Participant.category).where(Participant.id == who).scalar_subquery(),
        updated_at=now,
    )
    record = insert(ledger).values(
        challenge_id=where,
        idea_id=what,
        participant_id=who,
        delta=delta,
        reason=bindparam("reason"),
        assisted=bindparam("assisted", type_=Boolean),
        staff_id=bindparam("staff_id"),
        related_idea_id=bindparam("related_idea_id"),
        created_at=now,
    )
    return spend, add_to_vote, new_vote, record


@functools.cache
def _move_in_one(has_vote: bool):
    """PostgreSQL: ``_move_statements`` and the forum's version bump in one statement, built
    once for each case (a vote on the idea already, or not).

    The ballot's conditional UPDATE is a CTE; the vote's write, the ledger's entry and the
    version's bump each take one row from it, so when the budget refuses the change (no row)
    none of them writes anything and the statement returns no row. PostgreSQL runs every
    data-modifying CTE once, whether or not the main query reads it. A vote was 9 round trips
    with these as four statements, 6 now (tests/test_votes_views.py).
    """
    spend, add_to_vote, _new_vote, _record = _move_statements()
    votes, ledger = Vote.__table__, LedgerEntry.__table__
    who, where, what = (bindparam(name, type_=Integer) for name in ("who", "where", "what"))
    delta, now = bindparam("delta", type_=Integer), bindparam("now", type_=DateTime)
    spent = spend.cte("spent")
    if has_vote:
        vote = add_to_vote.where(select(spent.c.dots_spent).exists())
    else:
        category = select(Participant.category).where(Participant.id == who).scalar_subquery()
        vote = insert(votes).from_select(
            ["participant_id", "idea_id", "challenge_id", "dots", "category", "updated_at"],
            select(who, what, where, delta, category, now).select_from(spent),
        )
    entry = insert(ledger).from_select(
        [
            "challenge_id",
            "idea_id",
            "participant_id",
            "delta",
            "reason",
            "assisted",
            "staff_id",
            "related_idea_id",
            "created_at",
        ],
        select(
            where,
            what,
            who,
            delta,
            bindparam("reason", type_=ledger.c.reason.type),
            bindparam("assisted", type_=Boolean),
            bindparam("staff_id", type_=Integer),
            bindparam("related_idea_id", type_=Integer),
            now,
        ).select_from(spent),
    )
    bumped = bump_for_each(bindparam("forum_id", type_=Integer), spent)
    return select(spent.c.dots_spent).add_cte(
        vote.cte("vote"), entry.cte("entry"), bumped.cte("bumped")
    )


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
        raise Unknown()
    budget, cap = forum.dot_budget, forum.dot_cap
    if target < 0:
        raise RuleError(_l("The number of dots cannot be negative."))
    if target > cap:
        raise RuleError(
            ngettext("At most %(num)d dot on one idea.", "At most %(num)d dots on one idea.", cap)
        )

    # The challenge's shared hold and the ballot's lock: one statement on PostgreSQL, the
    # database's write lock then the ballot on SQLite.
    take_write_lock()
    spent = lock_ballot(participant.id, challenge.id, hold=True)
    # Read under the lock: a facilitator may have closed voting or hidden the idea meanwhile;
    # with the dots already on the idea (``dots_on_idea``) in the same statement.
    phase, status, current = db.session.execute(
        _rule_read(), {"who": participant.id, "what": idea.id}
    ).one()
    if phase != "voting":
        raise RuleError(_l("Voting is not open on this challenge."))
    if status != "visible":
        raise RuleError(_l("This idea can no longer receive dots."))

    delta = target - (current or 0)
    if delta:
        new_spent = move_dots(
            participant.id,
            idea,
            delta,
            budget=budget,
            assisted=assisted,
            staff_id=staff_id,
            has_vote=current is not None,
            forum_id=challenge.forum_id,
        )
        if new_spent is None:
            raise RuleError(_l("You have no dots left in this challenge."))
        spent = new_spent
    return DotsState(idea_id=idea.id, dots=target, spent=spent, budget=budget, cap=cap)


@functools.cache
def _rule_read():
    """What ``set_dots`` reads under the lock, built once: the challenge's phase, the idea's
    status and the dots this person has on it."""
    who, what = bindparam("who", type_=Integer), bindparam("what", type_=Integer)
    challenges, ideas, votes = Challenge.__table__, Idea.__table__, Vote.__table__
    return (
        select(challenges.c.phase, ideas.c.status, votes.c.dots)
        .join(ideas, ideas.c.challenge_id == challenges.c.id)
        .outerjoin(votes, (votes.c.idea_id == ideas.c.id) & (votes.c.participant_id == who))
        .where(ideas.c.id == what)
    )


def my_dots(participant: Participant | None, challenge: Challenge) -> dict[int, int]:
    if participant is None:
        return {}
    rows = db.session.execute(
        _person_statements()[0], {"who": participant.id, "where": challenge.id}
    )
    return dict(rows.all())


def dots_spent(participant: Participant | None, challenge: Challenge) -> int:
    if participant is None:
        return 0
    spent = db.session.execute(
        _person_statements()[1], {"who": participant.id, "where": challenge.id}
    ).scalar()
    return spent or 0


@functools.cache
def _person_statements():
    """``my_dots`` and ``dots_spent``, built once: every challenge page runs both."""
    who, where = bindparam("who", type_=Integer), bindparam("where", type_=Integer)
    votes, ballots = Vote.__table__.c, Ballot.__table__.c
    mine = select(votes.idea_id, votes.dots).where(
        votes.participant_id == who, votes.challenge_id == where, votes.dots > 0
    )
    spent = select(ballots.dots_spent).where(
        ballots.participant_id == who, ballots.challenge_id == where
    )
    return mine, spent


def spent_by_challenge(participant: Participant | None) -> dict[int, int]:
    if participant is None:
        return {}
    rows = db.session.execute(
        select(Ballot.challenge_id, Ballot.dots_spent).where(
            Ballot.participant_id == participant.id
        )
    )
    return dict(rows.all())


def idea_totals(
    challenge_ids: list[int] | None = None, *, idea_ids: list[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Dots and distinct supporters per idea, for the given challenges or the given ideas."""
    if not (challenge_ids or idea_ids):
        return {}
    which = Vote.challenge_id.in_(challenge_ids) if challenge_ids else Vote.idea_id.in_(idea_ids)
    rows = db.session.execute(
        select(Vote.idea_id, func.sum(Vote.dots), func.count())
        .where(and_(which, Vote.dots > 0))
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


def rule_breaches(challenge_ids: list[int]) -> list[str]:
    """Every broken rule in these challenges, named; [] when the dots are all as they must be.

    The arithmetic (ledger replay equals the stored votes, ballots equal the sum of their
    votes) and the rules themselves: no dots on an idea that is not visible, no holding over
    the cap, no ballot over the budget, nothing negative.
    """
    if not challenge_ids:
        return []
    problems = ledger_differences(challenge_ids)
    held = db.session.execute(
        select(
            Vote.participant_id,
            Vote.idea_id,
            Vote.dots,
            Idea.status,
            Forum.dot_cap * func.coalesce(PaperSheet.people, 1),
        )
        .join(Idea, Idea.id == Vote.idea_id)
        .outerjoin(PaperSheet, PaperSheet.participant_id == Vote.participant_id)
        .join(Challenge, Challenge.id == Vote.challenge_id)
        .join(Forum, Forum.id == Challenge.forum_id)
        .where(Vote.challenge_id.in_(challenge_ids), Vote.dots != 0)
        .order_by(Vote.idea_id, Vote.participant_id)
    )
    for participant_id, idea_id, dots, status, cap in held:
        where = f"participant {participant_id} idea {idea_id}"
        if dots < 0:
            problems.append(f"{where}: {dots} dots (negative)")
        if dots > cap:
            problems.append(f"{where}: {dots} dots over the cap of {cap}")
        if status != "visible":
            problems.append(f"{where}: {dots} dots on an idea that is {status}")
    # A printed sheet's ballot holds its people's budgets (``people_behind``).
    budget = Forum.dot_budget * func.coalesce(PaperSheet.people, 1)
    ballots = db.session.execute(
        select(Ballot.participant_id, Ballot.challenge_id, Ballot.dots_spent, budget)
        .join(Challenge, Challenge.id == Ballot.challenge_id)
        .join(Forum, Forum.id == Challenge.forum_id)
        .outerjoin(PaperSheet, PaperSheet.participant_id == Ballot.participant_id)
        .where(
            Ballot.challenge_id.in_(challenge_ids),
            (Ballot.dots_spent > budget) | (Ballot.dots_spent < 0),
        )
        .order_by(Ballot.challenge_id, Ballot.participant_id)
    )
    problems += [
        f"participant {p} challenge {c}: ballot of {spent} dots outside the budget of {budget}"
        for p, c, spent, budget in ballots
    ]
    return problems


def _sums(stmt) -> dict[tuple[int, int], int]:
    return {(a, b): int(total or 0) for a, b, total in db.session.execute(stmt)}


# --- staff moves: hides, merges, assisted voting, notices -------------------------------------


@dataclass(frozen=True)
class DotsReturned:
    """What a staff change did to one participant's dots on an idea."""

    participant_id: int
    moved: int
    refunded: int


def _holders(idea_id: int) -> list[tuple[int, int]]:
    return list(
        db.session.execute(
            select(Vote.participant_id, Vote.dots)
            .where(Vote.idea_id == idea_id, Vote.dots > 0)
            .order_by(Vote.participant_id)
        ).all()
    )


def people_behind(participant_ids: list[int]) -> dict[int, int]:
    """How many people each holder stands for: a printed sheet's people (``votes/paper.py``),
    1 for anyone else. A holder's budget and cap are these times the forum's."""
    if not participant_ids:
        return {}
    sheets = dict(
        db.session.execute(
            select(PaperSheet.participant_id, PaperSheet.people).where(
                PaperSheet.participant_id.in_(participant_ids)
            )
        ).all()
    )
    return {pid: sheets.get(pid, 1) for pid in participant_ids}


def refund_idea(idea: Idea, *, staff_id: int | None) -> list[DotsReturned]:
    """Give every dot on ``idea`` back to its voter (the idea is being hidden).

    Takes the challenge exclusively first, so no vote can land on the idea between the
    refund and the caller's status change; each voter's ballot is locked as a vote would.
    """
    budget = idea.challenge.forum.dot_budget
    hold_challenge(idea.challenge_id, exclusive=True)
    returned = []
    holders = _holders(idea.id)
    people = people_behind([pid for pid, _ in holders])
    for participant_id, dots in holders:
        lock_ballot(participant_id, idea.challenge_id)
        spent = move_dots(
            participant_id,
            idea,
            -dots,
            budget=budget * people[participant_id],
            reason="hide",
            staff_id=staff_id,
        )
        if spent is None:  # the ballot disagrees with the votes: never carry on half-way
            raise RuntimeError(f"ballot of participant {participant_id} is inconsistent")
        returned.append(DotsReturned(participant_id, 0, dots))
        _notify(participant_id, "hide", idea=idea.id, refunded=dots)
    return returned


def merge_dots(source: Idea, target: Idea, *, staff_id: int | None) -> list[DotsReturned]:
    """Move each voter's dots from ``source`` to ``target`` within the cap; refund the rest.

    A voter who already holds dots on the target keeps at most the cap there; the excess goes
    back to their budget. Both legs are in the ledger with reason "merge" and point at the
    other idea, so the audit trail says where every dot went.
    """
    forum = source.challenge.forum
    hold_challenge(source.challenge_id, exclusive=True)
    holders = _holders(source.id)
    on_target = dict(
        db.session.execute(
            select(Vote.participant_id, Vote.dots).where(
                Vote.idea_id == target.id,
                Vote.participant_id.in_([pid for pid, _ in holders]),
            )
        ).all()
    )
    returned = []
    people = people_behind([pid for pid, _ in holders])
    for participant_id, dots in holders:
        lock_ballot(participant_id, source.challenge_id)
        cap = forum.dot_cap * people[participant_id]
        moving = min(dots, max(0, cap - on_target.get(participant_id, 0)))
        legs = [(source, -dots, target.id)] + ([(target, moving, source.id)] if moving else [])
        for idea, delta, related in legs:
            spent = move_dots(
                participant_id,
                idea,
                delta,
                budget=forum.dot_budget * people[participant_id],
                reason="merge",
                staff_id=staff_id,
                related_idea_id=related,
            )
            if spent is None:
                raise RuntimeError(f"ballot of participant {participant_id} is inconsistent")
        returned.append(DotsReturned(participant_id, moving, dots - moving))
        _notify(
            participant_id,
            "merge",
            idea=source.id,
            target=target.id,
            moved=moving,
            refunded=dots - moving,
        )
    return returned


def dots_of(participant: Participant) -> dict[int, int]:
    """Every idea this participant holds dots on, in all challenges."""
    rows = db.session.execute(
        select(Vote.idea_id, Vote.dots).where(Vote.participant_id == participant.id, Vote.dots > 0)
    )
    return dict(rows.all())


def holdings(participant: Participant, challenge_ids: list[int]) -> dict[int, list[tuple]]:
    """The participant's dots in these challenges: per challenge, (idea, dots) by idea number."""
    if not challenge_ids:
        return {}
    rows = db.session.execute(
        select(Idea, Vote.dots)
        .join(Vote, Vote.idea_id == Idea.id)
        .where(
            Vote.participant_id == participant.id,
            Vote.challenge_id.in_(challenge_ids),
            Vote.dots > 0,
        )
        .order_by(Idea.challenge_id, Idea.id)
    ).all()
    out: dict[int, list[tuple]] = {}
    for idea, dots in rows:
        out.setdefault(idea.challenge_id, []).append((idea, dots))
    return out
