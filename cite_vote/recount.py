#!/usr/bin/env python3
"""Recount a cite-vote forum from its published log, with nothing but Python's standard library.

    python3 recount.py log.json                  # check everything; exit 0 if it all matches
    python3 recount.py log.json --receipt K7QMP-3XPA2   # also print that receipt's dots
    python3 recount.py log.json --head 1:9f86d0…  # compare a challenge's head with the printed one

The log is the forum's ``/f/<slug>/log.json`` (described in docs/results-log.md). For every
closed challenge in it, this script:

1. checks the hash chain of the ledger: each entry's hash is the SHA-256 of its published
   fields and of the previous entry's hash, so an entry changed, removed or moved breaks the
   chain at that place, and the last hash must be the head printed on the results page and in
   the cahier;
2. replays the ledger (every change to dots, without who made it) to each idea's final dots;
3. checks those against the receipts (each voter's final dots, under a random code);
4. recomputes the ranking with the published rule (total dots, then distinct supporters, then
   earliest proposed; equal dots and supporters share a rank) and compares it with the
   published one.

It imports nothing from Flask or from cite-vote: the app imports it, to hash and to recount
with the very same code (``flask --app cite_vote recount <slug>``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict

LOG_FORMAT = "cite-vote/log"
# The "previous hash" of a challenge's first entry.
GENESIS = "0" * 64
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def entry_hash(challenge_id: int, entry: dict, prev: str) -> str:
    """SHA-256 (hex) of the entry's published fields and the previous entry's hash.

    The fields, in this order, as a JSON array without spaces: the challenge's id, the entry's
    sequence number, idea, delta, reason, related idea (or null), time (to the minute, UTC),
    and the previous hash. Nothing about who placed the dots is hashed: anyone can verify it.
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


def normalise_receipt(code: str) -> str:
    """Receipts are copied from phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def group_receipt(code: str) -> str:
    """A receipt as printed: groups of five (``K7QMP-3XPA2``)."""
    code = normalise_receipt(code)
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


# --- the chain ---------------------------------------------------------------------------------


def check_chain(challenge_id: int, entries: list[dict], head: str | None) -> list[str]:
    """Where the chain breaks, in words; [] when every link and the head hold."""
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
            f"not at the published head {head[:16]}…"
        )
    return problems


# --- replay and ranking ------------------------------------------------------------------------


def replay(entries: list[dict]) -> dict[int, int]:
    """Each idea's final dots: the sum of the ledger's deltas on it."""
    totals: dict[int, int] = defaultdict(int)
    for entry in entries:
        totals[entry["idea"]] += entry["delta"]
    return dict(totals)


def receipt_totals(receipts: list[dict]) -> tuple[dict[int, int], dict[int, int]]:
    """Per idea: the receipts' dots and the number of receipts that gave it at least one."""
    dots: dict[int, int] = defaultdict(int)
    supporters: dict[int, int] = defaultdict(int)
    for receipt in receipts:
        for held in receipt["dots"]:
            if held["dots"] > 0:
                dots[held["idea"]] += held["dots"]
                supporters[held["idea"]] += 1
    return dict(dots), dict(supporters)


def rank(ideas: list[dict], dots: dict[int, int], supporters: dict[int, int]) -> list[dict]:
    """The published rule: total dots, then distinct supporters, then earliest proposed (then
    the idea's number). Ideas equal on dots and supporters share the rank of the first."""
    running = [i for i in ideas if i["status"] == "visible"]
    rows = sorted(
        (
            {
                "idea_id": i["idea_id"],
                "dots": dots.get(i["idea_id"], 0),
                "supporters": supporters.get(i["idea_id"], 0),
                "proposed_at": i["proposed_at"],
            }
            for i in running
        ),
        key=lambda r: (-r["dots"], -r["supporters"], r["proposed_at"], r["idea_id"]),
    )
    ranked = []
    for position, row in enumerate(rows, start=1):
        before = ranked[-1] if ranked else None
        same = before and (before["dots"], before["supporters"]) == (row["dots"], row["supporters"])
        ranked.append({**row, "rank": before["rank"] if same else position})
    counts: dict[int, int] = defaultdict(int)
    for row in ranked:
        counts[row["rank"]] += 1
    for row in ranked:
        row["tied"] = counts[row["rank"]] > 1
        del row["proposed_at"]
    return ranked


def compare_rankings(mine: list[dict], published: list[dict]) -> list[str]:
    """Line by line: the recounted ranking against the published one."""
    fields = ("idea_id", "rank", "dots", "supporters")
    problems = []
    for line, (a, b) in enumerate(zip(mine, published, strict=False), start=1):
        if tuple(a[f] for f in fields) != tuple(b.get(f) for f in fields):
            problems.append(
                f"ranking line {line}: recounted idea {a['idea_id']} rank {a['rank']} "
                f"({a['dots']} dots, {a['supporters']} supporters), published idea "
                f"{b.get('idea_id')} rank {b.get('rank')} ({b.get('dots')} dots, "
                f"{b.get('supporters')} supporters)"
            )
    if len(mine) != len(published):
        problems.append(f"ranking: {len(mine)} ideas recounted, {len(published)} published")
    return problems


# --- one challenge, the whole log ---------------------------------------------------------------


def check_challenge(challenge: dict, rule: dict) -> tuple[list[dict], list[str]]:
    """(the recounted ranking, the problems found) for one challenge of the log."""
    cid = challenge["id"]
    entries = challenge["ledger"]
    problems = check_chain(cid, entries, challenge["chain"]["head"])
    if challenge["chain"].get("entries") != len(entries):
        problems.append(
            f"the ledger has {len(entries)} entries, the chain was sealed with "
            f"{challenge['chain'].get('entries')}"
        )
    replayed = replay(entries)
    dots, supporters = receipt_totals(challenge["receipts"])
    for idea_id in sorted(set(replayed) | set(dots)):
        if replayed.get(idea_id, 0) != dots.get(idea_id, 0):
            problems.append(
                f"idea {idea_id}: the ledger adds up to {replayed.get(idea_id, 0)} dots, "
                f"the receipts hold {dots.get(idea_id, 0)}"
            )
    codes = [r["receipt"] for r in challenge["receipts"]]
    if codes != sorted(codes) or len(set(codes)) != len(codes):
        problems.append("the receipts are not listed once each, in the order of their codes")
    for receipt in challenge["receipts"]:
        held = [h["dots"] for h in receipt["dots"]]
        if sum(held) > rule["budget"] or any(d > rule["cap"] or d < 0 for d in held):
            problems.append(f"receipt {receipt['receipt']}: dots outside the budget or the cap")
    status = {i["idea_id"]: i["status"] for i in challenge["ideas"]}
    for idea_id in sorted(i for i, d in dots.items() if d and status.get(i) != "visible"):
        problems.append(f"idea {idea_id}: dots held on an idea that is {status.get(idea_id)}")
    ranking = rank(challenge["ideas"], dots, supporters)
    problems += compare_rankings(ranking, challenge["ranking"])
    return ranking, problems


def recount(log: dict, heads: dict[int, str] | None = None) -> tuple[bool, list[str]]:
    """Check every challenge of a log; (all good, the report's lines)."""
    lines = []
    ok = True
    if log.get("format") != LOG_FORMAT:
        return False, [f"not a cite-vote log (format {log.get('format')!r})"]
    rule = log["rule"]
    for challenge in log["challenges"]:
        _ranking, problems = check_challenge(challenge, rule)
        printed = (heads or {}).get(challenge["position"])
        if printed and not challenge["chain"]["head"].startswith(printed.lower()):
            problems.append(
                f"the log's head {challenge['chain']['head'][:16]}… is not the printed "
                f"head {printed}"
            )
        title = f"{challenge['position']}. {challenge['title']}"
        if problems:
            ok = False
            lines.append(f"{title}: DOES NOT MATCH")
            lines += [f"  - {p}" for p in problems]
        else:
            lines.append(
                f"{title}: matches ({len(challenge['ledger'])} ledger entries, "
                f"{len(challenge['receipts'])} receipts, head {challenge['chain']['head']})"
            )
    return ok, lines


def receipt_lines(log: dict, code: str) -> list[str]:
    """What a receipt holds in each challenge of the log, with the ideas' titles."""
    wanted = group_receipt(code)
    lines = []
    for challenge in log["challenges"]:
        titles = {i["idea_id"]: i.get("title") or "" for i in challenge["ideas"]}
        for receipt in challenge["receipts"]:
            if receipt["receipt"] == wanted:
                lines.append(f"{challenge['position']}. {challenge['title']}: receipt {wanted}")
                for held in receipt["dots"]:
                    lines.append(f"  {held['dots']} on idea {held['idea']} {titles[held['idea']]}")
                if not receipt["dots"]:
                    lines.append("  no dots")
    return lines or [f"receipt {wanted}: not in this log"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recount a cite-vote forum from its log.")
    parser.add_argument("log", help="the forum's log.json")
    parser.add_argument("--receipt", help="print the dots of this receipt")
    parser.add_argument(
        "--head",
        action="append",
        default=[],
        metavar="N:HASH",
        help="the head printed for challenge N (its first characters are enough)",
    )
    args = parser.parse_args(argv)
    try:
        with open(args.log, encoding="utf-8") as handle:
            log = json.load(handle)
        heads = {}
        for item in args.head:
            number, _, value = item.partition(":")
            heads[int(number)] = value.strip()
        ok, lines = recount(log, heads)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read the log: {error!r}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    if args.receipt:
        for line in receipt_lines(log, args.receipt):
            print(line)
    print("RESULT: the published results match the log." if ok else "RESULT: MISMATCH.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
