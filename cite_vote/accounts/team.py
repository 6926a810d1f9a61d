"""A forum's team: its owner and the staff assigned to it, and the forum an organiser creates.

Facilitators see only the forums whose team they are on (``accounts.staff``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cite_vote.accounts.models import ForumStaff, StaffUser
from cite_vote.accounts.services import assign_staff, end_sessions, normalise_email
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.forums.setup import new_forum
from cite_vote.refusals import RuleError


def create_forum_for(owner: StaffUser, **values) -> Forum:
    """A new forum owned by ``owner``, with a fresh join code."""
    forum = new_forum(**values)
    forum.owner_id = owner.id
    db.session.flush()
    return forum


@dataclass(frozen=True)
class TeamMember:
    user: StaffUser
    owner: bool


def team_of(forum: Forum) -> list[TeamMember]:
    """The owner first, then the staff assigned to the forum, by email."""
    assigned = select(ForumStaff.user_id).where(ForumStaff.forum_id == forum.id)
    users = db.session.scalars(
        select(StaffUser)
        .where((StaffUser.id.in_(assigned)) | (StaffUser.id == forum.owner_id))
        .order_by(StaffUser.email)
    ).all()
    members = [TeamMember(user=u, owner=u.id == forum.owner_id) for u in users]
    return sorted(members, key=lambda m: not m.owner)


def add_team_member(forum: Forum, email: str) -> StaffUser:
    """Give an existing staff account access to this forum."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None or not user.is_active:
        raise RuleError(
            _l(
                "No staff account uses this email address. Ask the administrator to create it "
                "(flask create-user), then add it here."
            )
        )
    if user.id == forum.owner_id or db.session.get(ForumStaff, (forum.id, user.id)):
        raise RuleError(_l("This person is already on the forum’s team."))
    assign_staff(forum, user)
    return user


def remove_team_member(forum: Forum, user_id: int) -> None:
    if user_id == forum.owner_id:
        raise RuleError(_l("The forum’s owner cannot be removed from its team."))
    link = db.session.get(ForumStaff, (forum.id, user_id))
    if link is None:
        raise RuleError(_l("This person is not on the forum’s team."))
    db.session.delete(link)
    # Their sessions were opened with rights they no longer have: they log in again.
    end_sessions(db.session.get(StaffUser, user_id))
