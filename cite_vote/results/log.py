"""The published, anonymised log of a forum's closed challenges (docs/results-log.md).

For each closed challenge: the rule, the chained ledger without identity, each receipt's final
dots (in the order of the receipts' codes), the merges and hides that moved dots, and the
published ranking. ``cite_vote/recount.py`` checks it with the standard library alone.

What it never holds: a participant's id, name, category or token, a staff id, the assisted
flag, a receipt's row number, or a time finer than the minute. Hidden and pending ideas are
listed by number and status only (a hidden idea's text stays hidden).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from cite_vote import recount
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea
from cite_vote.recount import LOG_FORMAT, normalise_receipt
from cite_vote.results.exports import RANKING_RULE, iso
from cite_vote.results.services import ChallengeResults, challenge_results
from cite_vote.votes.chain import chain_heads, group_receipt, published_entry, published_time
from cite_vote.votes.models import LedgerEntry, Receipt, Vote

LOG_VERSION = 1
TIE_BREAKS = ["dots desc", "supporters desc", "proposed_at asc", "idea_id asc"]


def closed(challenges: list[Challenge]) -> list[Challenge]:
    return [c for c in challenges if c.phase == "closed" and not c.archived]


def build_log(forum: Forum, challenges: list[Challenge], *, generated_at: datetime) -> dict:
    """The log of the closed ones among ``challenges``, in a fixed number of queries."""
    challenges = closed(challenges)
    ids = [c.id for c in challenges]
    results = {r.challenge.id: r for r in challenge_results(forum, challenges)}
    heads = chain_heads(ids)
    ledger = _ledger(ids)
    receipts = _receipts(ids)
    ideas = _ideas(ids)
    return {
        "format": LOG_FORMAT,
        "version": LOG_VERSION,
        "forum": {"slug": forum.slug, "title": forum.title},
        "generated_at": iso(generated_at),
        "rule": {
            "budget": forum.dot_budget,
            "cap": forum.dot_cap,
            "order": TIE_BREAKS,
            "text": str(RANKING_RULE),
        },
        "hash": (
            "sha256 of the JSON array [challenge id, seq, idea, delta, reason, related_idea, "
            "at, prev] written without spaces; prev of the first entry is 64 zeros"
        ),
        "challenges": [
            _challenge(c, results[c.id], heads.get(c.id), ledger[c.id], receipts[c.id], ideas[c.id])
            for c in challenges
        ],
    }


def _challenge(challenge, res: ChallengeResults, seal, entries, receipts, ideas) -> dict:
    return {
        "id": challenge.id,
        "position": challenge.position,
        "title": challenge.title,
        "closed_at": published_time(challenge.phase_changed_at),
        "chain": {
            "entries": seal.entries if seal else 0,
            "head": seal.head if seal else None,
            "sealed_at": published_time(seal.sealed_at) if seal else None,
        },
        "ideas": ideas,
        "ledger": entries,
        "receipts": receipts,
        "moves": moves(entries),
        "ranking": [
            {
                "rank": r.rank,
                "tied": r.tied,
                "idea_id": r.idea.id,
                "dots": r.dots,
                "supporters": r.supporters,
            }
            for r in res.by_dots
        ],
    }


def _ledger(ids: list[int]) -> dict[int, list[dict]]:
    """The chained entries of each challenge, in chain order (unchained ones are not published)."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return out
    rows = db.session.execute(
        select(
            LedgerEntry.challenge_id,
            LedgerEntry.seq,
            LedgerEntry.idea_id,
            LedgerEntry.delta,
            LedgerEntry.reason,
            LedgerEntry.related_idea_id,
            LedgerEntry.created_at,
            LedgerEntry.prev_hash,
            LedgerEntry.entry_hash,
        )
        .where(LedgerEntry.challenge_id.in_(ids), LedgerEntry.seq.is_not(None))
        .order_by(LedgerEntry.challenge_id, LedgerEntry.seq)
    )
    for cid, seq, idea, delta, reason, related, at, prev, digest in rows:
        entry = published_entry(seq, idea, delta, reason, related, at)
        out[cid].append({**entry, "prev": prev, "hash": digest})
    return out


def _receipts(ids: list[int]) -> dict[int, list[dict]]:
    """Each receipt's final dots per idea, receipts in the order of their codes."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return out
    rows = db.session.execute(
        select(Receipt.challenge_id, Receipt.code, Vote.idea_id, Vote.dots)
        .outerjoin(
            Vote,
            (Vote.participant_id == Receipt.participant_id)
            & (Vote.challenge_id == Receipt.challenge_id)
            & (Vote.dots > 0),
        )
        .where(Receipt.challenge_id.in_(ids))
        .order_by(Receipt.challenge_id, Receipt.code, Vote.idea_id)
    )
    for cid, code, idea_id, dots in rows:
        items = out[cid]
        if not items or items[-1]["receipt"] != code:
            items.append({"receipt": code, "dots": []})
        if idea_id is not None:
            items[-1]["dots"].append({"idea": idea_id, "dots": dots})
    return out


def _ideas(ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return out
    for idea in db.session.scalars(
        select(Idea).where(Idea.challenge_id.in_(ids)).order_by(Idea.id)
    ):
        visible = idea.status in ("visible", "merged")
        out[idea.challenge_id].append(
            {
                "idea_id": idea.id,
                "title": idea.title if visible else None,
                "status": idea.status,
                "merged_into": idea.merged_into_id,
                # To the microsecond: the tie-break compares it as the ranking does.
                "proposed_at": idea.created_at.isoformat(timespec="microseconds") + "Z",
            }
        )
    return out


def moves(entries: list[dict]) -> list[dict]:
    """The merges and hides that moved dots, from the ledger: idea A into B, moved, refunded."""
    merged: dict[tuple[int, int], dict] = {}
    hidden: dict[int, dict] = {}
    for e in entries:
        if e["reason"] == "merge":
            source, target = (
                (e["idea"], e["related_idea"]) if e["delta"] < 0 else (e["related_idea"], e["idea"])
            )
            move = merged.setdefault(
                (source, target),
                {"kind": "merge", "idea": source, "into": target, "taken": 0, "moved": 0},
            )
            move["taken" if e["delta"] < 0 else "moved"] += abs(e["delta"])
        elif e["reason"] == "hide":
            move = hidden.setdefault(e["idea"], {"kind": "hide", "idea": e["idea"], "taken": 0})
            move["taken"] += -e["delta"]
    out = []
    for move in [*merged.values(), *hidden.values()]:
        taken = move.pop("taken")
        moved = move.pop("moved", 0)
        out.append(
            {
                **move,
                "into": move.get("into"),
                "dots_moved": moved,
                "dots_refunded": taken - moved,
            }
        )
    return out


# --- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record",
    "challenge",
    "seq",
    "receipt",
    "idea",
    "related_idea",
    "delta",
    "dots",
    "supporters",
    "rank",
    "reason",
    "at",
    "prev",
    "hash",
)


def log_csv(log: dict) -> bytes:
    """The same log as one table: a ``record`` column says what each row is."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for c in log["challenges"]:
        base = {"challenge": c["position"]}
        writer.writerow(
            {**base, "record": "head", "seq": c["chain"]["entries"], "hash": c["chain"]["head"]}
        )
        for e in c["ledger"]:
            writer.writerow(
                {
                    **base,
                    "record": "entry",
                    "seq": e["seq"],
                    "idea": e["idea"],
                    "related_idea": e["related_idea"],
                    "delta": e["delta"],
                    "reason": e["reason"],
                    "at": e["at"],
                    "prev": e["prev"],
                    "hash": e["hash"],
                }
            )
        for r in c["receipts"]:
            for held in r["dots"] or [{"idea": "", "dots": 0}]:
                writer.writerow(
                    {
                        **base,
                        "record": "receipt",
                        "receipt": r["receipt"],
                        "idea": held["idea"],
                        "dots": held["dots"],
                    }
                )
        for m in c["moves"]:
            writer.writerow(
                {
                    **base,
                    "record": m["kind"],
                    "idea": m["idea"],
                    "related_idea": m["into"],
                    "delta": m["dots_moved"],
                    "dots": m["dots_refunded"],
                }
            )
        for r in c["ranking"]:
            writer.writerow(
                {
                    **base,
                    "record": "rank",
                    "idea": r["idea_id"],
                    "rank": r["rank"],
                    "dots": r["dots"],
                    "supporters": r["supporters"],
                }
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- one receipt -----------------------------------------------------------------------------


def receipt_holdings(code: str, challenges: list[Challenge]) -> dict | None:
    """What this receipt holds in the closed ones among ``challenges``, as the log lists it:
    ``{"challenge", "receipt", "dots": [{"idea", "dots"}], "total"}``; None when the code is
    no receipt of these challenges (or malformed)."""
    wanted = group_receipt(normalise_receipt(code or "")[:20])
    ids = [c.id for c in closed(challenges)]
    if not ids or not wanted:
        return None
    receipt = db.session.execute(
        select(Receipt.challenge_id, Receipt.participant_id).where(
            Receipt.code == wanted, Receipt.challenge_id.in_(ids)
        )
    ).first()
    if receipt is None:
        return None
    rows = db.session.execute(
        select(Idea, Vote.dots)
        .join(Vote, Vote.idea_id == Idea.id)
        .where(
            Vote.participant_id == receipt.participant_id,
            Vote.challenge_id == receipt.challenge_id,
            Vote.dots > 0,
        )
        .order_by(Idea.id)
    ).all()
    return {
        "challenge": next(c for c in challenges if c.id == receipt.challenge_id),
        "receipt": wanted,
        "dots": [{"idea": idea, "dots": dots} for idea, dots in rows],
        "total": sum(dots for _i, dots in rows),
    }


# --- the recount against the database ----------------------------------------------------------


def recount_forum(forum: Forum, *, now: datetime) -> tuple[bool, list[str]]:
    """``recount.py`` on the log built from the database, then its ranking against
    ``challenge_results`` (what every page and export shows): (all good, the report)."""
    from cite_vote.forums.services import active_challenges

    challenges = list(db.session.scalars(active_challenges(forum)))
    log = build_log(forum, challenges, generated_at=now)
    ok, lines = recount.recount(log)
    shown = {r.challenge.id: r for r in challenge_results(forum, closed(challenges))}
    for entry in log["challenges"]:
        dots, supporters = recount.receipt_totals(entry["receipts"])
        mine = recount.rank(entry["ideas"], dots, supporters)
        published = [
            {"idea_id": r.idea.id, "rank": r.rank, "dots": r.dots, "supporters": r.supporters}
            for r in shown[entry["id"]].by_dots
        ]
        problems = recount.compare_rankings(mine, published)
        if problems:
            ok = False
            lines.append(f"{entry['position']}. {entry['title']}: the results pages disagree")
            lines += [f"  - {p}" for p in problems]
    if not log["challenges"]:
        lines.append("no closed challenge to recount")
    return ok, lines
