"""What a phone's vote reads before it writes, and its challenge page before it renders, in one
statement each and as plain values.

A phone's vote needs the forum (its rule and its slug), the person holding the cookie, the idea
with its challenge, and what the idea's card shows; its challenge page the forum, the person
(and whether notices wait for them) and the challenge. Loaded as ORM objects these cost more than
the vote's writes (identity map, instrumentation, four entities per row: ``bench/profile.py``);
read as columns into frozen dataclasses they cost one row. The dataclasses carry the attribute
names of the models, so the rules (``services.set_dots``, ``seen_in_forum``) and the card's
template read them as they read the models.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Integer, String, and_, bindparam, exists, func, select

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
    title: str
    languages: str

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


@dataclass(frozen=True, slots=True)
class ChallengeRow:
    id: int
    forum_id: int
    phase: str
    archived: bool
    forum: ForumRow
    position: int
    title: str
    question: str | None


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
    display_name: str | None
    shuffle_seed: int


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
    and ``seen_in_forum`` do (404, the door, 404)."""
    row = db.session.execute(
        _statement(), {"slug": slug, "token_hash": token_hash or "", "idea_id": idea_id}
    ).first()
    if row is None:
        return None
    forum = _forum_row(row, slug)
    participant = _participant_row(row, forum)
    idea = None
    if row.idea_id is not None:
        challenge = _challenge_row(row, row.challenge_forum_id, forum)
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


def _forum_row(row, slug: str) -> ForumRow:
    return ForumRow(
        row.forum_id,
        slug,
        row.join_code,
        row.dot_budget,
        row.dot_cap,
        bool(row.show_totals_during_voting),
        row.forum_title,
        row.languages,
    )


def _participant_row(row, forum: ForumRow) -> ParticipantRow | None:
    if row.participant_id is None:
        return None
    return ParticipantRow(row.participant_id, forum.id, row.display_name, row.shuffle_seed)


def _challenge_row(row, forum_id: int, forum: ForumRow) -> ChallengeRow:
    return ChallengeRow(
        row.challenge_id,
        forum_id,
        row.phase,
        bool(row.archived),
        forum,
        row.position,
        row.challenge_title,
        row.question,
    )


# The forum's, the person's and the challenge's columns both statements read.
def _forum_columns(forums) -> tuple:
    return (
        forums.c.id.label("forum_id"),
        forums.c.join_code,
        forums.c.dot_budget,
        forums.c.dot_cap,
        forums.c.show_totals_during_voting,
        forums.c.title.label("forum_title"),
        forums.c.languages,
    )


def _person_columns(people) -> tuple:
    return (people.c.id.label("participant_id"), people.c.display_name, people.c.shuffle_seed)


def _challenge_columns(challenges) -> tuple:
    return (
        challenges.c.id.label("challenge_id"),
        challenges.c.phase,
        challenges.c.archived,
        challenges.c.position,
        challenges.c.title.label("challenge_title"),
        challenges.c.question,
    )


@dataclass(frozen=True, slots=True)
class ChallengeTarget:
    """The forum, the person holding the cookie (None without one), whether notices wait for
    them, the challenge (None when it is not the forum's), and what the person's page on it
    needs to know before reading more: their dots spent there, and whether ideas of theirs
    wait for review."""

    forum: ForumRow
    participant: ParticipantRow | None
    notices: bool
    challenge: ChallengeRow | None
    spent: int  # the person's dots spent in the challenge
    pending: bool  # whether the person has ideas waiting for review in it


def challenge_target(
    slug: str, token_hash: str | None, challenge_id: int
) -> ChallengeTarget | None:
    """What ``accounts.identity.participant_forum`` reads for a challenge page, as plain values;
    None for an unknown forum. The caller answers as it does (404, the door, 404)."""
    row = db.session.execute(
        _challenge_statement(),
        {"slug": slug, "token_hash": token_hash or "", "challenge_id": challenge_id},
    ).first()
    if row is None:
        return None
    forum = _forum_row(row, slug)
    participant = _participant_row(row, forum)
    challenge = _challenge_row(row, forum.id, forum) if row.challenge_id is not None else None
    return ChallengeTarget(
        forum, participant, bool(row.notices), challenge, row.spent or 0, bool(row.pending)
    )


@functools.cache
def _challenge_statement():
    """Built once, on the tables' columns: the forum by slug, the person and the challenge
    outer-joined to it, and whether a notice waits for the person."""
    from cite_vote.votes.models import Ballot
    from cite_vote.votes.notices import notices_waiting

    forums, people, challenges = Forum.__table__, Participant.__table__, Challenge.__table__
    ballots, ideas = Ballot.__table__, Idea.__table__
    spent = (
        select(ballots.c.dots_spent)
        .where(ballots.c.participant_id == people.c.id, ballots.c.challenge_id == challenges.c.id)
        .correlate(people, challenges)
        .scalar_subquery()
    )
    pending = (
        exists()
        .where(
            ideas.c.challenge_id == challenges.c.id,
            ideas.c.author_id == people.c.id,
            ideas.c.status == "pending",
        )
        .correlate(people, challenges)
    )
    return (
        select(
            *_forum_columns(forums),
            *_person_columns(people),
            notices_waiting(people).label("notices"),
            *_challenge_columns(challenges),
            spent.label("spent"),
            pending.label("pending"),
        )
        .select_from(forums)
        .outerjoin(
            people,
            and_(
                people.c.forum_id == forums.c.id,
                people.c.token_hash == bindparam("token_hash", type_=String),
            ),
        )
        .outerjoin(
            challenges,
            and_(
                challenges.c.id == bindparam("challenge_id", type_=Integer),
                challenges.c.forum_id == forums.c.id,
            ),
        )
        .where(forums.c.slug == bindparam("slug", type_=String))
    )


@functools.cache
def _statement():
    """Built once, on the tables' columns (no ORM compile step for a read that loads no
    object): the forum by slug, with the person and the idea outer-joined to it."""
    forums, people, ideas = Forum.__table__, Participant.__table__, Idea.__table__
    challenges, comments = Challenge.__table__, Comment.__table__
    author = people.alias("author")
    visible_comments = (
        select(func.count(comments.c.id))
        .where(comments.c.idea_id == ideas.c.id, comments.c.status == "visible")
        .correlate(ideas)
        .scalar_subquery()
    )
    return (
        select(
            *_forum_columns(forums),
            *_person_columns(people),
            ideas.c.id.label("idea_id"),
            ideas.c.status,
            ideas.c.author_id,
            ideas.c.title,
            ideas.c.description,
            ideas.c.author_category,
            ideas.c.show_author_name,
            author.c.display_name.label("author_name"),
            *_challenge_columns(challenges),
            challenges.c.forum_id.label("challenge_forum_id"),
            visible_comments.label("comments"),
        )
        .select_from(forums)
        .outerjoin(
            people,
            and_(
                people.c.forum_id == forums.c.id,
                people.c.token_hash == bindparam("token_hash", type_=String),
            ),
        )
        .outerjoin(ideas, ideas.c.id == bindparam("idea_id", type_=Integer))
        .outerjoin(challenges, challenges.c.id == ideas.c.challenge_id)
        .outerjoin(author, author.c.id == ideas.c.author_id)
        .where(forums.c.slug == bindparam("slug", type_=String))
    )
