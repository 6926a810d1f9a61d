"""Forums, challenges and phases (join codes: ``forums.join_codes``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Dialect,
    Select,
    String,
    Table,
    and_,
    bindparam,
    func,
    select,
)

from cite_vote.extensions import db
from cite_vote.forums.holds import hold_challenges
from cite_vote.forums.join_codes import new_join_code
from cite_vote.forums.models import PHASES, Challenge, Forum, PhaseChange
from cite_vote.refusals import RuleError
from cite_vote.timeutil import utcnow

PHASE_LABELS = {
    "draft": _l("Not open yet"),
    "proposing": _l("Proposing ideas"),
    "voting": _l("Voting"),
    "closed": _l("Closed"),
}


def forum_by_slug(slug: str) -> Forum:
    """Load a forum or answer 404."""
    forum = db.session.scalars(_forum_by_slug_statement(), {"slug": slug}).first()
    if forum is None:
        abort(404)
    return forum


@functools.cache
def _forum_by_slug_statement():
    """Built once: most pages start with it."""
    return select(Forum).where(Forum.slug == bindparam("slug", type_=String))


def challenge_in_forum(forum: Forum, challenge_id: int) -> Challenge:
    """A challenge of this forum, or 404: an id from another forum is as unknown as no id."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.forum_id != forum.id or challenge.archived:
        abort(404)
    return challenge


def challenge_by_position(forum: Forum, position: int) -> Challenge | None:
    return db.session.scalar(
        select(Challenge).where(Challenge.forum_id == forum.id, Challenge.position == position)
    )


def active_challenges(forum: Forum) -> Select[tuple[Challenge]]:
    return (
        select(Challenge)
        .where(Challenge.forum_id == forum.id, Challenge.archived.is_(False))
        .order_by(Challenge.position)
    )


def create_forum(
    *,
    slug: str,
    title: str,
    description: str = "",
    categories: list[str] | None = None,
    dot_budget: int = 5,
    dot_cap: int = 3,
    join_code: str | None = None,
    **settings,
) -> Forum:
    forum = Forum(
        slug=slug,
        title=title,
        description=description,
        categories=list(categories or []),
        dot_budget=dot_budget,
        dot_cap=dot_cap,
        join_code=join_code or new_join_code(),
        **settings,
    )
    db.session.add(forum)
    db.session.flush()
    return forum


def add_challenge(
    forum: Forum, *, title: str, question: str = "", description: str = "", phase: str = "draft"
) -> Challenge:
    last = db.session.scalar(
        select(func.max(Challenge.position)).where(Challenge.forum_id == forum.id)
    )
    challenge = Challenge(
        forum_id=forum.id,
        position=(last or 0) + 1,
        title=title,
        question=question,
        description=description,
        phase=phase,
    )
    db.session.add(challenge)
    db.session.flush()
    if phase != "draft":
        _record_phase(challenge, None, phase, challenge.phase_changed_at)
    return challenge


def _record_phase(challenge: Challenge, previous: str | None, phase: str, at: datetime) -> None:
    """Keep when each phase opened: the cahier's method says it (``phase_times``)."""
    db.session.add(PhaseChange(challenge_id=challenge.id, previous=previous, phase=phase, at=at))


def open_to_participants(challenge: Challenge) -> bool:
    """Participants (and the screen) see a challenge once it leaves draft, unless archived.

    The rule's one home, in three forms that must agree (``tests/test_forums_services.py``):
    this one for a loaded challenge, ``open_to_participants_clause`` for a query, and
    ``open_to_participants_sql`` for the raw SQL of the polls answered before Flask.
    """
    return not challenge.archived and challenge.phase != "draft"


def open_to_participants_clause(challenges: Table | None = None) -> ColumnElement[bool]:
    """``open_to_participants`` as a WHERE clause on the columns of ``challenges`` (the
    challenges table, or an alias of it), for ORM and Core selects alike."""
    challenges = Challenge.__table__ if challenges is None else challenges
    return and_(challenges.c.archived.is_(False), challenges.c.phase != "draft")


_OPEN_TO_PARTICIPANTS_SQL: dict[str, str] = {}


def open_to_participants_sql(dialect: Dialect) -> str:
    """``open_to_participants_clause`` as SQL text for this dialect, compiled once per dialect
    with its values written in (booleans differ: ``IS 0`` in SQLite, ``IS false`` in
    PostgreSQL). It names the table ``challenges``."""
    sql = _OPEN_TO_PARTICIPANTS_SQL.get(dialect.name)
    if sql is None:
        compiled = open_to_participants_clause().compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        sql = _OPEN_TO_PARTICIPANTS_SQL.setdefault(dialect.name, str(compiled))
    return sql


def participant_challenges(forum: Forum) -> Select[tuple[Challenge]]:
    """The challenges a participant sees, in their order."""
    return (
        select(Challenge)
        .where(Challenge.forum_id == forum.id, open_to_participants_clause())
        .order_by(Challenge.position)
    )


def can_propose(challenge: Challenge) -> bool:
    return challenge.phase == "proposing"


def can_comment(challenge: Challenge) -> bool:
    return challenge.phase in ("proposing", "voting")


def can_vote(challenge: Challenge) -> bool:
    return challenge.phase == "voting"


def totals_visible(challenge: Challenge) -> bool:
    """Participants see others' totals once closed, or during voting if the forum says so."""
    return challenge.phase == "closed" or (
        challenge.phase == "voting" and challenge.forum.show_totals_during_voting
    )


# --- running the room (facilitators) ---------------------------------------------------------


class ConfirmationNeeded(Exception):
    """Moving a challenge back a phase undoes what people expect: it is done only once confirmed.

    ``moves`` lists (challenge, from phase, to phase) for every challenge that would go back.
    """

    def __init__(self, moves: list[tuple[Challenge, str, str]]):
        super().__init__("confirmation needed")
        self.moves = moves


@dataclass(frozen=True)
class PhaseMove:
    """The challenges a phase change named, and those of them whose phase it changed."""

    targets: list[Challenge]
    moved: list[Challenge]


def next_phase(phase: str) -> str | None:
    at = PHASES.index(phase)
    return PHASES[at + 1] if at + 1 < len(PHASES) else None


def previous_phase(phase: str) -> str | None:
    at = PHASES.index(phase)
    return PHASES[at - 1] if at > 0 else None


def move_phase(
    forum: Forum, phase: str, challenge: Challenge | None = None, *, confirmed: bool = False
) -> PhaseMove:
    """The forums' rule of a phase change: one challenge (or all) to ``phase``, forward at once,
    backward only when confirmed. Called only by ``votes.phases.change_phase``, which seals the
    ledger of every challenge it closes in the same transaction.

    Going back reopens what people were told was over (proposals after voting began, votes
    after results were frozen), so a second, deliberate step is asked for.
    """
    if phase not in PHASES:
        raise RuleError(_l("Unknown phase."))
    targets = [challenge] if challenge else list(db.session.scalars(active_challenges(forum)))
    if not targets:
        raise RuleError(_l("This forum has no challenge yet."))
    # The exclusive lock on each challenge row waits for votes in flight, so a vote is either
    # counted before voting closes or refused after. The phases are read again under it: the
    # direction is judged on what another facilitator may just have set.
    db.session.execute(
        select(Challenge)
        .where(Challenge.id.in_([c.id for c in targets]))
        .order_by(Challenge.id)
        .with_for_update(key_share=True)  # votes' foreign keys share the row (forums.holds)
        .execution_options(populate_existing=True)
    ).all()
    hold_challenges([c.id for c in targets], exclusive=True)  # and votes in flight finish
    backward = [(c, c.phase, phase) for c in targets if PHASES.index(phase) < PHASES.index(c.phase)]
    if backward and not confirmed:
        raise ConfirmationNeeded(backward)
    now = utcnow()
    moved = []
    for target in targets:
        if target.phase != phase:
            _record_phase(target, target.phase, phase, now)
            target.phase = phase
            target.phase_changed_at = now
            moved.append(target)
    db.session.flush()
    return PhaseMove(targets=targets, moved=moved)
