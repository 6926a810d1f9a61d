"""What a vote reads before it writes, in one statement and as plain values.

A phone's vote needs the forum (its rule and its slug), the person holding the cookie, the idea
with its challenge, and what the idea's card shows. Loaded as ORM objects these cost more than
the vote's writes (identity map, instrumentation, four entities per row: ``bench/profile.py``);
read as columns into frozen dataclasses they cost one row. The dataclasses carry the attribute
names of the models, so the rules (``services.set_dots``, ``seen_in_forum``) and the card's
template read them as they read the models.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import String, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Comment, Idea


@dataclass(frozen=True, slots=True)
class ForumRow:
    id: int
    slug: str
    join_code: str
    dot_budget: int
    dot_cap: int
    show_totals_during_voting: bool


@dataclass(frozen=True, slots=True)
class ChallengeRow:
    id: int
    forum_id: int
    phase: str
    archived: bool
    forum: ForumRow


@dataclass(frozen=True, slots=True)
class AuthorRow:
    display_name: str | None


@dataclass(frozen=True, slots=True)
class IdeaRow:
    id: int
    challenge_id: int
    status: str
    author_id: int | None
    title: str
    description: str | None
    author_category: str | None
    show_author_name: bool
    author: AuthorRow | None
    challenge: ChallengeRow


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    id: int
    forum_id: int


@dataclass(frozen=True, slots=True)
class VoteTarget:
    """The forum, the person (None without a valid cookie), the idea (None when it is not in
    the forum's database at all) and the idea's number of visible comments."""

    forum: ForumRow
    participant: ParticipantRow | None
    idea: IdeaRow | None
    comments: int


def vote_target(slug: str, token_hash: str | None, idea_id: int) -> VoteTarget | None:
    """The forum called ``slug``, the participant holding ``token_hash`` in it and the idea, or
    None for an unknown forum. The caller answers as ``forum_by_slug``, ``require_participant``
    and ``seen_in_forum`` do (404, the join page, 404)."""
    row = db.session.execute(
        _statement(), {"slug": slug, "token_hash": token_hash or "", "idea_id": idea_id}
    ).first()
    if row is None:
        return None
    forum = ForumRow(
        row.forum_id,
        slug,
        row.join_code,
        row.dot_budget,
        row.dot_cap,
        bool(row.show_totals_during_voting),
    )
    participant = (
        ParticipantRow(row.participant_id, forum.id) if row.participant_id is not None else None
    )
    idea = None
    if row.idea_id is not None:
        challenge = ChallengeRow(
            row.challenge_id, row.challenge_forum_id, row.phase, bool(row.archived), forum
        )
        idea = IdeaRow(
            row.idea_id,
            row.challenge_id,
            row.status,
            row.author_id,
            row.title,
            row.description,
            row.author_category,
            bool(row.show_author_name),
            AuthorRow(row.author_name) if row.author_id is not None else None,
            challenge,
        )
    return VoteTarget(forum, participant, idea, row.comments or 0)


@functools.cache
def _statement():
    """Built once: the forum by slug, with the person and the idea outer-joined to it."""
    author = aliased(Participant)
    comments = (
        select(func.count(Comment.id))
        .where(Comment.idea_id == Idea.id, Comment.status == "visible")
        .correlate(Idea)
        .scalar_subquery()
    )
    return (
        select(
            Forum.id.label("forum_id"),
            Forum.join_code,
            Forum.dot_budget,
            Forum.dot_cap,
            Forum.show_totals_during_voting,
            Participant.id.label("participant_id"),
            Idea.id.label("idea_id"),
            Idea.status,
            Idea.author_id,
            Idea.title,
            Idea.description,
            Idea.author_category,
            Idea.show_author_name,
            author.display_name.label("author_name"),
            Challenge.id.label("challenge_id"),
            Challenge.forum_id.label("challenge_forum_id"),
            Challenge.phase,
            Challenge.archived,
            comments.label("comments"),
        )
        .select_from(Forum)
        .outerjoin(
            Participant,
            and_(
                Participant.forum_id == Forum.id,
                Participant.token_hash == bindparam("token_hash", type_=String),
            ),
        )
        .outerjoin(Idea, Idea.id == bindparam("idea_id"))
        .outerjoin(Challenge, Challenge.id == Idea.challenge_id)
        .outerjoin(author, author.id == Idea.author_id)
        .where(Forum.slug == bindparam("slug", type_=String))
    )
