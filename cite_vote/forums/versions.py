"""Each forum's version: one number that every change the room sees makes larger.

Polls (the phone's phase poll, the projector) and cached idea cards are keyed by it. It lives
in the database (``forum_versions``), so every worker on every host reads the same number, and
it is bumped in the same transaction as the change itself: a reader never sees the change
without the new number, nor the new number without the change.

Nothing has to remember to bump it. The watcher in ``cite_vote.change_watch`` (above the
domains: it knows every model) marks the forum of whatever a flush added, changed or deleted,
and bumps the forums marked just before the commit; the few services that write with Core
statements (a vote, a merge moving comments, the screen's pin) call ``mark_changed`` themselves.
This module holds the marks and the number.

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

from sqlalchemy import bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, ForumVersion

_KEY = "cite_vote.changed_forums"

# How many rows a forum's version may span on PostgreSQL: server processes' ids are consecutive
# numbers, so the connections of a server's pool rarely share a slot.
SLOTS = 64


def marks(session: Session) -> dict[str, set[int]]:
    """What this transaction marked so far: forums, and challenges and ideas whose forum is
    looked up at the commit (``cite_vote.change_watch``)."""
    return session.info.setdefault(_KEY, {"forum": set(), "challenge": set(), "idea": set()})


def take_marks(session: Session) -> dict[str, set[int]] | None:
    """The marks, forgotten by the session (at the commit or a rollback)."""
    return session.info.pop(_KEY, None)


def has_marks(session: Session) -> bool:
    return session.info.get(_KEY) is not None


def mark_changed(forum_id: int, session: Session | None = None) -> None:
    """For a change made with a Core statement, which the session's flush does not see."""
    marks(session or db.session())["forum"].add(forum_id)


def mark_challenge_changed(challenge_id: int, session: Session | None = None) -> None:
    """The same, for a Core statement that changed something of a challenge (a vote)."""
    session = session or db.session()
    challenge_forum(session, challenge_id, marks(session))


def challenge_forum(session: Session, challenge_id: int | None, marks) -> None:
    """Mark the challenge's forum, or the challenge when its forum is not loaded."""
    if challenge_id is None:
        return
    loaded = session.identity_map.get(session.identity_key(Challenge, challenge_id))
    if loaded is not None and loaded.forum_id is not None:
        marks["forum"].add(loaded.forum_id)
    else:
        marks["challenge"].add(challenge_id)


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


def bump_for_each(forum_id, rows):
    """PostgreSQL: the bump of ``forum_id``'s slot as part of a larger statement, once for each
    row of ``rows`` (a CTE): a vote's writes bump the version in the statement that makes them
    (``votes.services.move_dots``), not in a round trip of their own at the commit."""
    table = ForumVersion.__table__
    return (
        pg_insert(table)
        .from_select(
            ["forum_id", "slot", "version"],
            select(forum_id, func.pg_backend_pid() % SLOTS, literal(1)).select_from(rows),
        )
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
