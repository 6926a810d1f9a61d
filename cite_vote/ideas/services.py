"""Ideas and comments: proposing, listing, ordering."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import NamedTuple

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.orm import selectinload

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import can_comment, can_propose
from cite_vote.forums.setup import renumber_challenges
from cite_vote.ideas.models import TEXT_MAX, TITLE_MAX, Comment, Idea
from cite_vote.refusals import RuleError, Unknown

# An idea's status as people read it (moderation, the downloads); the code keeps the keys.
IDEA_STATUS_LABELS = {
    "visible": _l("Published"),
    "pending": _l("Waiting for review"),
    "hidden": _l("Hidden"),
    "merged": _l("Merged"),
}


def _clean(text: str | None, limit: int, *, required: bool, empty: str, too_long: str) -> str:
    value = (text or "").strip()
    if required and not value:
        raise RuleError(empty)
    if len(value) > limit:
        raise RuleError(too_long)
    return value


def propose_idea(
    challenge: Challenge,
    participant: Participant,
    title: str,
    description: str = "",
    *,
    show_author_name: bool = False,
) -> Idea:
    if challenge.forum_id != participant.forum_id:
        raise Unknown()
    if not can_propose(challenge):
        raise RuleError(_l("Ideas can no longer be proposed on this challenge."))
    idea = Idea(
        challenge_id=challenge.id,
        author_id=participant.id,
        author_category=participant.category,
        show_author_name=bool(show_author_name and participant.display_name),
        title=_clean(
            title,
            TITLE_MAX,
            required=True,
            empty=_l("Give your idea a title."),
            too_long=_l("The title is too long."),
        ),
        description=_clean(
            description,
            TEXT_MAX,
            required=False,
            empty="",
            too_long=_l("The description is too long."),
        ),
        status="pending" if challenge.forum.premoderation else "visible",
    )
    db.session.add(idea)
    db.session.flush()
    return idea


def add_comment(idea: Idea, participant: Participant, body: str) -> Comment:
    challenge = idea.challenge
    if challenge.forum_id != participant.forum_id:
        raise Unknown()
    if idea.status != "visible":
        raise RuleError(_l("This idea can no longer be commented on."))
    if not can_comment(challenge):
        raise RuleError(_l("Comments are closed on this challenge."))
    comment = Comment(
        idea_id=idea.id,
        author_id=participant.id,
        author_category=participant.category,
        body=_clean(
            body,
            TEXT_MAX,
            required=True,
            empty=_l("Write a comment first."),
            too_long=_l("The comment is too long."),
        ),
        status="pending" if challenge.forum.premoderation else "visible",
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def idea_in_forum(forum: Forum, idea_id: int, *, participant: Participant | None = None) -> Idea:
    """An idea a participant may see in this forum, or 404 (unknown, foreign, hidden)."""
    idea = db.session.scalar(
        select(Idea).options(selectinload(Idea.challenge)).where(Idea.id == idea_id)
    )
    return seen_in_forum(forum, idea, participant=participant)


def seen_in_forum(forum: Forum, idea: Idea | None, *, participant: Participant | None) -> Idea:
    """``idea`` if a participant may see it in this forum, or 404 (unknown, foreign, hidden)."""
    if idea is None or idea.challenge.forum_id != forum.id or idea.challenge.archived:
        abort(404)
    visible = idea.status in ("visible", "merged") or (
        idea.status == "pending" and participant is not None and idea.author_id == participant.id
    )
    if not visible:
        abort(404)
    return idea


class AuthorName(NamedTuple):
    display_name: str | None


class CardIdea(NamedTuple):
    """What an idea's card shows of it (``templates/ideas/_idea.html``), as plain values: the
    challenge page lists thirty of them, and loading them as ORM objects with their authors
    cost more than rendering the page (``bench/profile.py``). Named tuples: made five times
    faster than frozen dataclasses, sixty on every challenge page."""

    id: int
    title: str
    description: str | None
    author_category: str | None
    show_author_name: bool
    author: AuthorName | None
    comments: int  # visible ones: the count the card shows


def card_ideas(challenge_id: int) -> list[CardIdea]:
    """The challenge's visible ideas, newest first, for their cards, with their comment counts
    (``comment_counts``) read in the same statement."""
    return [
        CardIdea(
            row.id,
            row.title,
            row.description,
            row.author_category,
            bool(row.show_author_name),
            AuthorName(row.author_name) if row.author_id is not None else None,
            row.comments,
        )
        for row in db.session.execute(_card_ideas_statement(), {"challenge_id": challenge_id})
    ]


@functools.cache
def _card_ideas_statement():
    # Core columns of the tables: no ORM compile step for a statement that loads no object.
    ideas, author = Idea.__table__.c, Participant.__table__.alias("author")
    comments = Comment.__table__.c
    visible_comments = (
        select(func.count())
        .where(comments.idea_id == ideas.id, comments.status == "visible")
        .scalar_subquery()
    )
    return (
        select(
            ideas.id,
            ideas.title,
            ideas.description,
            ideas.author_category,
            ideas.show_author_name,
            ideas.author_id,
            author.c.display_name.label("author_name"),
            visible_comments.label("comments"),
        )
        .outerjoin(author, author.c.id == ideas.author_id)
        .where(
            ideas.challenge_id == bindparam("challenge_id", type_=Integer),
            ideas.status == "visible",
        )
        .order_by(ideas.created_at.desc(), ideas.id.desc())
    )


@dataclass(frozen=True, slots=True)
class PendingIdea:
    id: int
    title: str


def own_pending_ideas(challenge: Challenge, participant: Participant) -> list[PendingIdea]:
    """With pre-moderation, authors see their own ideas waiting for a facilitator (their
    titles: every challenge page asks, and almost always gets none)."""
    rows = db.session.execute(
        _own_pending_statement(), {"where": challenge.id, "who": participant.id}
    )
    return [PendingIdea(row.id, row.title) for row in rows]


@functools.cache
def _own_pending_statement():
    ideas = Idea.__table__.c
    return (
        select(ideas.id, ideas.title)
        .where(
            ideas.challenge_id == bindparam("where", type_=Integer),
            ideas.status == "pending",
            ideas.author_id == bindparam("who", type_=Integer),
        )
        .order_by(ideas.id)
    )


def comment_counts(idea_ids: list[int]) -> dict[int, int]:
    if not idea_ids:
        return {}
    return dict(db.session.execute(_comment_counts_statement(), {"ids": idea_ids}).all())


@functools.cache
def _comment_counts_statement():
    """Built once (every challenge page runs it): the IN list is expanded at execution."""
    comments = Comment.__table__.c
    return (
        select(comments.idea_id, func.count())
        .where(comments.idea_id.in_(bindparam("ids", expanding=True)), comments.status == "visible")
        .group_by(comments.idea_id)
    )


def visible_comments(idea: Idea, participant: Participant | None) -> list[Comment]:
    stmt = select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.created_at)
    comments = db.session.scalars(stmt).all()
    return [
        c
        for c in comments
        if c.status == "visible"
        or (c.status == "pending" and participant and c.author_id == participant.id)
    ]


def personal_order(ideas: list[Idea], participant: Participant) -> list[Idea]:
    """Each participant sees the ideas in an order of their own, stable across reloads.

    The key hashes the participant's seed with the idea id, so an idea keeps its place for
    that person and a new idea slots in without reshuffling the others.
    """

    return sorted(ideas, key=lambda idea: position_key(participant.shuffle_seed, idea.id))


def position_key(seed: int, idea_id: int) -> bytes:
    """Where an idea goes in the order of the participant with ``seed``: the results recompute
    each voter's screen with it (results.bias), so it must stay the one ``personal_order`` uses.
    """
    return hashlib.sha256(f"{seed}:{idea_id}".encode()).digest()


# --- organisers ------------------------------------------------------------------------------


def idea_count(challenge: Challenge) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Idea).where(Idea.challenge_id == challenge.id)
    )


def delete_empty_challenge(forum: Forum, challenge: Challenge) -> None:
    """Only an empty challenge is deleted: ideas, comments and dots are never thrown away."""
    if idea_count(challenge):
        raise RuleError(
            _l("This challenge already has ideas, so it cannot be deleted: archive it instead.")
        )
    db.session.delete(challenge)
    db.session.flush()
    renumber_challenges(forum)
