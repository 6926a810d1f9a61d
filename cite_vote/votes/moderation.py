"""Moderation's effect on the running: approving, rejecting, hiding, restoring and merging ideas.

Every change that takes an idea out of the running gives its dots back (hide) or moves them
(merge), through the votes services, so budgets, caps and the ledger stay right. Each action
takes the challenge lock first, then re-reads the phase and the statuses it was checked
against. The reasons, records, lists and edits are the ideas domain's (``ideas.moderation``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from cite_vote.accounts.models import StaffUser
from cite_vote.extensions import db
from cite_vote.forums.versions import mark_challenge_changed
from cite_vote.ideas.models import Comment, Idea
from cite_vote.ideas.moderation import check_current, check_note, check_reason, record
from cite_vote.refusals import RuleError
from cite_vote.votes.models import Vote
from cite_vote.votes.services import DotsReturned, hold_challenge, merge_dots, refund_idea


def _hold(*ideas: Idea, lock: bool = True, frozen: bool = True) -> None:
    """Take the challenge lock, then re-read what the rules were checked against.

    Under the exclusive lock a phase move or another moderation in flight has either finished
    or waits for this one (``ideas.moderation.check_current``: the phase, each idea's status).
    """
    if lock:
        hold_challenge(ideas[0].challenge_id, exclusive=True)
    check_current(*ideas, frozen=frozen)


def approve_idea(idea: Idea) -> Idea:
    """A pending idea becomes visible to everyone."""
    if idea.status != "pending":
        raise RuleError(_l("This idea is not waiting for review."))
    _hold(idea)
    idea.status = "visible"
    db.session.flush()
    return idea


def reject_idea(idea: Idea) -> Idea:
    """A pending idea is hidden (it never held dots); a facilitator may restore it later."""
    if idea.status != "pending":
        raise RuleError(_l("This idea is not waiting for review."))
    _hold(idea, frozen=False)  # approved meanwhile, it may hold dots: rejecting would not refund
    idea.status = "hidden"
    db.session.flush()
    return idea


def hide_idea(
    idea: Idea, staff: StaffUser, reason: str | None = None, note: str | None = ""
) -> list[DotsReturned]:
    """Take an idea out of the running, with its reason, and give every voter their dots back."""
    reason, note = check_reason(reason, note)
    if idea.status not in ("visible", "pending"):
        raise RuleError(_l("This idea is already hidden or merged."))
    _hold(idea)
    returned = refund_idea(idea, staff_id=staff.id)
    idea.status = "hidden"
    refunded = sum(r.refunded for r in returned)
    record(idea, "hide", staff, reason=reason, note=note, dots_refunded=refunded)
    db.session.flush()
    return returned


def restore_idea(idea: Idea, staff: StaffUser | None = None) -> Idea:
    """Show a hidden idea again. The dots refunded when it was hidden are not given back."""
    if idea.status != "hidden":
        raise RuleError(_l("This idea is not hidden."))
    _hold(idea)
    idea.status = "visible"
    record(idea, "restore", staff, note="")
    db.session.flush()
    return idea


@dataclass(frozen=True)
class MergePlan:
    """What a merge would do, shown before the facilitator confirms it."""

    voters: int
    dots: int
    moved: int
    refunded: int
    comments: int


def check_merge(source: Idea, target: Idea, *, lock: bool = True) -> None:
    if source.id == target.id:
        raise RuleError(_l("An idea cannot be merged into itself."))
    if source.challenge_id != target.challenge_id:
        raise RuleError(_l("Only ideas of the same challenge can be merged."))
    if source.status == "merged":
        raise RuleError(_l("This idea has already been merged."))
    if target.status != "visible":
        raise RuleError(_l("Ideas can only be merged into a visible idea."))
    # Two facilitators merging A into B and B into A at once: the second sees B merged here.
    _hold(source, target, lock=lock)


def plan_merge(source: Idea, target: Idea) -> MergePlan:
    """The effect of merging ``source`` into ``target``, computed as the merge would."""
    check_merge(source, target, lock=False)
    cap = source.challenge.forum.dot_cap
    rows = db.session.execute(
        select(Vote.participant_id, Vote.idea_id, Vote.dots).where(
            Vote.idea_id.in_((source.id, target.id)), Vote.dots > 0
        )
    ).all()
    on_target = {pid: dots for pid, idea_id, dots in rows if idea_id == target.id}
    on_source = [(pid, dots) for pid, idea_id, dots in rows if idea_id == source.id]
    moved = sum(min(dots, max(0, cap - on_target.get(pid, 0))) for pid, dots in on_source)
    total = sum(dots for _, dots in on_source)
    comments = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.idea_id == source.id)
    )
    return MergePlan(len(on_source), total, moved, total - moved, comments or 0)


def merge_ideas(
    source: Idea, target: Idea, staff: StaffUser, note: str | None = ""
) -> list[DotsReturned]:
    """Merge a duplicate into another idea of the same challenge.

    Dots move to the target within each voter's cap and the excess is refunded; comments
    move to the target; the duplicate is kept, marked merged, and points at the target. The
    merge is recorded with its reason (a duplicate) and the moderator's optional note.
    """
    note = check_note(note)
    check_merge(source, target)
    returned = merge_dots(source, target, staff_id=staff.id)
    record(
        source,
        "merge",
        staff,
        reason="duplicate",
        note=note,
        target_idea_id=target.id,
        dots_moved=sum(r.moved for r in returned),
        dots_refunded=sum(r.refunded for r in returned),
    )
    db.session.execute(
        update(Comment).where(Comment.idea_id == source.id).values(idea_id=target.id)
    )
    mark_challenge_changed(source.challenge_id)
    source.status = "merged"
    source.merged_into_id = target.id
    db.session.flush()
    db.session.expire(source, ["comments"])
    db.session.expire(target, ["comments"])
    return returned
