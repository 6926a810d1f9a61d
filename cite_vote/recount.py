#!/usr/bin/env python3
"""Recount a cite-vote forum from its published log, with nothing but Python's standard library.

    python3 recount.py log.json                  # check everything; exit 0 if it all matches
    python3 recount.py log.json --receipt K7QMP-3XPA2   # also print that receipt's dots
    python3 recount.py log.json --head 1:9f86d081884c   # against the seal printed in the cahier

The log is the forum's ``/f/<slug>/log.json`` (docs/results-log.md gives every field, the
encoding of the seal and a test vector). For every closed challenge in it, this script checks:

1. the seal: the SHA-256 of everything that decides the result (the rule, the ideas with their
   titles and statuses, every ballot, the merges and hides, the ranking with its ties, the
   turnout) is the published seal, and the one printed in the cahier or on the results page
   (``--head``);
2. the ballots: each one within the budget and the cap, on visible ideas only, listed once in
   the order of their receipt codes, and as many of each kind as the turnout says;
3. the moves: each merge names an idea merged into the one it says, each hide an idea that
   was hidden, with whole, non-negative dots;
4. the ranking, recomputed from the ballots with the published rule (total dots, then distinct
   supporters, then earliest proposed; ideas equal on dots and supporters share a rank and are
   marked tied), equals the published one line by line.

The log holds no time finer than the closing and no order of voting: nothing in it ties a
ballot to the moment it was cast. It imports nothing from Flask or from cite-vote: the app
imports it, to seal and to recount with the very same code (``flask --app cite_vote recount``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import defaultdict

LOG_FORMAT = "cite-vote/log"
# Version 3 adds printed ballot sheets (a record's ``sheets``). A log is written as version 2
# when none of its records has sheets, so that every recount of version 2 still reads it.
LOG_VERSION = 3
LOG_VERSIONS = (2, 3)
# The first element of every sealed array: names the format, so a seal of another layout
# cannot be taken for this one. A record with sheets is sealed in the layout of version 3.
RECORD_FORMAT = "cite-vote/record/2"
RECORD_FORMAT_SHEETS = "cite-vote/record/3"
# The seal before a challenge's first closing.
GENESIS = "0" * 64
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BALLOT_KINDS = ("phone", "ticket", "assisted")
MOVE_KINDS = ("merge", "hide")
# A printed seal is compared by its first characters: at least this many.
HEAD_PREFIX_MIN = 12
HEX = re.compile(r"^[0-9a-f]+$")


# --- the seal ------------------------------------------------------------------------------


def record_fields(challenge: dict) -> list:
    """What the seal covers, as one JSON array (docs/results-log.md, "The seal").

    Arrays, not objects, so that no implementation has to agree on the order of keys: every
    list is taken in the order the log gives it, which the recount also checks is canonical.
    """
    seal, rule, turnout = challenge["seal"], challenge["rule"], challenge["turnout"]
    sheets = (
        [
            [
                [s["sheet"], s["people"], [[h["idea"], h["dots"]] for h in s["dots"]]]
                for s in challenge["sheets"]
            ]
        ]
        if "sheets" in challenge
        else []
    )
    return [
        RECORD_FORMAT_SHEETS if "sheets" in challenge else RECORD_FORMAT,
        seal["prev"],
        seal["closing"],
        challenge["id"],
        challenge["position"],
        challenge["title"],
        challenge["closed_at"],
        rule["budget"],
        rule["cap"],
        [
            [i["idea_id"], i["title"], i["status"], i["merged_into"], i["proposed_at"]]
            for i in challenge["ideas"]
        ],
        [
            [b["receipt"], b["kind"], [[h["idea"], h["dots"]] for h in b["dots"]]]
            for b in challenge["ballots"]
        ],
        *sheets,
        [
            [m["kind"], m["idea"], m["into"], m["dots_moved"], m["dots_refunded"]]
            for m in challenge["moves"]
        ],
        [
            [r["rank"], r["tied"], r["idea_id"], r["dots"], r["supporters"]]
            for r in challenge["ranking"]
        ],
        [
            turnout["participants"],
            turnout["joined_by_phone"],
            turnout["bound_to_ticket"],
            turnout["made_by_staff"],
            turnout["tickets_printed"],
            [turnout["ballots"][kind] for kind in BALLOT_KINDS],
        ],
    ]


def canonical(value) -> bytes:
    """UTF-8 JSON without spaces, non-ASCII characters as they are."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def record_hash(challenge: dict) -> str:
    """The seal of a challenge's record: SHA-256, in lowercase hex, of its fields."""
    return hashlib.sha256(canonical(record_fields(challenge))).hexdigest()


def normalise_receipt(code: str) -> str:
    """Receipts are copied from phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def group_receipt(code: str) -> str:
    """A receipt as printed: groups of five (``K7QMP-3XPA2``)."""
    code = normalise_receipt(code)
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


# --- the ranking -----------------------------------------------------------------------------


def receipt_totals(ballots: list[dict]) -> tuple[dict[int, int], dict[int, int]]:
    """Per idea: the ballots' dots and the number of ballots that gave it at least one (a
    printed sheet is one ballot: it counts once among an idea's supporters)."""
    dots: dict[int, int] = defaultdict(int)
    supporters: dict[int, int] = defaultdict(int)
    for ballot in ballots:
        for held in ballot["dots"]:
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
    ranked: list[dict] = []
    for position, row in enumerate(rows, start=1):
        before = ranked[-1] if ranked else None
        same = before and (before["dots"], before["supporters"]) == (row["dots"], row["supporters"])
        ranked.append({**row, "rank": before["rank"] if same else position})
    counts: dict[int, int] = defaultdict(int)
    for row in ranked:
        counts[row["rank"]] += 1
    out = []
    for row in ranked:
        out.append(
            {
                "rank": row["rank"],
                "tied": counts[row["rank"]] > 1,
                "idea_id": row["idea_id"],
                "dots": row["dots"],
                "supporters": row["supporters"],
            }
        )
    return out


RANK_FIELDS = ("idea_id", "rank", "tied", "dots", "supporters")


def compare_rankings(mine: list[dict], published: list[dict]) -> list[str]:
    """Line by line: the recounted ranking against the published one, ties included."""
    problems = []
    for line, (a, b) in enumerate(zip(mine, published, strict=False), start=1):
        if tuple(a[f] for f in RANK_FIELDS) != tuple(b.get(f) for f in RANK_FIELDS):
            problems.append(
                f"ranking line {line}: recounted idea {a['idea_id']} rank {a['rank']}"
                f"{' (tied)' if a['tied'] else ''} ({a['dots']} dots, {a['supporters']} "
                f"supporters), published idea {b.get('idea_id')} rank {b.get('rank')}"
                f"{' (tied)' if b.get('tied') else ''} ({b.get('dots')} dots, "
                f"{b.get('supporters')} supporters)"
            )
    if len(mine) != len(published):
        problems.append(f"ranking: {len(mine)} ideas recounted, {len(published)} published")
    return problems


# --- one challenge ---------------------------------------------------------------------------


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_seal(challenge: dict) -> list[str]:
    seal = challenge["seal"]
    problems = []
    if not (_whole(seal.get("closing")) and seal["closing"] >= 1):
        problems.append(f"the seal's closing number {seal.get('closing')!r} is not 1 or more")
    prev = seal.get("prev")
    if not (isinstance(prev, str) and len(prev) == 64 and HEX.match(prev)):
        problems.append("the seal's previous head is not 64 hexadecimal characters")
    elif seal.get("closing") == 1 and prev != GENESIS:
        problems.append("a first closing's seal must follow 64 zeros")
    recomputed = record_hash(challenge)
    if recomputed != seal.get("head"):
        problems.append(
            f"the seal does not match the record: the record hashes to {recomputed[:16]}…, "
            f"the log says {str(seal.get('head'))[:16]}… (something in the rule, the ideas, "
            "the ballots, the moves, the ranking or the turnout was changed after the seal)"
        )
    return problems


def check_ballots(challenge: dict) -> list[str]:
    rule, turnout = challenge["rule"], challenge["turnout"]
    status = {i["idea_id"]: i["status"] for i in challenge["ideas"]}
    problems = []
    codes = [b["receipt"] for b in challenge["ballots"]]
    if codes != sorted(codes) or len(set(codes)) != len(codes):
        problems.append("the ballots are not listed once each, in the order of their receipts")
    kinds: dict[str | None, int] = defaultdict(int)
    for ballot in challenge["ballots"]:
        code = ballot["receipt"]
        kinds[ballot["kind"]] += 1
        if ballot["kind"] not in (*BALLOT_KINDS, None):
            problems.append(f"ballot {code}: unknown kind {ballot['kind']!r}")
        held = ballot["dots"]
        ideas = [h["idea"] for h in held]
        if ideas != sorted(ideas) or len(set(ideas)) != len(ideas):
            problems.append(f"ballot {code}: its ideas are not listed once each, in order")
        if not all(_whole(h["dots"]) and h["dots"] > 0 for h in held):
            problems.append(f"ballot {code}: dots that are not a whole number above 0")
            continue
        if sum(h["dots"] for h in held) > rule["budget"] or any(
            h["dots"] > rule["cap"] for h in held
        ):
            problems.append(f"ballot {code}: dots outside the budget or the cap")
        for h in held:
            if status.get(h["idea"]) != "visible":
                problems.append(
                    f"ballot {code}: dots on idea {h['idea']}, which is "
                    f"{status.get(h['idea'], 'not in the list of ideas')}"
                )
    counted = turnout["ballots"]
    if sum(counted.get(k, 0) for k in BALLOT_KINDS) != len(codes):
        problems.append(
            f"the turnout counts {sum(counted.get(k, 0) for k in BALLOT_KINDS)} ballots, "
            f"the log lists {len(codes)}"
        )
    if None in kinds and len(kinds) > 1:
        problems.append("some ballots say their kind and others do not: all or none must")
    for kind in BALLOT_KINDS:
        if None not in kinds and kinds.get(kind, 0) != counted.get(kind, 0):
            problems.append(
                f"{kinds.get(kind, 0)} ballots are marked {kind}, the turnout says "
                f"{counted.get(kind, 0)}"
            )
    for kind, people in (
        ("phone", "joined_by_phone"),
        ("ticket", "bound_to_ticket"),
        ("assisted", "made_by_staff"),
    ):
        if counted.get(kind, 0) > turnout[people]:
            problems.append(
                f"{counted.get(kind, 0)} {kind} ballots for {turnout[people]} such participants"
            )
    if turnout["bound_to_ticket"] > turnout["tickets_printed"]:
        problems.append("more participants bound to a ticket than tickets printed")
    if turnout["participants"] != (
        turnout["joined_by_phone"] + turnout["bound_to_ticket"] + turnout["made_by_staff"]
    ):
        problems.append("the turnout's participants are not the sum of its three kinds")
    return problems


def check_sheets(challenge: dict) -> list[str]:
    """Each printed sheet: its rule is the phones' times its people."""
    if "sheets" not in challenge:
        return []
    rule = challenge["rule"]
    status = {i["idea_id"]: i["status"] for i in challenge["ideas"]}
    problems = []
    sheets = challenge["sheets"]
    if not sheets:
        problems.append("the record lists sheets but none: a record without paper has no sheets")
    numbers = [s["sheet"] for s in sheets]
    if not all(_whole(n) and n >= 1 for n in numbers):
        problems.append("a sheet's number is not a whole number of 1 or more")
    elif numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        problems.append("the sheets are not listed once each, in the order of their numbers")
    for sheet in sheets:
        where = f"sheet {sheet['sheet']}"
        people = sheet["people"]
        if not (_whole(people) and people >= 1):
            problems.append(f"{where}: its people {people!r} is not a whole number of 1 or more")
            continue
        held = sheet["dots"]
        ideas = [h["idea"] for h in held]
        if ideas != sorted(ideas) or len(set(ideas)) != len(ideas):
            problems.append(f"{where}: its ideas are not listed once each, in order")
        if not all(_whole(h["dots"]) and h["dots"] > 0 for h in held):
            problems.append(f"{where}: dots that are not a whole number above 0")
            continue
        total = sum(h["dots"] for h in held)
        if total > people * rule["budget"]:
            problems.append(
                f"{where}: {total} dots for {people} people, more than {people} × "
                f"{rule['budget']} = {people * rule['budget']}"
            )
        for h in held:
            if h["dots"] > people * rule["cap"]:
                problems.append(
                    f"{where}: {h['dots']} dots on idea {h['idea']}, more than {people} × "
                    f"{rule['cap']} = {people * rule['cap']}"
                )
            if status.get(h["idea"]) != "visible":
                problems.append(
                    f"{where}: dots on idea {h['idea']}, which is "
                    f"{status.get(h['idea'], 'not in the list of ideas')}"
                )
    return problems


def check_moves(challenge: dict) -> list[str]:
    ideas = {i["idea_id"]: i for i in challenge["ideas"]}
    problems = []
    keys = [(m["kind"], m["idea"]) for m in challenge["moves"]]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        problems.append("the moves are not listed once each, by kind then idea")
    for move in challenge["moves"]:
        kind, idea = move["kind"], ideas.get(move["idea"])
        where = f"{kind} of idea {move['idea']}"
        if kind not in MOVE_KINDS:
            problems.append(f"{where}: unknown kind")
            continue
        if not (_whole(move["dots_moved"]) and _whole(move["dots_refunded"])):
            problems.append(f"{where}: dots that are not whole numbers of 0 or more")
        if idea is None:
            problems.append(f"{where}: no such idea in the list")
        elif kind == "merge" and (
            idea["status"] != "merged" or idea["merged_into"] != move["into"]
        ):
            problems.append(f"{where}: the idea is not listed as merged into idea {move['into']}")
        elif kind == "hide" and (move["into"] is not None or move["dots_moved"] != 0):
            problems.append(f"{where}: a hide moves no dots to another idea")
        elif kind == "hide" and idea["status"] not in ("hidden", "visible"):
            problems.append(f"{where}: the idea is {idea['status']}")
    return problems


def check_challenge(challenge: dict) -> tuple[list[dict], list[str]]:
    """(the recounted ranking, the problems found) for one challenge of the log."""
    if challenge.get("seal") is None:
        return [], ["this challenge has no sealed record (closed before records were sealed)"]
    problems = (
        check_seal(challenge)
        + check_ballots(challenge)
        + check_sheets(challenge)
        + check_moves(challenge)
    )
    ids = [i["idea_id"] for i in challenge["ideas"]]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        problems.append("the ideas are not listed once each, in the order of their numbers")
    dots, supporters = receipt_totals(challenge["ballots"] + challenge.get("sheets", []))
    ranking = rank(challenge["ideas"], dots, supporters)
    problems += compare_rankings(ranking, challenge["ranking"])
    return ranking, problems


# --- the whole log ---------------------------------------------------------------------------


def parse_heads(items: list[str], log: dict) -> dict[int, str]:
    """``N:HASH`` pairs from the command line, checked: raises ValueError with the reason."""
    positions = {c["position"] for c in log.get("challenges", [])}
    heads: dict[int, str] = {}
    for item in items:
        number, colon, value = item.partition(":")
        value = value.strip().lower()
        if not colon or not number.strip().isdigit():
            raise ValueError(f"--head {item!r}: write it N:HASH, N the challenge's number")
        if int(number) not in positions:
            known = ", ".join(str(p) for p in sorted(positions)) or "none"
            raise ValueError(
                f"--head {item!r}: the log has no closed challenge {int(number)} "
                f"(its challenges: {known})"
            )
        if len(value) < HEAD_PREFIX_MIN or not HEX.match(value) or len(value) > 64:
            raise ValueError(
                f"--head {item!r}: give at least the first {HEAD_PREFIX_MIN} hexadecimal "
                "characters of the printed seal"
            )
        heads[int(number)] = value
    return heads


def recount(log: dict, heads: dict[int, str] | None = None) -> tuple[bool, list[str]]:
    """Check every challenge of a log; (all good, the report's lines)."""
    lines = []
    ok = True
    if log.get("format") != LOG_FORMAT or log.get("version") not in LOG_VERSIONS:
        return False, [
            f"not a cite-vote log of version {' or '.join(map(str, LOG_VERSIONS))} "
            f"(format {log.get('format')!r}, version {log.get('version')!r})"
        ]
    for challenge in log["challenges"]:
        _ranking, problems = check_challenge(challenge)
        if "sheets" in challenge and log["version"] < 3:
            problems.append("printed sheets in a log of version 2: they need version 3")
        printed = (heads or {}).get(challenge["position"])
        head = (challenge.get("seal") or {}).get("head") or ""
        if printed and not head.startswith(printed):
            problems.append(f"the log's seal {head[:16]}… is not the printed seal {printed}")
        title = f"{challenge['position']}. {challenge['title']}"
        if problems:
            ok = False
            lines.append(f"{title}: DOES NOT MATCH")
            lines += [f"  - {p}" for p in problems]
        else:
            lines.append(
                f"{title}: matches ({len(challenge['ballots'])} ballots"
                f"{sheets_said(challenge)}, seal {head}"
                f"{', checked against the printed seal' if printed else ''})"
            )
    if not log["challenges"]:
        lines.append("no closed challenge in this log")
    return ok, lines


def sheets_said(challenge: dict) -> str:
    sheets = challenge.get("sheets") or []
    if not sheets:
        return ""
    people = sum(s["people"] for s in sheets)
    return f", {len(sheets)} printed sheets of {people} people"


def log_version(challenges: list[dict]) -> int:
    """The version a log is written in: 3 as soon as one record has printed sheets."""
    return 3 if any("sheets" in c for c in challenges) else 2


def receipt_lines(log: dict, code: str) -> list[str]:
    """What a receipt holds in each challenge of the log, with the ideas' titles."""
    wanted = group_receipt(code)
    lines = []
    for challenge in log["challenges"]:
        titles = {i["idea_id"]: i.get("title") or "" for i in challenge["ideas"]}
        for ballot in challenge["ballots"]:
            if ballot["receipt"] == wanted:
                lines.append(f"{challenge['position']}. {challenge['title']}: receipt {wanted}")
                for held in ballot["dots"]:
                    lines.append(f"  {held['dots']} on idea {held['idea']} {titles[held['idea']]}")
                if not ballot["dots"]:
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
        help=f"the seal printed for challenge N (its first {HEAD_PREFIX_MIN} characters or more)",
    )
    args = parser.parse_args(argv)
    try:
        with open(args.log, encoding="utf-8") as handle:
            log = json.load(handle)
    except (OSError, ValueError) as error:
        print(f"cannot read the log: {error!r}", file=sys.stderr)
        return 1
    try:
        heads = parse_heads(args.head, log)
    except ValueError as error:
        parser.error(str(error))  # exit 2: the command was wrong, nothing was recounted
    try:
        ok, lines = recount(log, heads)
    except (KeyError, TypeError, AttributeError) as error:
        print(f"cannot read the log: a field is missing or of the wrong type ({error!r})")
        print("RESULT: MISMATCH.")
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
