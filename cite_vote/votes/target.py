"""What a phone's vote reads before it writes, and its challenge page before it renders: the
votes domain's parts of the phone's reader (``accounts.phone``), in one statement each and as
plain values.

A phone's vote needs the forum (its rule and its slug), the person holding the cookie, the idea
with its challenge, and what the idea's card shows; its challenge page the forum, the person
(and whether notices wait for them) and the challenge. Loaded as ORM objects these cost more than
the vote's writes (identity map, instrumentation, four entities per row: ``bench/profile.py``);
read as columns into frozen dataclasses they cost one row. The dataclasses carry the attribute
names of the models, so the rules (``services.set_dots``, ``seen_in_forum``) and the card's
template read them as they read the models.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, and_, bindparam, exists, func, select

from cite_vote.accounts.models import Participant
from cite_vote.accounts.phone import ForumRow, Part, ParticipantRow, read_phone
from cite_vote.forums.models import Challenge
from cite_vote.ideas.models import Comment, Idea

__all__ = [
    "ChallengeRow",
    "ChallengeTarget",
    "ForumRow",
    "IdeaRow",
    "ParticipantRow",
    "VoteTarget",
    "challenge_target",
    "vote_target",
]


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
class VoteTarget:
    """The forum, the person (None without a valid cookie), the idea (None when it is not in
    the forum's database at all) and the idea's number of visible comments."""

    forum: ForumRow
    participant: ParticipantRow | None
    idea: IdeaRow | None
    comments: int


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


def vote_target(slug: str, token_hash: str | None, idea_id: int) -> VoteTarget | None:
    """The forum called ``slug``, the participant holding ``token_hash`` in it and the idea, or
    None for an unknown forum. The caller answers as ``forum_by_slug``, ``require_participant``
    and ``seen_in_forum`` do (404, the door, 404)."""
    phone = read_phone(slug, token_hash, (IDEA,), idea_id=idea_id)
    if phone is None:
        return None
    idea, comments = phone.parts["idea"]
    return VoteTarget(phone.forum, phone.participant, idea, comments)


def challenge_target(
    slug: str, token_hash: str | None, challenge_id: int
) -> ChallengeTarget | None:
    """What ``phone.participant.participant_forum`` reads for a challenge page, as plain values;
    None for an unknown forum. The caller answers as it does (404, the door, 404)."""
    phone = read_phone(slug, token_hash, (CHALLENGE,), challenge_id=challenge_id)
    if phone is None:
        return None
    notices, challenge, spent, pending = phone.parts["challenge"]
    return ChallengeTarget(phone.forum, phone.participant, notices, challenge, spent, pending)


def _challenge_columns(challenges, prefix: str) -> tuple:
    return (
        challenges.c.id.label(f"{prefix}challenge_id"),
        challenges.c.forum_id.label(f"{prefix}forum_id"),
        challenges.c.phase.label(f"{prefix}phase"),
        challenges.c.archived.label(f"{prefix}archived"),
        challenges.c.position.label(f"{prefix}position"),
        challenges.c.title.label(f"{prefix}title"),
        challenges.c.question.label(f"{prefix}question"),
    )


def _challenge_row(row, prefix: str, forum: ForumRow) -> ChallengeRow:
    def value(name: str):
        return getattr(row, f"{prefix}{name}")

    return ChallengeRow(
        value("challenge_id"),
        value("forum_id"),
        value("phase"),
        bool(value("archived")),
        forum,
        value("position"),
        value("title"),
        value("question"),
    )


# --- the idea part: the idea, its challenge and author, its visible comments ----------------
# Each part joins its own aliases and labels its columns with its own prefix, so that parts
# combine in one statement.

_IDEA = Idea.__table__.alias("idea")
_IDEA_CHALLENGE = Challenge.__table__.alias("idea_challenge")
_AUTHOR = Participant.__table__.alias("author")
_COMMENTS = Comment.__table__


def _idea_columns(_forums, _people) -> tuple:
    visible_comments = (
        select(func.count(_COMMENTS.c.id))
        .where(_COMMENTS.c.idea_id == _IDEA.c.id, _COMMENTS.c.status == "visible")
        .correlate(_IDEA)
        .scalar_subquery()
    )
    return (
        _IDEA.c.id.label("idea_id"),
        _IDEA.c.status.label("idea_status"),
        _IDEA.c.author_id.label("idea_author_id"),
        _IDEA.c.title.label("idea_title"),
        _IDEA.c.description.label("idea_description"),
        _IDEA.c.author_category.label("idea_author_category"),
        _IDEA.c.show_author_name.label("idea_show_author_name"),
        _AUTHOR.c.display_name.label("idea_author_name"),
        *_challenge_columns(_IDEA_CHALLENGE, "idea_challenge_"),
        visible_comments.label("idea_comments"),
    )


def _idea_join(joined, _forums, _people):
    return (
        joined.outerjoin(_IDEA, _IDEA.c.id == bindparam("idea_id", type_=Integer))
        .outerjoin(_IDEA_CHALLENGE, _IDEA_CHALLENGE.c.id == _IDEA.c.challenge_id)
        .outerjoin(_AUTHOR, _AUTHOR.c.id == _IDEA.c.author_id)
    )


def _idea_read(row, forum: ForumRow) -> tuple[IdeaRow | None, int]:
    if row.idea_id is None:
        return None, row.idea_comments or 0
    idea = IdeaRow(
        row.idea_id,
        row.idea_challenge_challenge_id,
        row.idea_status,
        row.idea_author_id,
        row.idea_title,
        row.idea_description,
        row.idea_author_category,
        bool(row.idea_show_author_name),
        AuthorRow(row.idea_author_name) if row.idea_author_id is not None else None,
        _challenge_row(row, "idea_challenge_", forum),
    )
    return idea, row.idea_comments or 0


IDEA = Part("idea", _idea_columns, _idea_join, _idea_read)


# --- the challenge part: the challenge, the notices waiting, the dots spent, pending ideas --

_PAGE_CHALLENGE = Challenge.__table__.alias("page_challenge")
_PENDING = Idea.__table__.alias("pending_idea")


def _challenge_part_columns(_forums, people) -> tuple:
    from cite_vote.votes.models import Ballot
    from cite_vote.votes.notices import notices_waiting

    ballots, challenges = Ballot.__table__, _PAGE_CHALLENGE
    spent = (
        select(ballots.c.dots_spent)
        .where(ballots.c.participant_id == people.c.id, ballots.c.challenge_id == challenges.c.id)
        .correlate(people, challenges)
        .scalar_subquery()
    )
    pending = (
        exists()
        .where(
            _PENDING.c.challenge_id == challenges.c.id,
            _PENDING.c.author_id == people.c.id,
            _PENDING.c.status == "pending",
        )
        .correlate(people, challenges)
    )
    return (
        notices_waiting(people).label("page_notices"),
        *_challenge_columns(challenges, "page_"),
        spent.label("page_spent"),
        pending.label("page_pending"),
    )


def _challenge_part_join(joined, forums, _people):
    return joined.outerjoin(
        _PAGE_CHALLENGE,
        and_(
            _PAGE_CHALLENGE.c.id == bindparam("challenge_id", type_=Integer),
            _PAGE_CHALLENGE.c.forum_id == forums.c.id,
        ),
    )


def _challenge_part_read(row, forum: ForumRow):
    challenge = None
    if row.page_challenge_id is not None:
        challenge = _challenge_row(row, "page_", forum)
    return bool(row.page_notices), challenge, row.page_spent or 0, bool(row.page_pending)


CHALLENGE = Part("challenge", _challenge_part_columns, _challenge_part_join, _challenge_part_read)
