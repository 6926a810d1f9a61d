"""The recount anyone can run: cite_vote/recount.py on the published log, and ``flask recount``.

Every log a test here recounts is also recounted by a second implementation written from
docs/results-log.md alone (tests/second_recount/recount.js, Node): both must agree.
"""

import ast
import copy
import json
import random
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from cite_vote import recount
from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Forum
from cite_vote.ideas.models import Idea
from cite_vote.results.public_log import build_log, recount_forum
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Ballot, LedgerEntry, Vote
from cite_vote.votes.moderation import hide_idea, merge_ideas
from cite_vote.votes.phases import set_phase
from tests import recount_scenes

closed_scene = recount_scenes.closed_scene  # the fixture

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "cite_vote" / "recount.py"
SECOND = ROOT / "tests" / "second_recount" / "recount.js"
NODE = shutil.which("node") or shutil.which("nodejs")


def log_of(forum: Forum) -> dict:
    return build_log(forum, list(forum.challenges), generated_at=utcnow())


def run_script(tmp_path, log: dict, *args: str) -> subprocess.CompletedProcess:
    """As an outsider runs it: python -I -S (no site-packages: no Flask, no cite_vote); and the
    second implementation on the same file, which must give the same verdict."""
    path = tmp_path / "log.json"
    path.write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    second = second_recount(path, *args)  # it reads --head and passes over --receipt
    assert second.returncode == done.returncode, (done.stdout, second.stdout, second.stderr)
    if done.returncode != 2:
        heads = [v for k, v in zip(args, args[1:], strict=False) if k == "--head"]
        agree_with_python(log, json.loads(second.stdout), recount.parse_heads(heads, log))
    return done


def second_recount(path: Path, *args: str) -> subprocess.CompletedProcess:
    assert NODE, "node is needed for the second recount (make system-deps installs it)"
    return subprocess.run(
        [NODE, str(SECOND), str(path), *args], capture_output=True, text=True, timeout=120
    )


def agree_with_python(log: dict, second: dict, heads: dict[int, str]) -> None:
    """Challenge by challenge: the same verdict, the same seal and the same ranking."""
    assert [c["position"] for c in second["challenges"]] == [
        c["position"] for c in log.get("challenges", [])
    ]
    for challenge, theirs in zip(log.get("challenges", []), second["challenges"], strict=True):
        mine, problems = recount.check_challenge(challenge)
        printed = heads.get(challenge["position"])
        if printed and not (challenge.get("seal") or {}).get("head", "").startswith(printed):
            problems.append("not the printed seal")
        assert theirs["ok"] == (not problems), (problems, theirs["problems"])
        if challenge.get("seal") is not None:
            assert theirs["seal"] == recount.record_hash(challenge)
            assert theirs["ranking"] == mine


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
    assert moves == [
        {
            "kind": "hide",
            "idea": ideas["hors-sujet"].id,
            "into": None,
            "dots_moved": 0,
            "dots_refunded": 3,
        },
        {
            "kind": "merge",
            "idea": ideas["doublon"].id,
            "into": ideas["tiers-lieu"].id,
            "dots_moved": 2,
            "dots_refunded": 3,
        },
    ]


def tamper(log: dict, how: str) -> dict:
    """The log with one thing changed after the seal, as a forger would."""
    log = copy.deepcopy(log)
    c = log["challenges"][0]
    if how == "ballot":
        c["ballots"][0]["dots"][0]["dots"] -= 1
    elif how == "title":
        c["ideas"][0]["title"] = "Un autre titre"
    elif how == "status":
        hidden = next(i for i in c["ideas"] if i["status"] == "hidden")
        hidden["status"] = "visible"
    elif how == "proposed_at":
        c["ideas"][-1]["proposed_at"] = "2000-01-01T00:00:00.000000Z"
    elif how == "rule":
        c["rule"]["cap"] = 5
    elif how == "tied":
        c["ranking"][0]["tied"] = not c["ranking"][0]["tied"]
    elif how == "move":
        c["moves"][0]["dots_refunded"] += 1
    elif how == "turnout":
        c["turnout"]["made_by_staff"] += 3
    elif how == "ballots reordered":
        c["ballots"][0], c["ballots"][1] = c["ballots"][1], c["ballots"][0]
    elif how == "ballot removed":
        del c["ballots"][0]
    return log


@pytest.mark.parametrize(
    "how",
    [
        "ballot",
        "title",
        "status",
        "proposed_at",
        "rule",
        "tied",
        "move",
        "turnout",
        "ballots reordered",
        "ballot removed",
    ],
)
def test_anything_changed_after_the_seal_fails(closed_scene, tmp_path, how):
    log = tamper(log_of(closed_scene.forum), how)
    ok, lines = recount.recount(log)
    assert not ok and any("the seal does not match the record" in line for line in lines), lines
    done = run_script(tmp_path, log)
    assert done.returncode == 1 and "MISMATCH" in done.stdout, done.stdout


def reseal(log: dict) -> dict:
    """A forger who also recomputes the seal: the log agrees with itself."""
    for challenge in log["challenges"]:
        challenge["seal"]["head"] = recount.record_hash(challenge)
    return log


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("tied", "ranking line 1: recounted idea"),
        ("status", "which is hidden"),
        ("ballots reordered", "not listed once each, in the order of their receipts"),
        ("turnout", "participants are not the sum of its three kinds"),
        ("ballot", "ranking line"),
    ],
)
def test_a_resealed_log_still_fails_on_what_it_breaks(closed_scene, tmp_path, how, says):
    """Resealed, a change passes the seal but not the checks of what it changed."""
    log = log_of(closed_scene.forum)
    if how == "status":  # a hidden idea shown again while holding dots
        c = log["challenges"][0]
        hidden = next(i for i in c["ideas"] if i["status"] == "hidden")
        c["ballots"][0]["dots"].append({"idea": hidden["idea_id"], "dots": 1})
        c["ballots"][0]["dots"].sort(key=lambda h: h["idea"])
        log = reseal(log)
    else:
        log = reseal(tamper(log, how))
    ok, lines = recount.recount(log)
    assert not ok and any(says in line for line in lines), lines
    assert not any("the seal does not match" in line for line in lines), lines
    assert run_script(tmp_path, log).returncode == 1


def test_a_resealed_log_fails_against_the_printed_seal(closed_scene, tmp_path):
    """A forger who rewrites the record and its seal is caught by the seal in the cahier."""
    good = log_of(closed_scene.forum)
    printed = good["challenges"][0]["seal"]["head"][:16]
    forged = reseal(tamper(good, "title"))
    assert run_script(tmp_path, forged).returncode == 0  # it agrees with itself
    done = run_script(tmp_path, forged, "--head", f"1:{printed}")
    assert done.returncode == 1 and "is not the printed seal" in done.stdout
    assert run_script(tmp_path, good, "--head", f"1:{printed}").returncode == 0
    assert run_script(tmp_path, good, "--head", f"1:{printed.upper()}").returncode == 0


@pytest.mark.parametrize(
    ("head", "says"),
    [
        ("99:abcdef123456", "no closed challenge 99"),
        ("7:", "no closed challenge 7"),
        ("1:", "at least the first 12 hexadecimal characters"),
        ("1:abcdef", "at least the first 12 hexadecimal characters"),
        ("1:zzzzzzzzzzzzzzzz", "at least the first 12 hexadecimal characters"),
        ("abc", "write it N:HASH"),
    ],
)
def test_a_head_that_names_nothing_is_an_error(closed_scene, tmp_path, head, says):
    """A false --head never gives an all-clear: the command is refused, exit 2."""
    done = run_script(tmp_path, log_of(closed_scene.forum), "--head", head)
    assert done.returncode == 2, done.stdout
    assert says in done.stderr and "match" not in done.stdout


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


def take_a_dot_in_the_database(scene, db) -> None:
    """Someone edits a stored vote after the closing, behind the app's back."""
    vote = db.session.scalars(
        select(Vote).where(Vote.idea_id == scene.ideas["observatoire"].id)
    ).first()
    vote.dots -= 1
    db.session.commit()


def test_flask_recount_catches_a_vote_changed_in_the_database(closed_scene, runner, db):
    take_a_dot_in_the_database(closed_scene, db)
    result = runner.invoke(args=["recount", "recompte"])
    assert result.exit_code == 1
    assert f"idea {closed_scene.ideas['observatoire'].id}: the ledger adds up to" in result.output


def test_flask_recount_names_what_changed_in_the_database_after_the_seal(closed_scene, runner, db):
    """The log publishes the record as sealed; the server's recount compares it with today."""
    idea = closed_scene.ideas["mentorat"]
    idea.title = "Un titre changé après la clôture"
    take_a_dot_in_the_database(closed_scene, db)
    result = runner.invoke(args=["recount", "recompte"])
    assert result.exit_code == 1
    assert f"idea {idea.id}: its title changed since the seal" in result.output
    assert "its dots in the database differ from the sealed ones" in result.output
    assert "the results pages disagree with the sealed ranking" in result.output


def test_ballots_say_their_kind_once_every_kind_is_large_enough(
    make_forum, make_participant, make_idea, cast_dots, db, tmp_path
):
    """Staff-made (assisted) and ticket ballots are counted apart, and marked one by one only
    when no kind is small enough to point at a person seen voting with a facilitator."""
    from cite_vote.accounts.services import create_assisted_participant
    from cite_vote.accounts.tickets import generate_tickets
    from cite_vote.votes.record import SMALL_GROUP

    forum = make_forum(slug="genres", challenges=1, phase="voting", dot_budget=3, dot_cap=3)
    challenge = forum.challenges[0]
    idea = make_idea(challenge, title="Une idée")
    tickets = generate_tickets(forum, 8)
    for ticket in tickets[:SMALL_GROUP]:
        person = make_participant(forum)
        ticket.participant_id = person.id
        cast_dots(person, idea, 1)
    for _ in range(SMALL_GROUP + 1):
        cast_dots(make_participant(forum), idea, 2)
    helped = [create_assisted_participant(forum) for _ in range(2)]
    db.session.commit()
    for person in helped:
        cast_dots(person, idea, 3)
    set_phase(forum, "closed")
    db.session.commit()
    record = log_of(forum)["challenges"][0]
    assert record["turnout"]["ballots"] == {"phone": 6, "ticket": 5, "assisted": 2}
    assert record["turnout"]["made_by_staff"] == 2 and record["turnout"]["tickets_printed"] == 8
    assert {b["kind"] for b in record["ballots"]} == {None}  # two assisted: too few to mark
    assert run_script(tmp_path, log_of(forum)).returncode == 0
    set_phase(forum, "voting")
    db.session.commit()
    helped += [create_assisted_participant(forum) for _ in range(3)]
    db.session.commit()
    for person in helped[2:]:
        cast_dots(person, idea, 3)
    set_phase(forum, "closed")
    db.session.commit()
    log = log_of(forum)
    record = log["challenges"][0]
    kinds = [b["kind"] for b in record["ballots"]]
    assert sorted(kinds) == ["assisted"] * 5 + ["phone"] * 6 + ["ticket"] * 5
    assert record["seal"]["closing"] == 2
    assert "assisted" in json.dumps(log)
    assert run_script(tmp_path, log).returncode == 0
    marked = copy.deepcopy(log)
    helped_ballot = next(b for b in marked["challenges"][0]["ballots"] if b["kind"] == "assisted")
    helped_ballot["kind"] = "phone"  # an assisted ballot passed off as a phone's
    ok, lines = recount.recount(reseal(marked))
    assert not ok, lines
    assert any("4 ballots are marked assisted, the turnout says 5" in line for line in lines)


def test_the_demo_forum_recounts_once_closed(runner, db):
    from cite_vote.votes.categories import join_forum
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
    assert len(log["challenges"][0]["ballots"]) > 1500
    done = run_script(tmp_path, log)
    assert done.returncode == 0, done.stdout[-2000:]
    # One dot moved in the log is enough to fail.
    log["challenges"][0]["ballots"][1234]["dots"][0]["dots"] -= 1
    assert run_script(tmp_path, log).returncode == 1


def test_flask_verify_checks_the_staff_s_chain(closed_scene, runner, db):
    """The time-ordered chain is no longer published: the staff's verify checks it."""
    assert runner.invoke(args=["verify", "recompte"]).exit_code == 0
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.seq == 4)).one()
    entry.created_at -= timedelta(hours=1)  # the sum of dots is unchanged, the chain is not
    db.session.commit()
    result = runner.invoke(args=["verify", "recompte"])
    assert result.exit_code == 1
    assert "entry #4 (line 4 of the ledger) changed" in result.output


# --- the spec's test vector ------------------------------------------------------------------

VECTOR = ROOT / "docs" / "log-test-vector.json"
SPEC = ROOT / "docs" / "results-log.md"


def test_the_spec_s_test_vector_recounts_with_the_seals_it_gives(tmp_path):
    """docs/results-log.md lists the vector's seals and one hashed text: both implementations
    find exactly those."""
    log = json.loads(VECTOR.read_text(encoding="utf-8"))
    spec = SPEC.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d) \| `([0-9a-f]{64})` \|$", spec, flags=re.M))
    assert {int(k): v for k, v in table.items()} == {
        c["position"]: recount.record_hash(c) for c in log["challenges"]
    }
    text = recount.canonical(recount.record_fields(log["challenges"][1])).decode("utf-8")
    assert f"\n{text}\n" in spec
    with_sheets = recount.canonical(recount.record_fields(log["challenges"][2])).decode("utf-8")
    assert with_sheets.startswith('["cite-vote/record/3"') and f"\n{with_sheets}\n" in spec
    done = run_script(tmp_path, log, "--head", f"1:{table['1'][:12]}", "--head", f"2:{table['2']}")
    assert done.returncode == 0, done.stdout
    assert done.stdout.count("checked against the printed seal") == 2
    assert "2 printed sheets of 8 people" in done.stdout
    assert run_script(tmp_path, tamper(log, "title")).returncode == 1
