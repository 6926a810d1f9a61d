from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from cite_vote.extensions import db
from cite_vote.timeutil import utcnow

ROLES = ("organiser", "facilitator")


class Participant(db.Model):
    """Someone in the room. Known by a random cookie token, of which only the hash is kept."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    # Null for a participant created by a facilitator (assisted voting) or not yet bound.
    token_hash: Mapped[str | None] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str | None] = mapped_column(String(80))
    assisted: Mapped[bool] = mapped_column(default=False)
    # Seeds the participant's own order of ideas during voting (stable across reloads).
    shuffle_seed: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("forum_id", "token_hash"),)


class StaffUser(db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Copied into the session at login; a session holding an older number is over. Raised by
    # logout, and by any change of password, role or activity (see end_sessions_on_change).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (CheckConstraint("role in ('organiser', 'facilitator')", name="role_known"),)


def end_sessions_on_change(user: StaffUser, value, old, _initiator) -> None:
    """A session was opened with the account's password and rights: when they change, it ends.

    On the model rather than in each service, so that no path (a page, a command, a shell)
    can change a password, a role or the account's activity and leave old sessions open.
    """
    if old is NO_VALUE or old is NEVER_SET or old == value:
        return
    user.session_version = (user.session_version or 0) + 1


for _attribute in (StaffUser.password_hash, StaffUser.role, StaffUser.is_active):
    event.listen(_attribute, "set", end_sessions_on_change, active_history=True)


class ForumStaff(db.Model):
    """A staff member assigned to a forum (facilitators see only the forums they are on)."""

    __tablename__ = "forum_staff"

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )


class Ticket(db.Model):
    """A printed single-use ticket: its join link binds one phone to one participant."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    participant: Mapped[Participant | None] = relationship()
