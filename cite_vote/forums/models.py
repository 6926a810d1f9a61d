from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, SmallInteger, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cite_vote.extensions import db
from cite_vote.timeutil import utcnow

PHASES = ("draft", "proposing", "voting", "closed")


class Forum(db.Model):
    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    languages: Mapped[str] = mapped_column(String(40), default="fr,en")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    dot_budget: Mapped[int] = mapped_column(default=5)
    dot_cap: Mapped[int] = mapped_column(default=3)
    show_totals_during_voting: Mapped[bool] = mapped_column(default=False)
    premoderation: Mapped[bool] = mapped_column(default=False)
    tickets_required: Mapped[bool] = mapped_column(default=False)
    # Newcomers join with a code that changes every few minutes on the screen, not the fixed one.
    join_code_rotates: Mapped[bool] = mapped_column(default=False, server_default=false())
    # "Anyone with the link may join": the forum's address leads a stranger on to the join page
    # (with the code of now). Off, the address asks for the code the room gives.
    open_link: Mapped[bool] = mapped_column(default=False, server_default=false())
    results_public_early: Mapped[bool] = mapped_column(default=False)
    shortlist_size: Mapped[int] = mapped_column(default=5)
    cross_group_min: Mapped[int] = mapped_column(default=3)
    # How many people the organisers expect: sets how many may join per minute from one address.
    expected_participants: Mapped[int] = mapped_column(default=200, server_default="200")
    projection_mode: Mapped[str] = mapped_column(String(10), default="blind")
    screen_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    screen_rotate: Mapped[bool] = mapped_column(default=True)
    timer_ends_at: Mapped[datetime | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenges: Mapped[list[Challenge]] = relationship(
        back_populates="forum",
        order_by="Challenge.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        CheckConstraint("dot_budget >= 1", name="budget_positive"),
        CheckConstraint("dot_cap >= 1", name="cap_positive"),
        CheckConstraint("projection_mode in ('blind', 'live')", name="projection_mode"),
        CheckConstraint("expected_participants >= 1", name="expected_positive"),
    )

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class Challenge(db.Model):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(12), default="draft")
    archived: Mapped[bool] = mapped_column(default=False)
    # The projection stays on this challenge instead of rotating (at most one per forum).
    on_screen: Mapped[bool] = mapped_column(default=False)
    phase_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staged reveal of a closed challenge's ranking on the projector (blind mode). None: all
    # shown at once. Otherwise ``reveal_shown`` ideas are revealed (from the last of those
    # on screen), plus one every ``reveal_every`` seconds since ``reveal_since`` when set.
    reveal_shown: Mapped[int | None]
    reveal_every: Mapped[int | None]
    reveal_since: Mapped[datetime | None]

    forum: Mapped[Forum] = relationship(back_populates="challenges")

    __table_args__ = (
        CheckConstraint("phase in ('draft', 'proposing', 'voting', 'closed')", name="phase_known"),
        CheckConstraint("reveal_shown >= 0", name="reveal_shown_non_negative"),
        CheckConstraint("reveal_every >= 1", name="reveal_every_positive"),
    )


class PhaseChange(db.Model):
    """When a challenge entered a phase: the cahier's method says when each phase opened and
    closed (a phase closes when the next change happens)."""

    __tablename__ = "phase_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    previous: Mapped[str | None] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ForumVersion(db.Model):
    """A counter per forum, bumped in the same transaction as any change of what the room sees.

    Polls and cached cards are keyed by it (``forums.versions``): a worker on any host that reads
    the same number knows that nothing it shows has changed since. A table of its own, not a
    column of ``forums``: it is written last in a transaction (just before the commit), so its
    row lock never sits between the other locks a transaction takes. In slots: the forum's
    version is the sum of its rows, and each database connection bumps its own slot, so two
    votes committing at once never wait for each other's row (migration 0014).
    """

    __tablename__ = "forum_versions"

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, server_default="0"
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")
