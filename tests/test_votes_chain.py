"""The ledger's hash chain and the receipts, made when a challenge closes."""

import re

from sqlalchemy import func, select

from cite_vote.recount import GENESIS
from cite_vote.votes.chain import chain_head, chained_entry, entry_hash, receipt_of
from cite_vote.votes.models import LedgerEntry, LedgerSeal, Receipt
from cite_vote.votes.phases import set_phase
from tests import recount_scenes

closed_scene = recount_scenes.closed_scene  # the fixture

RECEIPT = re.compile(r"^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$")


def chained(db, challenge_id):
    return db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.challenge_id == challenge_id).order_by(LedgerEntry.id)
    ).all()


def test_votes_are_not_chained_while_voting(make_forum, make_participant, make_idea, cast_dots, db):
    forum = make_forum(phase="voting")
    idea = make_idea(forum.challenges[0])
    cast_dots(make_participant(forum), idea, 2)
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert (entry.seq, entry.prev_hash, entry.entry_hash) == (None, None, None)
    assert chain_head(forum.challenges[0]) is None


def test_closing_chains_every_entry_in_order_and_keeps_the_head(closed_scene, db):
    entries = chained(db, closed_scene.challenge.id)
    assert len(entries) > 10
    prev = GENESIS
    for n, entry in enumerate(entries, start=1):
        assert entry.seq == n and entry.prev_hash == prev
        fields = chained_entry(
            n, entry.idea_id, entry.delta, entry.reason, entry.related_idea_id, entry.created_at
        )
        assert entry.entry_hash == entry_hash(closed_scene.challenge.id, fields, prev)
        prev = entry.entry_hash
    seal = chain_head(closed_scene.challenge)
    assert (seal.entries, seal.head) == (len(entries), prev)


def test_hash_covers_published_fields_only():
    entry = {"seq": 1, "idea": 4, "delta": 2, "reason": "vote", "related_idea": None, "at": "x"}
    assert entry_hash(1, entry, GENESIS) == entry_hash(1, {**entry, "participant": 9}, GENESIS)
    assert entry_hash(1, entry, GENESIS) != entry_hash(1, {**entry, "delta": 3}, GENESIS)
    assert entry_hash(1, entry, GENESIS) != entry_hash(2, entry, GENESIS)


def test_reopening_and_closing_again_extends_the_chain(closed_scene, db, cast_dots):
    forum, challenge = closed_scene.forum, closed_scene.challenge
    before = [(e.id, e.seq, e.entry_hash) for e in chained(db, challenge.id)]
    first_head = chain_head(challenge).head
    receipts = dict(db.session.execute(select(Receipt.participant_id, Receipt.code)).all())

    set_phase(forum, "voting", challenge)
    db.session.commit()
    assert chain_head(challenge) is None  # reopened: no head to show
    cast_dots(closed_scene.people["eve"], closed_scene.ideas["mentorat"], 0)
    cast_dots(closed_scene.people["eve"], closed_scene.ideas["mentorat"], 0)  # a retry: nothing
    newcomer_dots = closed_scene.ideas["observatoire"]
    from cite_vote.votes.categories import join_forum

    newcomer = join_forum(forum, "jeton-nouveau-venu-123", via_ticket=True)
    db.session.commit()
    cast_dots(newcomer, newcomer_dots, 1)
    set_phase(forum, "closed", challenge)
    db.session.commit()

    after = [(e.id, e.seq, e.entry_hash) for e in chained(db, challenge.id)]
    assert after[: len(before)] == before  # never rewritten
    assert after[len(before)][1] == len(before) + 1
    assert chained(db, challenge.id)[len(before)].prev_hash == first_head
    assert chain_head(challenge).head == after[-1][2] != first_head
    assert db.session.scalar(select(func.count()).select_from(LedgerSeal)) == 2
    # Receipts given at the first closing stay; the newcomer gets one.
    now = dict(db.session.execute(select(Receipt.participant_id, Receipt.code)).all())
    assert {p: now[p] for p in receipts} == receipts
    assert RECEIPT.match(now[newcomer.id])


def test_each_holder_gets_one_random_receipt(closed_scene, db):
    people = closed_scene.people
    codes = {k: receipt_of(p.id, closed_scene.challenge.id) for k, p in people.items()}
    assert all(RECEIPT.match(code) for code in codes.values()), codes
    assert len(set(codes.values())) == len(codes)
    # No receipt in a challenge where they hold nothing (the second one is still voting).
    assert receipt_of(people["ana"].id, closed_scene.forum.challenges[1].id) is None
    # Row numbers follow the codes, not the participants.
    rows = db.session.execute(select(Receipt.id, Receipt.code).order_by(Receipt.id)).all()
    assert [code for _id, code in rows] == sorted(code for _id, code in rows)


def test_closing_is_one_transaction(closed_scene, db, monkeypatch):
    """If sealing fails, the phase, the receipts and the chain are all left as they were."""
    forum = closed_scene.forum
    second = forum.challenges[1]
    import cite_vote.votes.chain as chain
    from cite_vote.ideas.models import Idea

    idea = Idea(challenge_id=second.id, title="Une idée")
    db.session.add(idea)
    db.session.commit()
    from cite_vote.votes.services import set_dots

    set_dots(closed_scene.people["ana"], idea, 1)
    db.session.commit()

    def broken(_challenge):
        raise RuntimeError("disk full")

    monkeypatch.setattr(chain, "seal_chain", broken)
    try:
        set_phase(forum, "closed", second)
        db.session.commit()
    except RuntimeError:
        db.session.rollback()
    db.session.expire_all()
    assert second.phase == "voting"
    assert receipt_of(closed_scene.people["ana"].id, second.id) is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(LedgerSeal).where(LedgerSeal.challenge_id == second.id)
        )
        == 0
    )
