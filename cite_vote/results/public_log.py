"""The published log of a forum's closed challenges (docs/results-log.md).

For each closed challenge, the record sealed at its last closing (``votes/record.py``): the
rule, the ideas, each receipt's final ballot in the order of the receipts' codes, the merges
and hides added up per idea, the ranking with its ties and the turnout; and its seal.
``cite_vote/recount.py`` checks it with the standard library alone.

What it never holds: a participant's id, name, category or token, a staff id, a receipt's row
number, the order in which ballots were cast or any time but the closing's minute. The
time-ordered ledger stays with the staff (``flask verify``, ``flask recount``).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from sqlalchemy import func, select

from cite_vote import recount
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea
from cite_vote.recount import LOG_FORMAT, log_version, normalise_receipt
from cite_vote.results.exports import RANKING_RULE, iso, safe_cell
from cite_vote.results.services import challenge_results
from cite_vote.votes.chain import audit_chain, chain_heads, group_receipt
from cite_vote.votes.models import LedgerEntry, LedgerSeal, Receipt, Vote
from cite_vote.votes.record import build_record

TIE_BREAKS = ["dots desc", "supporters desc", "proposed_at asc", "idea_id asc"]


def closed(challenges: list[Challenge]) -> list[Challenge]:
    return [c for c in challenges if c.phase == "closed" and not c.archived]


def build_log(forum: Forum, challenges: list[Challenge], *, generated_at: datetime) -> dict:
    """The log of the closed ones among ``challenges``: their sealed records, in one query."""
    challenges = closed(challenges)
    seals = chain_heads([c.id for c in challenges])
    records = [published_record(c, seals.get(c.id)) for c in challenges]
    return {
        "format": LOG_FORMAT,
        "version": log_version(records),
        "forum": {"slug": forum.slug, "title": forum.title},
        "generated_at": iso(generated_at),
        "ranking_rule": {"order": TIE_BREAKS, "text": str(RANKING_RULE)},
        "seal": (
            "sha256 of the JSON array of each challenge's record fields, written without "
            "spaces (docs/results-log.md, 'The seal'); prev is the seal of the closing before, "
            "64 zeros for the first"
        ),
        "challenges": records,
    }


def published_record(challenge: Challenge, seal: LedgerSeal | None) -> dict:
    """The record sealed at the challenge's last closing, as it was sealed."""
    if seal is not None and seal.record:
        return json.loads(seal.record)
    return {
        "id": challenge.id,
        "position": challenge.position,
        "title": challenge.title,
        "seal": None,
        "ideas": [],
        "ballots": [],
        "moves": [],
        "ranking": [],
    }


# --- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "record",
    "challenge",
    "challenge_id",
    "receipt",
    "kind",
    "idea",
    "status",
    "title",
    "into",
    "dots",
    "supporters",
    "rank",
    "tied",
    "moved",
    "refunded",
    "count",
    "seal",
    "sheet",
    "people",
)


def log_csv(log: dict) -> bytes:
    """The log as one table, to read in a spreadsheet (the recount reads the JSON): a
    ``record`` column says what each row is."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()

    def row(**cells):
        writer.writerow({k: safe_cell(v) for k, v in cells.items()})

    for c in log["challenges"]:
        base = {"challenge": c["position"], "challenge_id": c["id"]}
        seal = c["seal"] or {}
        row(
            **base,
            record="seal",
            title=c["title"],
            count=seal.get("closing"),
            seal=seal.get("head"),
        )
        for i in c["ideas"]:
            row(
                **base,
                record="idea",
                idea=i["idea_id"],
                status=i["status"],
                title=i["title"],
                into=i["merged_into"],
            )
        for b in c["ballots"]:
            for held in b["dots"] or [{"idea": "", "dots": 0}]:
                row(
                    **base,
                    record="ballot",
                    receipt=b["receipt"],
                    kind=b["kind"],
                    idea=held["idea"],
                    dots=held["dots"],
                )
        for sheet in c.get("sheets", []):
            for held in sheet["dots"] or [{"idea": "", "dots": 0}]:
                row(
                    **base,
                    record="sheet",
                    sheet=sheet["sheet"],
                    people=sheet["people"],
                    idea=held["idea"],
                    dots=held["dots"],
                )
        for m in c["moves"]:
            row(
                **base,
                record=m["kind"],
                idea=m["idea"],
                into=m["into"],
                moved=m["dots_moved"],
                refunded=m["dots_refunded"],
            )
        for r in c["ranking"]:
            row(
                **base,
                record="rank",
                idea=r["idea_id"],
                rank=r["rank"],
                tied="yes" if r["tied"] else "no",
                dots=r["dots"],
                supporters=r["supporters"],
            )
        turnout = c.get("turnout") or {}
        for what, count in turnout.items():
            if what == "ballots":
                for kind, n in count.items():
                    row(**base, record="turnout", kind=f"ballots_{kind}", count=n)
            else:
                row(**base, record="turnout", kind=what, count=count)
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
    """``recount.py`` on the published log, then what only the server can check: each sealed
    record against the database of today, the staff's ledger chain and its sum against the
    votes, and the ranking against ``challenge_results`` (what every page and export shows).
    (all good, the report)."""
    from cite_vote.forums.services import active_challenges

    challenges = list(db.session.scalars(active_challenges(forum)))
    log = build_log(forum, challenges, generated_at=now)
    ok, lines = recount.recount(log)
    by_id = {c.id: c for c in challenges}
    seals = chain_heads(list(by_id))
    shown = {r.challenge.id: r for r in challenge_results(forum, closed(challenges))}
    for entry in log["challenges"]:
        challenge = by_id[entry["id"]]
        problems = audit_chain(challenge) + ledger_against_votes(challenge.id)
        seal = seals.get(challenge.id)
        if entry["seal"] is not None and seal is not None:
            today = build_record(
                challenge,
                prev=entry["seal"]["prev"],
                closing=entry["seal"]["closing"],
                closed_at=seal.sealed_at,
            )
            problems += changed_since_seal(entry, today)
        published = [
            {
                "idea_id": r.idea.id,
                "rank": r.rank,
                "tied": r.tied,
                "dots": r.dots,
                "supporters": r.supporters,
            }
            for r in shown[challenge.id].by_dots
        ]
        disagree = recount.compare_rankings(entry["ranking"], published)
        if disagree:
            problems.append("the results pages disagree with the sealed ranking:")
            problems += [f"  {p}" for p in disagree]
        if problems:
            ok = False
            lines.append(f"{entry['position']}. {entry['title']}: the server's data disagree")
            lines += [f"  - {p}" for p in problems]
    return ok, lines


def ledger_against_votes(challenge_id: int) -> list[str]:
    """The staff's ledger replayed (the sum of its deltas per idea) against the stored votes."""
    replayed = dict(
        db.session.execute(
            select(LedgerEntry.idea_id, func.sum(LedgerEntry.delta))
            .where(LedgerEntry.challenge_id == challenge_id)
            .group_by(LedgerEntry.idea_id)
        ).all()
    )
    held = dict(
        db.session.execute(
            select(Vote.idea_id, func.sum(Vote.dots))
            .where(Vote.challenge_id == challenge_id)
            .group_by(Vote.idea_id)
        ).all()
    )
    return [
        f"idea {idea}: the ledger adds up to {int(replayed.get(idea) or 0)} dots, "
        f"the votes hold {int(held.get(idea) or 0)}"
        for idea in sorted(set(replayed) | set(held))
        if int(replayed.get(idea) or 0) != int(held.get(idea) or 0)
    ]


def changed_since_seal(sealed: dict, today: dict) -> list[str]:
    """What in the database differs from the record sealed at the closing, named."""
    problems = []
    if sealed["rule"] != today["rule"]:
        problems.append(
            f"the rule changed since the seal: {sealed['rule']} then, {today['rule']} now"
        )
    if sealed["title"] != today["title"]:
        problems.append("the challenge's title changed since the seal")
    then = {i["idea_id"]: i for i in sealed["ideas"]}
    now = {i["idea_id"]: i for i in today["ideas"]}
    for idea in sorted(set(then) | set(now)):
        a, b = then.get(idea), now.get(idea)
        if a is None or b is None:
            problems.append(f"idea {idea}: {'added' if a is None else 'removed'} since the seal")
            continue
        for field in ("title", "status", "merged_into", "proposed_at"):
            if a[field] != b[field]:
                problems.append(f"idea {idea}: its {field} changed since the seal")
    then_ballots = {b["receipt"]: b["dots"] for b in sealed["ballots"]}
    now_ballots = {b["receipt"]: b["dots"] for b in today["ballots"]}
    for code in sorted(set(then_ballots) | set(now_ballots)):
        if then_ballots.get(code) != now_ballots.get(code):
            problems.append(f"ballot {code}: its dots in the database differ from the sealed ones")
    if sealed["moves"] != today["moves"]:
        problems.append("the merges and hides in the ledger differ from the sealed ones")
    return problems
