from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cite_vote.extensions import db
from cite_vote.timeutil import utcnow


class ReadToken(db.Model):
    """A read-only bearer token for a forum's results (JSON, CSV); only its hash is kept."""

    __tablename__ = "read_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class CahierFile(db.Model):
    """A built PDF of the cahier, kept under the hash of the HTML it was made from.

    Building the PDF of a big forum takes longer than a request may (42 s for 360 ideas and
    720 comments). Closed results do not change, so it is built once, in the background, and
    served at once afterwards; any change to what the cahier shows changes its key.
    """

    __tablename__ = "cahier_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="building")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    items: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("forum_id", "key"),
        CheckConstraint("status in ('building', 'ready', 'failed')", name="cahier_status"),
    )
