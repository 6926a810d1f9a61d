"""The heavy requests of a big forum, timed: none may run past a worker's timeout (30 s).

    .venv/bin/python bench/heavy_downloads.py [--challenges 10] [--ideas 200] [--comments 720]
                                              [--participants 2000] [--tickets 5000]

Seeds a closed forum of ``challenges`` × ``ideas`` ideas (every participant spends a budget of
5 dots in each challenge, with its ledger entries), ``comments`` comments and ``tickets``
printed tickets, then times each request an organiser makes after the vote through the Flask
test client (in-process: the server's time, without the network), as an organiser logged in:
the results page, the CSV, XLSX and JSON downloads, the cahier page, the cahier PDF (first
request: 202 while it builds in the background; the build itself, as ``flask cahier-build``
runs it; then the download once built) and the ticket sheet (500 tickets a page).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from cite_vote import create_app  # noqa: E402
from cite_vote.accounts.models import Participant  # noqa: E402
from cite_vote.accounts.services import create_staff_user  # noqa: E402
from cite_vote.extensions import db  # noqa: E402
from cite_vote.forums.services import add_challenge, create_forum  # noqa: E402
from cite_vote.ideas.models import Comment, Idea  # noqa: E402
from cite_vote.votes.models import Ballot, LedgerEntry, Vote  # noqa: E402

CATEGORIES = ["chercheur·e", "entrepreneur·e", "association", "enseignant·e", "citoyen·ne"]
PASSWORD = "bench-organiser-password"
TIMEOUT = 30  # gunicorn.conf.py


def seed(args, rng: random.Random) -> str:
    owner = create_staff_user("organiser@bench.test", "organiser", PASSWORD)
    forum = create_forum(slug="grand-forum", title="Grand forum", categories=CATEGORIES)
    forum.owner_id = owner.id
    challenges = [
        add_challenge(forum, title=f"Défi {c + 1}", question="Comment ?", phase="closed")
        for c in range(args.challenges)
    ]
    db.session.flush()
    ideas = {}
    for challenge in challenges:
        rows = [
            Idea(
                challenge_id=challenge.id,
                title=f"Idée {n + 1} du défi {challenge.position} : un titre de taille moyenne",
                description="Une description de quelques lignes, comme en écrivent les gens. " * 3,
                author_category=rng.choice(CATEGORIES),
            )
            for n in range(args.ideas)
        ]
        db.session.add_all(rows)
        db.session.flush()
        ideas[challenge.id] = [i.id for i in rows]
    db.session.execute(
        insert(Participant),
        [
            {
                "forum_id": forum.id,
                "token_hash": f"{n:064d}",
                "category": rng.choice([*CATEGORIES, None]),
                "shuffle_seed": n,
            }
            for n in range(args.participants)
        ],
    )
    people = list(db.session.execute(select(Participant.id, Participant.category)))
    votes, ledger, ballots = [], [], []
    for challenge_id, idea_ids in ideas.items():
        for pid, category in people:
            left = 5
            for idea_id in rng.sample(idea_ids, 3):
                dots = min(left, rng.randint(1, 3))
                left -= dots
                votes.append(
                    {
                        "participant_id": pid,
                        "idea_id": idea_id,
                        "challenge_id": challenge_id,
                        "dots": dots,
                        "category": category,
                    }
                )
                ledger.append(
                    {
                        "challenge_id": challenge_id,
                        "idea_id": idea_id,
                        "participant_id": pid,
                        "delta": dots,
                        "reason": "vote",
                    }
                )
                if not left:
                    break
            ballots.append(
                {"participant_id": pid, "challenge_id": challenge_id, "dots_spent": 5 - left}
            )
    db.session.execute(insert(Vote), votes)
    db.session.execute(insert(LedgerEntry), ledger)
    db.session.execute(insert(Ballot), ballots)
    all_ideas = [i for ids in ideas.values() for i in ids]
    db.session.execute(
        insert(Comment),
        [
            {"idea_id": rng.choice(all_ideas), "body": "Un commentaire utile, de deux phrases."}
            for _ in range(args.comments)
        ],
    )
    from cite_vote.accounts.tickets import generate_tickets

    for _ in range(args.tickets // 500):
        generate_tickets(forum, 500)
    db.session.commit()
    return forum.slug


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--challenges", type=int, default=10)
    parser.add_argument("--ideas", type=int, default=200)
    parser.add_argument("--comments", type=int, default=720)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=5000)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="cite-vote-heavy-")
    url = f"sqlite:///{tmp.name}/heavy.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-heavy-downloads",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        slug = seed(args, random.Random(2018))
        print(
            f"Seeded in {time.perf_counter() - started:.0f} s: {args.challenges} challenges × "
            f"{args.ideas} ideas, {args.participants} participants, {args.comments} comments, "
            f"{args.tickets} tickets.\n"
        )
    client = app.test_client()
    client.post("/staff/login", data={"email": "organiser@bench.test", "password": PASSWORD})

    rows = []

    def timed(label: str, path: str, expect: int = 200) -> float:
        start = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - start
        assert response.status_code == expect, (path, response.status_code)
        rows.append((label, seconds, len(response.data), response.status_code))
        return seconds

    base = f"/f/{slug}"
    timed("results page", f"{base}/results")
    timed("CSV download", f"{base}/results.csv")
    timed("XLSX download", f"{base}/results.xlsx")
    timed("JSON download", f"{base}/results.json")
    timed("cahier page (HTML)", f"{base}/cahier")
    from cite_vote.results import views

    launched = []
    views.launch_build = lambda *a, **kw: launched.append((a, kw))  # built below, timed
    timed("cahier PDF, first request (202 while it builds)", f"{base}/cahier.pdf", expect=202)
    runner = app.test_cli_runner()
    file_id = str(launched[0][0][1]) if launched else None
    start = time.perf_counter()
    result = runner.invoke(
        args=["cahier-build", slug, *(["--file-id", file_id] if file_id else [])]
    )
    build = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    rows.append(("cahier PDF, the build (background process)", build, 0, "—"))
    timed("cahier PDF, once built", f"{base}/cahier.pdf")
    timed("ticket sheet (500 of the tickets)", f"/staff/f/{slug}/tickets/print")

    print("| request | seconds | bytes | status | under the 30 s timeout |")
    print("|---|---|---|---|---|")
    for label, seconds, size, status in rows:
        background = "background" in label
        verdict = "(not a request)" if background else ("✓" if seconds < TIMEOUT else "✗")
        print(f"| {label} | {seconds:.2f} | {size:,} | {status} | {verdict} |")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
