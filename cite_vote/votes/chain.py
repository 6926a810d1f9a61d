"""The ledger's hash chain and the voters' receipts, made when a challenge closes.

One chain per challenge. Votes only append ledger rows (``move_dots``): nothing here runs on
the voting path and no vote waits for a chain lock. When the challenge closes, the entries not
yet in the chain are numbered and hashed in the order of their ids, after the last sealed one:
reopening and closing again extends the chain, never rewrites it. Each closing stores the head
(``LedgerSeal``); the last one is what the results page, the results JSON, the log and the
cahier print.

The hash covers the entry's published fields only (``cite_vote.recount.entry_hash``), so an
outsider with the log checks it with the same code; who placed the dots is never hashed nor
published. Times are published and hashed to the minute.

Receipts: each participant holding dots in the challenge when it closes gets a random code
(10 characters of an alphabet without look-alikes, in two groups of five: 31^10, about 8e14,
possible codes), derived from nothing. They are inserted in the order of their codes, so not
even their row numbers follow the participants'.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, insert, select, update

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.recount import GENESIS, RECEIPT_ALPHABET, entry_hash, group_receipt
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot, LedgerEntry, LedgerSeal, Receipt
from cite_vote.votes.services import take_write_lock

RECEIPT_LENGTH = 10


def published_time(moment: datetime) -> str:
    """A ledger time as published and hashed: UTC, to the minute."""
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def published_entry(seq: int, idea_id: int, delta: int, reason: str, related, at) -> dict:
    """An entry's published fields (what is hashed), without its hashes."""
    return {
        "seq": seq,
        "idea": idea_id,
        "delta": delta,
        "reason": reason,
        "related_idea": related,
        "at": published_time(at),
    }


def seal_chain(challenge: Challenge) -> LedgerSeal:
    """Chain the challenge's entries not chained yet, after the last chained one; keep the head.

    The caller holds the challenge exclusively (``change_phase``), so no vote is in flight.
    """
    last = db.session.execute(
        select(LedgerEntry.seq, LedgerEntry.entry_hash)
        .where(LedgerEntry.challenge_id == challenge.id, LedgerEntry.seq.is_not(None))
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last.seq, last.entry_hash) if last else (0, GENESIS)
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.idea_id,
            LedgerEntry.delta,
            LedgerEntry.reason,
            LedgerEntry.related_idea_id,
            LedgerEntry.created_at,
        )
        .where(LedgerEntry.challenge_id == challenge.id, LedgerEntry.seq.is_(None))
        .order_by(LedgerEntry.id)
    ).all()
    updates = []
    for entry_id, idea_id, delta, reason, related, at in rows:
        seq += 1
        digest = entry_hash(
            challenge.id, published_entry(seq, idea_id, delta, reason, related, at), prev
        )
        updates.append({"id": entry_id, "seq": seq, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    if updates:
        db.session.execute(update(LedgerEntry), updates)
    seal = LedgerSeal(challenge_id=challenge.id, entries=seq, head=prev, sealed_at=utcnow())
    db.session.add(seal)
    return seal


def new_receipt_code() -> str:
    return group_receipt("".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH)))


def give_receipts(challenge: Challenge) -> int:
    """A receipt for each participant holding dots in the challenge who has none for it yet."""
    holders = list(
        db.session.scalars(
            select(Ballot.participant_id).where(
                Ballot.challenge_id == challenge.id,
                Ballot.dots_spent > 0,
                ~select(Receipt.id)
                .where(
                    Receipt.challenge_id == challenge.id,
                    Receipt.participant_id == Ballot.participant_id,
                )
                .exists(),
            )
        )
    )
    if not holders:
        return 0
    codes: set[str] = set()
    while len(codes) < len(holders):
        wanted = {new_receipt_code() for _ in range(len(holders) - len(codes))}
        taken = set(db.session.scalars(select(Receipt.code).where(Receipt.code.in_(wanted))))
        codes |= wanted - taken
    # Who gets which code is random; the rows go in in the codes' order.
    secrets.SystemRandom().shuffle(holders)
    pairs = sorted(zip(codes, holders, strict=True))
    db.session.execute(
        insert(Receipt),
        [{"challenge_id": challenge.id, "participant_id": p, "code": c} for c, p in pairs],
    )
    return len(pairs)


def close_ledger(challenge: Challenge) -> LedgerSeal:
    """What closing a challenge does to its dots: receipts, then the chain sealed.

    Called by ``change_phase`` in the transaction that closes the challenge, which holds the
    challenge row exclusively on PostgreSQL; on SQLite the database's write lock is taken here.
    So every vote in flight is committed before the ledger is read, and any later one sees the
    challenge closed.
    """
    take_write_lock()
    give_receipts(challenge)
    return seal_chain(challenge)


def chain_heads(challenge_ids: list[int]) -> dict[int, LedgerSeal]:
    """The last seal of each of these challenges (those never closed have none)."""
    if not challenge_ids:
        return {}
    latest = (
        select(func.max(LedgerSeal.id))
        .where(LedgerSeal.challenge_id.in_(challenge_ids))
        .group_by(LedgerSeal.challenge_id)
    )
    return {
        seal.challenge_id: seal
        for seal in db.session.scalars(select(LedgerSeal).where(LedgerSeal.id.in_(latest)))
    }


def chain_head(challenge: Challenge) -> LedgerSeal | None:
    """The head of the challenge's chain at its last closing (``.head``, ``.entries``,
    ``.sealed_at``), or None if it never closed. For the results, the log and the cahier."""
    if challenge.phase != "closed":
        return None
    return chain_heads([challenge.id]).get(challenge.id)


def receipt_of(participant_id: int, challenge_id: int) -> str | None:
    return db.session.scalar(
        select(Receipt.code).where(
            Receipt.participant_id == participant_id, Receipt.challenge_id == challenge_id
        )
    )


def receipts_of(participant_id: int) -> dict[int, str]:
    """The participant's receipts, per challenge."""
    return dict(
        db.session.execute(
            select(Receipt.challenge_id, Receipt.code).where(
                Receipt.participant_id == participant_id
            )
        ).all()
    )
