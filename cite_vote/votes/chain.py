"""The ledger's hash chain and the voters' receipts, made when a challenge closes.

One chain per challenge. Votes only append ledger rows (``move_dots``): nothing here runs on
the voting path and no vote waits for a chain lock. When the challenge closes, the entries not
yet in the chain are numbered and hashed in the order of their ids, after the last sealed one:
reopening and closing again extends the chain, never rewrites it. Each closing stores the head
(``LedgerSeal``); the last one is what the results page, the results JSON, the log and the
cahier print.

This chain is the staff's audit (``flask verify``, ``flask recount``): it is never published,
since its order and times would tell someone who watched the room who cast which ballot. What
is published is each closing's sealed record (``votes/record.py``): the final ballots by
receipt, without time or order. The entry's hash covers its fields without identity, to the
minute (``entry_hash``).

Receipts: each participant holding dots in the challenge when it closes gets a random code
(10 characters of an alphabet without look-alikes, in two groups of five: 31^10, about 8e14,
possible codes), derived from nothing. They are inserted in the order of their codes, so not
even their row numbers follow the participants'.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from sqlalchemy import func, insert, select, update

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.recount import GENESIS, RECEIPT_ALPHABET, group_receipt
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot, LedgerEntry, LedgerSeal, PaperSheet, Receipt
from cite_vote.votes.record import build_record, minute, record_text
from cite_vote.votes.services import take_write_lock

RECEIPT_LENGTH = 10


def entry_hash(challenge_id: int, entry: dict, prev: str) -> str:
    """SHA-256 (hex) of an entry's fields and the previous entry's hash.

    The fields, in this order, as a JSON array without spaces: the challenge's id, the entry's
    sequence number, idea, delta, reason, related idea (or null), time (to the minute, UTC),
    and the previous hash. Nothing about who placed the dots is hashed.
    """
    fields = [
        challenge_id,
        entry["seq"],
        entry["idea"],
        entry["delta"],
        entry["reason"],
        entry.get("related_idea"),
        entry["at"],
        prev,
    ]
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chained_entry(seq: int, idea_id: int, delta: int, reason: str, related, at) -> dict:
    """An entry's hashed fields, without its hashes."""
    return {
        "seq": seq,
        "idea": idea_id,
        "delta": delta,
        "reason": reason,
        "related_idea": related,
        "at": minute(at),
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
            challenge.id, chained_entry(seq, idea_id, delta, reason, related, at), prev
        )
        updates.append({"id": entry_id, "seq": seq, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    if updates:
        db.session.execute(update(LedgerEntry), updates)
    earlier = db.session.execute(
        select(func.count(LedgerSeal.id), func.max(LedgerSeal.id)).where(
            LedgerSeal.challenge_id == challenge.id
        )
    ).one()
    last_record = (
        db.session.scalar(select(LedgerSeal.record_hash).where(LedgerSeal.id == earlier[1]))
        if earlier[1]
        else None
    )
    now = utcnow()
    db.session.flush()  # the receipts and the ideas' statuses as they stand at the closing
    record = build_record(
        challenge, prev=last_record or GENESIS, closing=earlier[0] + 1, closed_at=now
    )
    seal = LedgerSeal(
        challenge_id=challenge.id,
        entries=seq,
        head=prev,
        sealed_at=now,
        record=record_text(record),
        record_hash=record["seal"]["head"],
    )
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
                # A printed sheet is published by its number, not by a receipt.
                Ballot.participant_id.not_in(select(PaperSheet.participant_id)),
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
    """What closing a challenge does to its dots: receipts, then the chain and the record sealed.

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
    """The challenge's last seal (``.record_hash`` is what is printed, ``.sealed_at``), or None
    if it is not closed. For the results, the log and the cahier."""
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


# --- the staff's audit of the chain ----------------------------------------------------------


def chain_problems(challenge_id: int, entries: list[dict], head: str | None) -> list[str]:
    """Where the chain breaks, in words; [] when every link and the head hold. ``entries`` are
    in chain order, each with the fields ``chained_entry`` gives and ``prev`` and ``hash``."""
    problems = []
    prev = GENESIS
    expected_seq = 1
    line_of = {e.get("seq"): n for n, e in enumerate(entries, start=1)}
    for position, entry in enumerate(entries, start=1):
        seq = entry.get("seq")
        where = f"entry #{seq} (line {position} of the ledger)"
        if entry.get("prev") != prev:
            if line_of.get(expected_seq, 0) > position or (
                isinstance(seq, int) and seq < expected_seq
            ):
                later = line_of.get(expected_seq)
                after = f"entry #{expected_seq} (line {later})" if later else "it"
                problems.append(f"entries reordered: {where} comes before {after}")
            elif isinstance(seq, int) and seq > expected_seq:
                missing = (
                    f"#{expected_seq}"
                    if seq == expected_seq + 1
                    else f"#{expected_seq} to #{seq - 1}"
                )
                problems.append(f"entry {missing} removed: {where} does not follow the one before")
            else:
                problems.append(f"{where} does not link to the entry before it")
            return problems
        if entry_hash(challenge_id, entry, prev) != entry.get("hash"):
            problems.append(f"{where} changed: its content does not match its hash")
            return problems
        if seq != expected_seq:
            problems.append(f"{where} is numbered {seq}, expected #{expected_seq}")
            return problems
        prev = entry["hash"]
        expected_seq += 1
    if head is not None and prev != head:
        problems.append(
            f"the chain ends at {prev[:16]}… after {len(entries)} entries, "
            f"not at the sealed head {head[:16]}…"
        )
    return problems


def stored_chain(challenge_id: int) -> list[dict]:
    """The challenge's chained entries as stored, in chain order."""
    rows = db.session.execute(
        select(
            LedgerEntry.seq,
            LedgerEntry.idea_id,
            LedgerEntry.delta,
            LedgerEntry.reason,
            LedgerEntry.related_idea_id,
            LedgerEntry.created_at,
            LedgerEntry.prev_hash,
            LedgerEntry.entry_hash,
        )
        .where(LedgerEntry.challenge_id == challenge_id, LedgerEntry.seq.is_not(None))
        .order_by(LedgerEntry.seq)
    )
    return [
        {**chained_entry(seq, idea, delta, reason, related, at), "prev": prev, "hash": digest}
        for seq, idea, delta, reason, related, at, prev, digest in rows
    ]


def audit_chain(challenge: Challenge) -> list[str]:
    """The stored chain checked link by link against the head kept at the last closing."""
    seal = chain_heads([challenge.id]).get(challenge.id)
    entries = stored_chain(challenge.id)
    problems = chain_problems(challenge.id, entries, seal.head if seal else None)
    if seal is not None and seal.entries != len(entries):
        problems.append(
            f"the ledger has {len(entries)} chained entries, the chain was sealed with "
            f"{seal.entries}"
        )
    return problems
