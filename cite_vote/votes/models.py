from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cite_vote.extensions import db
from cite_vote.timeutil import utcnow

LEDGER_REASONS = ("vote", "hide", "restore", "merge")


class Ballot(db.Model):
    """Dots a participant has placed in one challenge. Its row is the lock for their votes."""

    __tablename__ = "ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    dots_spent: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("participant_id", "challenge_id"),
        CheckConstraint("dots_spent >= 0", name="dots_spent_non_negative"),
    )


class Vote(db.Model):
    """The dots one participant holds on one idea."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    dots: Mapped[int] = mapped_column(default=0)
    # The voter's category for these dots: it follows a change of profile while the challenge
    # is open and stays as it was once the challenge is closed, so closed results cannot move.
    category: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("participant_id", "idea_id"),
        CheckConstraint("dots >= 0", name="dots_non_negative"),
    )


class LedgerEntry(db.Model):
    """Append-only record of every change to dots: replaying it gives the stored totals."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(12), default="vote")
    assisted: Mapped[bool] = mapped_column(default=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    # For a merge: the idea the dots came from (on the target's entry) or went to.
    related_idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The hash chain, filled when the challenge closes (votes never wait for it): the entry's
    # number in its challenge's chain, the previous entry's hash and its own (see recount.py).
    seq: Mapped[int | None]
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("challenge_id", "seq"),
        CheckConstraint("delta <> 0", name="delta_non_zero"),
        CheckConstraint("reason in ('vote', 'hide', 'restore', 'merge')", name="reason_known"),
    )


class LedgerSeal(db.Model):
    """Each closing of a challenge: the head of the staff's ledger chain, and the sealed record
    that the log publishes (``votes/record.py``) with its hash, the seal printed in the cahier.
    """

    __tablename__ = "ledger_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    entries: Mapped[int]
    head: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Null for a closing made before records were sealed (revision 0011).
    record: Mapped[str | None] = mapped_column(Text)
    record_hash: Mapped[str | None] = mapped_column(String(64))


class Receipt(db.Model):
    """A random code given, when a challenge closes, to each participant holding dots in it.

    It names no one and is derived from nothing: the published log lists each receipt's dots,
    so the participant (and only whoever they show it to) can find their own.
    """

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)

    __table_args__ = (UniqueConstraint("challenge_id", "participant_id"),)


class Notice(db.Model):
    """Something done to a participant's dots by staff, shown once on their next page."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None]
