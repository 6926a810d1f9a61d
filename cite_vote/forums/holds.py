"""A challenge's hold on PostgreSQL: "dots move in this challenge", shared or exclusive.

Every vote shares its challenge's hold; a phase move, a merge, a hide or a restore takes it
alone (``votes.services.hold_challenge``, ``forums.services.move_phase``), so a vote is either
counted before voting closes (or before an idea's dots are refunded) or refused after. It is a
transaction-level advisory lock, released by the commit or the rollback: it lives in the
server's lock table, not in the challenge's row, which a share lock taken by every vote of the
room would rewrite each time. SQLite has no such locks; there the database's write lock stands
for the hold (``votes.services.take_write_lock``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, literal, select

from cite_vote.extensions import db

# The first key of the two-key advisory lock: which kind of thing is held (a challenge).
CHALLENGE = 21


def hold_challenges_call(challenge_id, *, exclusive: bool):
    """The SQL call that takes the hold (``challenge_id`` a value, a bind or a column)."""
    take = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    return take(literal(CHALLENGE), challenge_id)


def hold_challenges(challenge_ids: Iterable[int], *, exclusive: bool) -> None:
    """Take the hold of each challenge, in the order of their ids (PostgreSQL only)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for challenge_id in sorted(set(challenge_ids)):
        db.session.execute(select(hold_challenges_call(challenge_id, exclusive=exclusive))).all()
