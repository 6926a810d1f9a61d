from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cite_vote.extensions import db
from cite_vote.timeutil import utcnow

if TYPE_CHECKING:
    from cite_vote.accounts.models import Participant
    from cite_vote.forums.models import Challenge

TITLE_MAX = 120
TEXT_MAX = 1000
IDEA_STATUSES = ("visible", "pending", "hidden", "merged")
# Why a moderator took an idea out of the running: a short list, plus free text.
HIDE_REASONS = ("duplicate", "off_topic", "charter", "author_request", "other")
NOTE_MAX = 500
COMMENT_STATUSES = ("visible", "pending", "hidden")


class Idea(db.Model):
    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    # Copied when proposed: the cahier shows the category, never a name unless the author chose.
    author_category: Mapped[str | None] = mapped_column(String(80))
    show_author_name: Mapped[bool] = mapped_column(default=False)
    # An idea brought in from a file (ideas/imports.py): its author's name as the file gave it.
    imported_author: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="visible")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    original_title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    original_description: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    challenge: Mapped[Challenge] = relationship()
    author: Mapped[Participant | None] = relationship()
    comments: Mapped[list[Comment]] = relationship(
        back_populates="idea", order_by="Comment.created_at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "status in ('visible', 'pending', 'hidden', 'merged')", name="status_known"
        ),
    )


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    author_category: Mapped[str | None] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="visible")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="comments")
    author: Mapped[Participant | None] = relationship()

    __table_args__ = (
        CheckConstraint("status in ('visible', 'pending', 'hidden')", name="status_known"),
    )


class ModerationRecord(db.Model):
    """A hide, a restore, a merge or an import of an idea, with its reason: the cahier's method
    lists them (an import's ``note`` is the name of the file the idea came from).

    Kept even if the idea is restored later, so the method shows every change made to the
    running. ``dots_moved``/``dots_refunded`` are what the action did to the voters' dots.
    """

    __tablename__ = "moderation_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    # For a merge: the idea kept.
    target_idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    dots_moved: Mapped[int] = mapped_column(default=0)
    dots_refunded: Mapped[int] = mapped_column(default=0)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("action in ('hide', 'restore', 'merge', 'import')", name="action_known"),
        CheckConstraint(
            "action <> 'hide' or reason in "
            "('duplicate', 'off_topic', 'charter', 'author_request', 'other')",
            name="hide_has_reason",
        ),
    )


# Idea sheets (ideas/questions/): the organiser's own questions on the idea form.
QUESTIONS_MAX = 5
QUESTION_LABEL_MAX = 120
ANSWER_LIMIT_MAX = TEXT_MAX


class IdeaQuestion(db.Model):
    """A question of the forum's idea form ("Pour qui ?"), answered when proposing."""

    __tablename__ = "idea_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    label: Mapped[str] = mapped_column(String(QUESTION_LABEL_MAX))
    required: Mapped[bool] = mapped_column(default=False)
    max_length: Mapped[int] = mapped_column(default=300)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(
            f"max_length >= 1 and max_length <= {ANSWER_LIMIT_MAX}", name="max_length_range"
        ),
    )


class IdeaAnswer(db.Model):
    """An idea's answer to a question; a facilitator's edit keeps the author's first wording."""

    __tablename__ = "idea_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("idea_questions.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(Text, default="")
    original_value: Mapped[str | None] = mapped_column(Text)
    edited_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("idea_id", "question_id"),)
