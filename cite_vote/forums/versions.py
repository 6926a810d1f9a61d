"""Each forum's version: one number that every change the room sees makes larger.

Polls (the phone's phase poll, the projector) and cached idea cards are keyed by it. It lives
in the database (``forum_versions``), so every worker on every host reads the same number, and
it is bumped in the same transaction as the change itself: a reader never sees the change
without the new number, nor the new number without the change.

Nothing has to remember to bump it. The session watches every flush: a forum, challenge,
participant, idea, comment, ballot, vote or ledger entry that was added, changed or deleted
marks its forum; the few services that write with Core statements (a vote, a merge moving
comments, the screen's pin) call ``mark_changed`` themselves. Just before the commit, the
forums marked get their number bumped, in the order of their ids, as the last statements of
the transaction: the row lock is taken after every other lock and held only for the commit,
so it cannot close a cycle of waits with the ballot and idea locks.

The number is the sum of a few rows (slots), and a writer bumps the slot of its database
connection (on PostgreSQL the server process's id modulo ``SLOTS``; SQLite has one writer at a
time and one slot). With one row per forum, every vote of the room took that row's lock and
held it until its commit was on disk, so the votes of a room committed one at a time (150 a
second at most on the two-core server of docs/performance.md, however many workers waited).
Every commit still makes the sum larger, and a reader still sees it, with the change, in one
statement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from itertools import chain

from sqlalchemy import bindparam, event, func, inspect, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum, ForumVersion

_KEY = "cite_vote.changed_forums"

# How many rows a forum's version may span on PostgreSQL: server processes' ids are consecutive
# numbers, so the connections of a server's pool rarely share a slot.
SLOTS = 64


def _marks(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_KEY, {"forum": set(), "challenge": set(), "idea": set()})


def mark_changed(forum_id: int, session: Session | None = None) -> None:
    """For a change made with a Core statement, which the session's flush does not see."""
    _marks(session or db.session())["forum"].add(forum_id)


def mark_challenge_changed(challenge_id: int, session: Session | None = None) -> None:
    """The same, for a Core statement that changed something of a challenge (a vote)."""
    session = session or db.session()
    _challenge_forum(session, challenge_id, _marks(session))


def _challenge_forum(session: Session, challenge_id: int | None, marks) -> None:
    if challenge_id is None:
        return
    loaded = session.identity_map.get(session.identity_key(Challenge, challenge_id))
    if loaded is not None and loaded.forum_id is not None:
        marks["forum"].add(loaded.forum_id)
    else:
        marks["challenge"].add(challenge_id)


def _mark(session: Session, obj, marks) -> None:
    from cite_vote.accounts.models import Participant
    from cite_vote.ideas.models import Comment, Idea
    from cite_vote.votes.models import Ballot, LedgerEntry, Vote

    if isinstance(obj, Forum):
        if obj.id is not None and obj not in session.deleted:
            marks["forum"].add(obj.id)
    elif isinstance(obj, Challenge | Participant):
        if obj.forum_id is not None:
            marks["forum"].add(obj.forum_id)
    elif isinstance(obj, Idea | Comment) and _unseen(obj):
        return
    elif isinstance(obj, Idea | Ballot | Vote | LedgerEntry):
        _challenge_forum(session, obj.challenge_id, marks)
    elif isinstance(obj, Comment) and obj.idea_id is not None:
        idea = session.identity_map.get(session.identity_key(Idea, obj.idea_id))
        if idea is not None:
            _challenge_forum(session, idea.challenge_id, marks)
        else:
            marks["idea"].add(obj.idea_id)


def _unseen(obj) -> bool:
    """An idea or comment waiting for moderation, before and after: only its author (and the
    staff pages, never cached) see it, so the room's version does not move for it."""
    history = inspect(obj).attrs.status.history
    return obj.status == "pending" and not any(
        before != "pending" for before in history.deleted or ()
    )


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context) -> None:
    marks = _marks(session)
    for obj in chain(session.new, session.deleted):
        _mark(session, obj, marks)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _mark(session, obj, marks)


def _forums_of(session: Session, marks) -> list[int]:
    from cite_vote.ideas.models import Idea

    forum_ids = set(marks["forum"])
    if marks["challenge"]:
        forum_ids.update(
            session.scalars(select(Challenge.forum_id).where(Challenge.id.in_(marks["challenge"])))
        )
    if marks["idea"]:
        forum_ids.update(
            session.scalars(
                select(Challenge.forum_id)
                .join(Idea, Idea.challenge_id == Challenge.id)
                .where(Idea.id.in_(marks["idea"]))
            )
        )
    return sorted(forum_ids)


@functools.cache
def _bump_statement(dialect: str):
    """Built once per dialect: it runs at the end of every write (a vote among them)."""
    table = ForumVersion.__table__
    if dialect == "postgresql":
        insert, slot = pg_insert, func.pg_backend_pid() % SLOTS
    else:
        insert, slot = sqlite_insert, literal(0)
    return (
        insert(table)
        .values(forum_id=bindparam("forum_id"), slot=slot, version=1)
        .on_conflict_do_update(
            index_elements=[table.c.forum_id, table.c.slot],
            set_={"version": table.c.version + 1},
        )
    )


def bump(session: Session, forum_ids: Iterable[int]) -> None:
    """One more on each forum's number (a row is made for a forum that has none yet)."""
    statement = _bump_statement(session.get_bind().dialect.name)
    for forum_id in forum_ids:
        session.execute(statement, {"forum_id": forum_id})


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if session.info.get(_KEY) is None and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # what is still pending is marked now, not after this hook
    marks = session.info.pop(_KEY, None)
    if not marks:
        return
    forum_ids = _forums_of(session, marks)
    if forum_ids:
        bump(session, forum_ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def version_of(forum_id):
    """The forum's number as a scalar subquery (``forum_id`` a column or a value)."""
    return (
        select(func.coalesce(func.sum(ForumVersion.version), 0))
        .where(ForumVersion.forum_id == forum_id)
        .scalar_subquery()
    )


# The same, for the raw SQL of the polls (``polls.py``): the forum ``f``'s number.
VERSION_SQL = "(SELECT coalesce(sum(v.version), 0) FROM forum_versions v WHERE v.forum_id = f.id)"


def forum_version(forum_id: int) -> int:
    """The forum's number now (0 for a forum that was never changed since the counter exists)."""
    return db.session.scalar(select(version_of(forum_id))) or 0
