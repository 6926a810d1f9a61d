"""Moderation in the ideas domain: the reasons and records of a hide or merge, the lists the
moderation pages show, the actions' table, editing an idea and moderating comments.

What an action does to the running and its dots (approve, reject, hide, restore, merge) is in
``votes.moderation``, under the challenge lock. Once a challenge is closed its results are
frozen: nothing may enter or leave the running, and no idea's wording changes.
"""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from cite_vote.accounts.models import StaffUser
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import (
    HIDE_REASONS,
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Comment,
    Idea,
    ModerationRecord,
)
from cite_vote.refusals import Invalid, RuleError
from cite_vote.text import text_problem
from cite_vote.timeutil import utcnow

FROZEN = _l("This challenge is closed: its results are frozen.")

# The reasons a moderator picks from when hiding an idea (the cahier prints them).
REASON_LABELS = {
    "duplicate": _l("Duplicate"),
    "off_topic": _l("Off topic"),
    "charter": _l("Against the forum's charter"),
    "author_request": _l("The author asked for it"),
    "other": _l("Other"),
}


class ReasonMissing(RuleError):
    """A hide names no reason from the list (or "other" without saying which): 422."""

    status = 422


def check_reason(reason: str | None, note: str | None) -> tuple[str, str]:
    """The reason and the cleaned note of a hide, or ReasonMissing / RuleError.

    "Other" must say what: a reader of the cahier has to learn why the idea left the running.
    """
    if reason not in HIDE_REASONS:
        raise ReasonMissing(_l("Say why this idea is hidden: choose a reason."))
    note = check_note(note)
    if reason == "other" and not note:
        raise ReasonMissing(_l("With the reason “Other”, write the reason in a few words."))
    return reason, note


def check_note(note: str | None) -> str:
    """The note as typed, checked before trimming (a trailing control character is refused,
    not silently cut off)."""
    problem = text_problem(note)
    if problem is not None:
        raise Invalid(problem)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ReasonMissing(_l("The note is too long (%(max)d characters at most).", max=NOTE_MAX))
    return note


def record(idea: Idea, action: str, staff: StaffUser | None, **fields) -> None:
    """The moderation record of an action on an idea (the cahier and the log print them)."""
    db.session.add(
        ModerationRecord(
            challenge_id=idea.challenge_id,
            idea_id=idea.id,
            action=action,
            staff_id=staff.id if staff is not None else None,
            created_at=utcnow(),
            **fields,
        )
    )


# --- loading ---------------------------------------------------------------------------------


def idea_for_staff(forum: Forum, idea_id: int) -> Idea:
    """Any idea of this forum, whatever its status, or 404 (unknown or another forum's)."""
    idea = db.session.scalar(
        select(Idea).options(selectinload(Idea.challenge)).where(Idea.id == idea_id)
    )
    if idea is None or idea.challenge.forum_id != forum.id or idea.challenge.archived:
        abort(404)
    return idea


def comment_for_staff(forum: Forum, comment_id: int) -> Comment:
    comment = db.session.scalar(
        select(Comment)
        .options(selectinload(Comment.idea).selectinload(Idea.challenge))
        .where(Comment.id == comment_id)
    )
    if comment is None or comment.idea.challenge.forum_id != forum.id:
        abort(404)
    return comment


def forum_ideas(forum: Forum) -> Select[tuple[Idea]]:
    """Every idea of the forum's active challenges, for the moderation list."""
    return (
        select(Idea)
        .join(Challenge, Challenge.id == Idea.challenge_id)
        .options(selectinload(Idea.challenge))
        .where(Challenge.forum_id == forum.id, Challenge.archived.is_(False))
        .order_by(Challenge.position, Idea.created_at.desc(), Idea.id.desc())
    )


def pending_comments(forum: Forum) -> Select[tuple[Comment]]:
    return (
        select(Comment)
        .join(Idea, Idea.id == Comment.idea_id)
        .join(Challenge, Challenge.id == Idea.challenge_id)
        .options(selectinload(Comment.idea))
        .where(Challenge.forum_id == forum.id, Comment.status == "pending")
        .order_by(Comment.created_at)
    )


def latest_comments(forum: Forum, limit: int = 30) -> Select[tuple[Comment]]:
    """The newest comments (visible or hidden), so post-moderation can catch them quickly."""
    return (
        select(Comment)
        .join(Idea, Idea.id == Comment.idea_id)
        .join(Challenge, Challenge.id == Idea.challenge_id)
        .options(selectinload(Comment.idea))
        .where(Challenge.forum_id == forum.id, Comment.status.in_(("visible", "hidden")))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )


def idea_comments(idea: Idea) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.created_at)
        )
    )


def latest_hides(idea_ids: list[int]) -> dict[int, ModerationRecord]:
    """The last hide of each of these ideas (its reason), for the moderation lists."""
    if not idea_ids:
        return {}
    records = db.session.scalars(
        select(ModerationRecord)
        .where(ModerationRecord.idea_id.in_(idea_ids), ModerationRecord.action == "hide")
        .order_by(ModerationRecord.id)
    )
    return {record.idea_id: record for record in records}


# --- reviewing -------------------------------------------------------------------------------

# What each moderation action does to an idea's or a comment's status: (from, to). The
# moderation pages offer, for each item, the actions that start from its status.
TRANSITIONS = {
    "approve": ("pending", "visible"),
    "reject": ("pending", "hidden"),
    "hide": ("visible", "hidden"),
    "restore": ("hidden", "visible"),
}


def moderation_actions(status: str) -> list[str]:
    """The actions the moderation pages offer for an idea or comment in ``status``."""
    return [action for action, (before, _after) in TRANSITIONS.items() if before == status]


CHANGED = _l(
    "Another facilitator changed this idea in the meantime: reload the page and try again."
)


def check_current(*ideas: Idea, frozen: bool = True) -> None:
    """Re-read what the rules were checked against (under the challenge lock when a caller
    took it: ``votes.moderation``).

    The phase is read again (refused once closed unless ``frozen`` is off), and so is each
    idea's status: if another facilitator hid, restored, approved or merged one since this
    request loaded it, the checks made on the stale status no longer hold.
    """
    if frozen:
        phase = db.session.scalar(
            select(Challenge.phase).where(Challenge.id == ideas[0].challenge_id)
        )
        if phase == "closed":
            raise RuleError(FROZEN)
    stored = dict(
        db.session.execute(
            select(Idea.id, Idea.status).where(Idea.id.in_([idea.id for idea in ideas]))
        ).all()
    )
    if any(stored.get(idea.id) != idea.status for idea in ideas):
        raise RuleError(CHANGED)


def set_comment_status(comment: Comment, action: str) -> Comment:
    """approve / reject a pending comment, hide / restore a published one."""
    if action not in TRANSITIONS:
        raise RuleError(_l("Unknown action."))
    before, after = TRANSITIONS[action]
    if comment.status != before:
        raise RuleError(_l("This comment has already been dealt with."))
    comment.status = after
    db.session.flush()
    return comment


# --- editing and merging ---------------------------------------------------------------------


def edit_idea(idea: Idea, title: str | None, description: str | None) -> Idea:
    """Correct an idea's wording; the author's first version is kept alongside."""
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise RuleError(_l("Give your idea a title."))
    if len(title) > TITLE_MAX:
        raise RuleError(_l("The title is too long."))
    if len(description) > TEXT_MAX:
        raise RuleError(_l("The description is too long."))
    if idea.status == "merged":
        raise RuleError(_l("This idea was merged into another one: edit that one instead."))
    if (title, description) == (idea.title, idea.description or ""):
        return idea
    check_current(idea)  # closed: the titles were sealed with the results (results-log.md)
    if idea.original_title is None:
        idea.original_title = idea.title
        idea.original_description = idea.description or ""
    idea.title = title
    idea.description = description
    idea.edited_at = utcnow()
    db.session.flush()
    return idea
