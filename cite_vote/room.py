"""What a facilitator watches while running the room: phases and live counts per challenge."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, func, select

from cite_vote.accounts.models import Participant
from cite_vote.accounts.services import people_in_room
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import active_challenges
from cite_vote.ideas.models import Comment, Idea
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot

# The control page shows the joins of the last minutes, and points out a minute with more than
# this many: in an open forum every fresh cookie is a new participant with a full budget, so a
# script joining many times is the cheapest way to stuff ballots.
JOIN_MINUTES = 10
JOIN_BURST = 30


@dataclass
class ChallengeCounts:
    challenge: Challenge
    ideas: int = 0
    pending_ideas: int = 0
    comments: int = 0
    pending_comments: int = 0
    dots_spent: int = 0
    voters: int = 0


@dataclass
class RoomState:
    forum: Forum
    participants: int
    challenges: list[ChallengeCounts] = field(default_factory=list)
    # Joins per minute over the last JOIN_MINUTES minutes, the latest minute first.
    joins: list[int] = field(default_factory=list)

    @property
    def join_burst(self) -> int:
        """The most joins in one recent minute when it looks like a burst, else 0."""
        most = max(self.joins, default=0)
        return most if most > JOIN_BURST else 0

    @property
    def dots_available(self) -> int:
        """Dots the room can place in one challenge: every participant's budget."""
        return self.participants * self.forum.dot_budget

    @property
    def version(self) -> str:
        """Changes whenever anything shown on the control page changes (polling token)."""
        parts = [str(self.participants), ",".join(map(str, self.joins))]
        for c in self.challenges:
            parts.append(
                f"{c.challenge.id}:{c.challenge.phase}:{c.ideas}:{c.pending_ideas}:"
                f"{c.comments}:{c.pending_comments}:{c.dots_spent}:{c.voters}"
            )
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def room_state(forum: Forum) -> RoomState:
    """Counts per challenge in five queries, whatever the size of the room."""
    challenges = list(db.session.scalars(active_challenges(forum)))
    rows = {c.id: ChallengeCounts(c) for c in challenges}
    participants, joins = people_and_recent_joins(forum)
    ids = list(rows)
    if ids:
        for challenge_id, status, n in db.session.execute(
            select(Idea.challenge_id, Idea.status, func.count())
            .where(Idea.challenge_id.in_(ids), Idea.status.in_(("visible", "pending")))
            .group_by(Idea.challenge_id, Idea.status)
        ):
            if status == "visible":
                rows[challenge_id].ideas = n
            else:
                rows[challenge_id].pending_ideas = n
        for challenge_id, status, n in db.session.execute(
            select(Idea.challenge_id, Comment.status, func.count())
            .join(Idea, Idea.id == Comment.idea_id)
            .where(Idea.challenge_id.in_(ids), Comment.status.in_(("visible", "pending")))
            .group_by(Idea.challenge_id, Comment.status)
        ):
            if status == "visible":
                rows[challenge_id].comments = n
            else:
                rows[challenge_id].pending_comments = n
        for challenge_id, spent, voters in db.session.execute(
            select(
                Ballot.challenge_id,
                func.coalesce(func.sum(Ballot.dots_spent), 0),
                func.sum(case((Ballot.dots_spent > 0, 1), else_=0)),
            )
            .where(Ballot.challenge_id.in_(ids))
            .group_by(Ballot.challenge_id)
        ):
            rows[challenge_id].dots_spent = int(spent or 0)
            rows[challenge_id].voters = int(voters or 0)
    return RoomState(forum, participants, [rows[c.id] for c in challenges], joins)


def people_and_recent_joins(forum: Forum) -> tuple[int, list[int]]:
    """The people in the room, and joins (not assisted) per minute, latest first: one query.

    Each minute is a sliding window (the last 60 s, the 60 s before, ...), counted as
    differences of "joined since" sums, so that no date function differs between databases.
    """
    now = utcnow()
    since = [now - timedelta(minutes=k) for k in range(1, JOIN_MINUTES + 1)]
    sums = db.session.execute(
        select(
            people_in_room(forum).scalar_subquery(),
            *[
                func.coalesce(func.sum(case((Participant.created_at >= t, 1), else_=0)), 0)
                for t in since
            ],
        ).where(
            Participant.forum_id == forum.id,
            Participant.assisted.is_(False),
            # A phone has a token; a printed sheet's ballot holder (votes/paper.py) has none.
            Participant.token_hash.is_not(None),
            Participant.created_at >= since[-1],
        )
    ).one()
    people, *totals = (int(n or 0) for n in sums)
    return people, [totals[0]] + [totals[k] - totals[k - 1] for k in range(1, len(totals))]
