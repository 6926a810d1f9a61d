"""The recount anyone can run: cite_vote/recount.py on the published log, and ``flask recount``."""

import ast
import copy
import json
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from cite_vote import recount
from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Forum
from cite_vote.forums.services import set_phase
from cite_vote.ideas.models import Idea
from cite_vote.ideas.moderation import hide_idea, merge_ideas
from cite_vote.results.log import build_log, recount_forum
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot, LedgerEntry, Vote
from tests import recount_scenes

closed_scene = recount_scenes.closed_scene  # the fixture

SCRIPT = Path(__file__).resolve().parent.parent / "cite_vote" / "recount.py"


def log_of(forum: Forum) -> dict:
    return build_log(forum, list(forum.challenges), generated_at=utcnow())


def run_script(tmp_path, log: dict, *args: str) -> subprocess.CompletedProcess:
    """As an outsider runs it: python -I -S (no site-packages: no Flask, no cite_vote)."""
    path = tmp_path / "log.json"
    path.write_text(json.dumps(log), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_the_log_of_a_closed_challenge_recounts(closed_scene, tmp_path):
    log = log_of(closed_scene.forum)
    assert [c["position"] for c in log["challenges"]] == [1]  # the voting one is not in it
    ok, lines = recount.recount(log)
    assert ok, lines
    done = run_script(tmp_path, log)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1. Défi 1: matches" in done.stdout and "RESULT: the published" in done.stdout


def test_the_script_needs_only_the_standard_library(tmp_path):
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            f"import sys; sys.argv=['x', '--help'];exec(open({str(SCRIPT)!r}).read())",
        ],
        capture_output=True,
        text=True,
    )
    assert "--receipt" in done.stdout, done.stderr


def test_merges_and_hides_are_listed_with_dots_moved_and_refunded(closed_scene):
    log = log_of(closed_scene.forum)
    ideas = closed_scene.ideas
    moves = log["challenges"][0]["moves"]
    # doublon held 2 (ana) + 3 (bruno); ana had 3 on tiers-lieu (cap 3): 0 moved, 2 refunded;
    # bruno had 1: 2 moved, 1 refunded. hors-sujet held 2 + 1, all refunded.
    assert {
        "kind": "merge",
        "idea": ideas["doublon"].id,
        "into": ideas["tiers-lieu"].id,
        "dots_moved": 2,
        "dots_refunded": 3,
    } in moves
    assert {
        "kind": "hide",
        "idea": ideas["hors-sujet"].id,
        "into": None,
        "dots_moved": 0,
        "dots_refunded": 3,
    } in moves


def break_entry(log, how: str) -> dict:
    log = copy.deepcopy(log)
    ledger = log["challenges"][0]["ledger"]
    if how == "changed":
        ledger[4]["delta"] += 1
    elif how == "removed":
        del ledger[4]
    elif how == "reordered":
        ledger[4], ledger[5] = ledger[5], ledger[4]
    elif how == "rehashed":  # changed, and every hash after it recomputed: only the head tells
        ledger[4]["at"] = "2000-01-01T00:00Z"
        prev = ledger[3]["hash"]
        for entry in ledger[4:]:
            entry["prev"] = prev
            entry["hash"] = prev = recount.entry_hash(log["challenges"][0]["id"], entry, prev)
    return log


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("changed", "entry #5 (line 5 of the ledger) changed"),
        ("removed", "entry #5 removed: entry #6 (line 5 of the ledger)"),
        (
            "reordered",
            "entries reordered: entry #6 (line 5 of the ledger) comes before entry #5 (line 6)",
        ),
        ("rehashed", "not at the published head"),
    ],
)
def test_a_tampered_log_fails_naming_the_place(closed_scene, tmp_path, how, says):
    log = break_entry(log_of(closed_scene.forum), how)
    ok, lines = recount.recount(log)
    assert not ok and any(says in line for line in lines), lines
    done = run_script(tmp_path, log)
    assert done.returncode == 1 and says in done.stdout, done.stdout
    assert "MISMATCH" in done.stdout


def test_a_rehashed_log_fails_against_the_printed_head(closed_scene, tmp_path):
    """A forger who rewrites the whole chain and its head is caught by the printed head."""
    good = log_of(closed_scene.forum)
    printed = good["challenges"][0]["chain"]["head"][:16]
    forged = break_entry(good, "rehashed")
    forged["challenges"][0]["chain"]["head"] = forged["challenges"][0]["ledger"][-1]["hash"]
    assert run_script(tmp_path, forged).returncode == 0  # consistent with itself...
    done = run_script(tmp_path, forged, "--head", f"1:{printed}")
    assert done.returncode == 1 and "is not the printed head" in done.stdout
    assert run_script(tmp_path, good, "--head", f"1:{printed}").returncode == 0


def test_changed_receipts_or_ranking_fail(closed_scene):
    log = log_of(closed_scene.forum)
    moved = copy.deepcopy(log)
    moved["challenges"][0]["receipts"][0]["dots"][0]["dots"] -= 1
    ok, lines = recount.recount(moved)
    assert not ok and any("the ledger adds up to" in line for line in lines), lines
    swapped = copy.deepcopy(log)
    ranking = swapped["challenges"][0]["ranking"]
    ranking[0]["idea_id"], ranking[1]["idea_id"] = ranking[1]["idea_id"], ranking[0]["idea_id"]
    ok, lines = recount.recount(swapped)
    assert not ok and any(line.startswith("  - ranking line 1") for line in lines), lines


def test_the_script_prints_a_receipts_dots(closed_scene, tmp_path, db):
    from cite_vote.votes.chain import receipt_of

    code = receipt_of(closed_scene.people["bruno"].id, closed_scene.challenge.id)
    typed = code.lower().replace("-", " ")
    done = run_script(tmp_path, log_of(closed_scene.forum), "--receipt", typed)
    assert done.returncode == 0
    assert f"receipt {code}" in done.stdout
    # bruno: 1 on tiers-lieu + 2 moved from doublon = 3; 1 on mentorat.
    assert f"3 on idea {closed_scene.ideas['tiers-lieu'].id} Un tiers-lieu" in done.stdout
    assert f"1 on idea {closed_scene.ideas['mentorat'].id} Du mentorat" in done.stdout
    unknown = run_script(tmp_path, log_of(closed_scene.forum), "--receipt", "AAAAA-AAAAA")
    assert "not in this log" in unknown.stdout


def test_an_unreadable_log_exits_1(tmp_path):
    path = tmp_path / "log.json"
    path.write_text("{not json")
    done = subprocess.run([sys.executable, "-I", "-S", str(SCRIPT), str(path)], capture_output=True)
    assert done.returncode == 1 and b"cannot read the log" in done.stderr
    ok, lines = recount.recount({"format": "something else"})
    assert not ok


# --- flask recount -------------------------------------------------------------------------


def test_flask_recount_exit_codes(closed_scene, runner, db):
    result = runner.invoke(args=["recount", "recompte"])
    assert result.exit_code == 0, result.output
    assert "recompte: the recount matches the published results." in result.output
    # Someone edits a ledger row in the database after the closing: the chain breaks there.
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.seq == 3)).one()
    entry.delta += 1
    db.session.commit()
    result = runner.invoke(args=["recount", "recompte"])
    assert result.exit_code == 1
    assert "entry #3 (line 3 of the ledger) changed" in result.output
    assert "does NOT match" in result.output
    unknown = runner.invoke(args=["recount", "nowhere"])
    assert unknown.exit_code != 0 and "No forum" in unknown.output


def test_flask_recount_catches_a_vote_changed_in_the_database(closed_scene, runner, db):
    vote = db.session.scalars(
        select(Vote).where(Vote.idea_id == closed_scene.ideas["observatoire"].id)
    ).first()
    vote.dots -= 1
    db.session.commit()
    result = runner.invoke(args=["recount", "recompte"])
    assert result.exit_code == 1
    assert f"idea {closed_scene.ideas['observatoire'].id}: the ledger adds up to" in result.output


def test_the_demo_forum_recounts_once_closed(runner, db):
    from cite_vote.accounts.services import join_forum
    from cite_vote.votes.services import set_dots

    assert runner.invoke(args=["demo"]).exit_code == 0
    forum = db.session.scalar(select(Forum).where(Forum.slug == "cite-2018"))
    set_phase(forum, "voting")
    db.session.commit()
    rng = random.Random(2018)
    for n in range(40):
        person = join_forum(forum, f"demo-token-{n:04d}", category=rng.choice(forum.categories))
        for challenge in forum.challenges:
            ideas = db.session.scalars(select(Idea).where(Idea.challenge_id == challenge.id)).all()
            left = forum.dot_budget
            for idea in rng.sample(ideas, min(3, len(ideas))):
                n_dots = rng.randint(0, min(left, forum.dot_cap))
                set_dots(person, idea, n_dots)
                left -= n_dots
    db.session.commit()
    assert runner.invoke(args=["phase", "cite-2018", "closed"]).exit_code == 0
    result = runner.invoke(args=["recount", "cite-2018"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": matches (") == 6


def test_a_2000_participant_forum_recounts(make_forum, make_staff, db, tmp_path):
    """2,000 people, 12 ideas, some changing their minds, a hide and a merge, then closed."""
    forum = make_forum(slug="grand", challenges=1, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    start = utcnow() - timedelta(hours=2)
    ideas = [
        Idea(challenge_id=challenge.id, title=f"Idée {n}", created_at=start + timedelta(seconds=n))
        for n in range(12)
    ]
    db.session.add_all(ideas)
    db.session.flush()
    db.session.execute(
        insert(Participant),
        [
            {
                "forum_id": forum.id,
                "token_hash": f"{n:064x}",
                "shuffle_seed": n,
                "category": forum.categories[n % len(forum.categories)],
            }
            for n in range(2000)
        ],
    )
    pids = db.session.scalars(select(Participant.id).where(Participant.forum_id == forum.id)).all()
    rng = random.Random(2000)
    votes, ballots, ledger = [], [], []
    for k, pid in enumerate(pids):
        left, spent = forum.dot_budget, 0
        for idea in rng.sample(ideas, 3):
            dots = rng.randint(0, min(left, forum.dot_cap))
            if not dots:
                continue
            at = start + timedelta(seconds=k)
            if dots > 1 and rng.random() < 0.2:  # changed their mind: up, then down
                ledger.append((pid, idea.id, dots + 0, at))
                ledger.append((pid, idea.id, -1, at))
                ledger.append((pid, idea.id, 1, at))
            else:
                ledger.append((pid, idea.id, dots, at))
            votes.append(
                {
                    "participant_id": pid,
                    "idea_id": idea.id,
                    "challenge_id": challenge.id,
                    "dots": dots,
                }
            )
            left -= dots
            spent += dots
        ballots.append({"participant_id": pid, "challenge_id": challenge.id, "dots_spent": spent})
    # The "changed their mind" entries above add up to the vote: dots + 0 - 1 + 1.
    db.session.execute(insert(Vote), votes)
    db.session.execute(insert(Ballot), ballots)
    db.session.execute(
        insert(LedgerEntry),
        [
            {
                "challenge_id": challenge.id,
                "participant_id": p,
                "idea_id": i,
                "delta": d,
                "reason": "vote",
                "created_at": at,
            }
            for p, i, d, at in ledger
        ],
    )
    db.session.commit()
    staff = make_staff("facilitator", forums=[forum])
    hide_idea(ideas[11], staff, "duplicate")
    db.session.commit()
    merge_ideas(ideas[10], ideas[0], staff)
    db.session.commit()
    set_phase(forum, "closed")
    db.session.commit()

    ok, lines = recount_forum(forum, now=utcnow())
    assert ok, lines
    log = log_of(forum)
    assert len(log["challenges"][0]["receipts"]) > 1500
    done = run_script(tmp_path, log)
    assert done.returncode == 0, done.stdout[-2000:]
    # One dot moved in the log is enough to fail.
    log["challenges"][0]["ledger"][1234]["delta"] += 1
    assert run_script(tmp_path, log).returncode == 1
