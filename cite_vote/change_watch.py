"""The watcher that keeps each forum's version true (``forums.versions``): it reads every domain.

The session watches every flush: a forum, challenge, participant, idea, comment, ballot, vote or
ledger entry that was added, changed or deleted marks its forum (``forums.versions.marks``).
Just before the commit, the forums marked get their number bumped, in the order of their ids,
as the last statements of the transaction: the row lock is taken after every other lock and held
only for the commit, so it cannot close a cycle of waits with the ballot and idea locks. The app
factory imports this module once, which registers the listeners.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from cite_vote.accounts.models import Participant
from cite_vote.forums import versions
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.versions import challenge_forum
from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.models import Ballot, LedgerEntry, Vote


def _mark(session: Session, obj, marks) -> None:
    if isinstance(obj, Forum):
        if obj.id is not None and obj not in session.deleted:
            marks["forum"].add(obj.id)
    elif isinstance(obj, Challenge | Participant):
        if obj.forum_id is not None:
            marks["forum"].add(obj.forum_id)
    elif isinstance(obj, Idea | Comment) and _unseen(obj):
        return
    elif isinstance(obj, Idea | Ballot | Vote | LedgerEntry):
        challenge_forum(session, obj.challenge_id, marks)
    elif isinstance(obj, Comment) and obj.idea_id is not None:
        idea = session.identity_map.get(session.identity_key(Idea, obj.idea_id))
        if idea is not None:
            challenge_forum(session, idea.challenge_id, marks)
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
    marks = versions.marks(session)
    for obj in chain(session.new, session.deleted):
        _mark(session, obj, marks)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _mark(session, obj, marks)


def _forums_of(session: Session, marks) -> list[int]:
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


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if not versions.has_marks(session) and not (session.new or session.dirty or session.deleted):
        return
    session.flush()  # what is still pending is marked now, not after this hook
    marks = versions.take_marks(session)
    if not marks:
        return
    forum_ids = _forums_of(session, marks)
    if forum_ids:
        versions.bump(session, forum_ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    versions.take_marks(session)
