from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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

    __table_args__ = (CheckConstraint("role in ('organiser', 'facilitator')", name="role_known"),)


class ForumStaff(db.Model):
    """A staff member assigned to a forum (facilitators see only the forums they are on)."""

    __tablename__ = "forum_staff"

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
