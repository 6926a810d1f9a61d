from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cite_vote.extensions import db
from cite_vote.timeutil import utcnow

LEDGER_REASONS = ("vote", "hide", "restore", "merge", "paper")


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
        CheckConstraint(
            "reason in ('vote', 'hide', 'restore', 'merge', 'paper')", name="reason_known"
        ),
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


class PaperSheet(db.Model):
    """A printed ballot sheet counted at a table (``votes/paper.py``): a ballot of its own kind.

    Its dots are held by a participant row of its own (no token, never in the room's counts,
    no receipt), so that the ranking, the breakdowns and the exports count them with the rest;
    the sheet says how many people voted on it, which sets its budget and cap.
    """

    __tablename__ = "paper_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), unique=True
    )
    people: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("challenge_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("people >= 1", name="people_positive"),
    )


class PaperEntry(db.Model):
    """One entry of a sheet, as typed from the paper: the first, then each correction.

    Never changed nor deleted: the latest one is the sheet's, the others stay as its history.
    """

    __tablename__ = "paper_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("paper_sheets.id", ondelete="CASCADE"), index=True
    )
    people: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(80))
    # The dots as written on the sheet, {idea id: dots}, before merges and hides moved them.
    dots: Mapped[dict] = mapped_column(JSON, default=dict)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    staff_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))


class PaperPolicy(db.Model):
    """The organiser's choice for a forum: publish the sheets' photos with the log, or not."""

    __tablename__ = "paper_policies"

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    publish_photos: Mapped[bool] = mapped_column(default=False)
