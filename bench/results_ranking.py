"""Ranking a 2,000-participant challenge, against a baseline measured in the same run.

    .venv/bin/python bench/results_ranking.py [--participants 2000] [--ideas 60] [--database URL]

Seeds one closed challenge (every participant spends a budget of 5 dots over 2-4 ideas, with
a ledger entry per vote), then times, in-process on the same database:

- baseline: ``idea_totals`` (one SUM/COUNT over the votes: the least a ranking must read);
- ``challenge_results`` (ranking + category breakdown + comments + shortlist + cross-group);
- the timeline of the top ideas (replays their ledger), the CSV, the XLSX and the PDF cahier.

The ratios to the baseline are what to compare between machines.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from cite_vote import create_app  # noqa: E402
from cite_vote.accounts.models import Participant  # noqa: E402
from cite_vote.extensions import db  # noqa: E402
from cite_vote.forums.services import add_challenge, create_forum  # noqa: E402
from cite_vote.ideas.models import Comment, Idea  # noqa: E402
from cite_vote.votes.models import Ballot, LedgerEntry, Vote  # noqa: E402

CATEGORIES = ["chercheur·e", "entrepreneur·e", "association", "enseignant·e", "citoyen·ne"]


def seed(participants: int, ideas: int, rng: random.Random):
    forum = create_forum(slug="bench", title="Bench", categories=CATEGORIES, dot_budget=5)
    challenge = add_challenge(forum, title="Défi", question="Comment ?", phase="closed")
    idea_rows = [
        Idea(challenge_id=challenge.id, title=f"Idée {n}", description="x" * 200)
        for n in range(ideas)
    ]
    db.session.add_all(idea_rows)
    db.session.flush()
    db.session.execute(
        insert(Participant),
        [
            {
                "forum_id": forum.id,
                "token_hash": f"{n:064d}",
                "category": rng.choice([*CATEGORIES, None]),
                "shuffle_seed": n,
            }
            for n in range(participants)
        ],
    )
    people = db.session.scalars(
        db.select(Participant.id).where(Participant.forum_id == forum.id)
    ).all()
    votes, ledger, ballots = [], [], []
    weights = [1 / (n + 1) for n in range(ideas)]  # a few popular ideas, a long tail
    for pid in people:
        chosen = set()
        while len(chosen) < rng.randint(2, 4):
            chosen.add(rng.choices(range(ideas), weights)[0])
        left = 5
        for n, index in enumerate(sorted(chosen)):
            dots = (
                left
                if n == len(chosen) - 1
                else rng.randint(1, min(3, left - (len(chosen) - n - 1)))
            )
            left -= dots
            idea_id = idea_rows[index].id
            votes.append(
                {
                    "participant_id": pid,
                    "idea_id": idea_id,
                    "challenge_id": challenge.id,
                    "dots": dots,
                }
            )
            ledger.append(
                {
                    "participant_id": pid,
                    "idea_id": idea_id,
                    "challenge_id": challenge.id,
                    "delta": dots,
                    "reason": "vote",
                }
            )
        ballots.append({"participant_id": pid, "challenge_id": challenge.id, "dots_spent": 5})
    db.session.execute(insert(Vote), votes)
    db.session.execute(insert(LedgerEntry), ledger)
    db.session.execute(insert(Ballot), ballots)
    db.session.execute(
        insert(Comment),
        [{"idea_id": rng.choice(idea_rows).id, "body": "Un commentaire"} for _ in range(300)],
    )
    db.session.commit()
    return forum, challenge, len(votes)


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(repeat):
        db.session.expire_all()
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--ideas", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{tmp.name}/bench.sqlite3"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "bench.test"}
    )
    from cite_vote.results.exports import csv_bytes, pdf_bytes, xlsx_bytes
    from cite_vote.results.services import challenge_results, ranking_timeline
    from cite_vote.timeutil import utcnow
    from cite_vote.votes.services import idea_totals

    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        forum, challenge, n_votes = seed(args.participants, args.ideas, random.Random(2018))
        results = challenge_results(forum, [challenge], with_comments=True)

        def cahier_pdf():
            from flask import render_template

            from cite_vote.results.cahier import cahier_context

            # What the cahier's PDF is made of: the same context as the page (cover, contents,
            # chapters, the method annex), the challenge's results read again within it.
            html = render_template(
                "results/cahier.html",
                pdf=True,
                inline_css=(ROOT / "static/css/cahier.css").read_text(),
                **cahier_context(forum, "dots", "all"),
            )
            return pdf_bytes(html)

        cases = [
            (
                "baseline: idea_totals (SUM/COUNT of votes)",
                lambda: idea_totals([challenge.id]),
                args.repeat,
            ),
            (
                "challenge_results (ranking, breakdown, comments)",
                lambda: challenge_results(forum, [challenge], with_comments=True),
                args.repeat,
            ),
            (
                "timeline of the top 5 (ledger replay)",
                lambda: ranking_timeline(results[0]),
                args.repeat,
            ),
            (
                "CSV, all ideas",
                lambda: csv_bytes(results, order="dots", scope="all", sep="comma"),
                args.repeat,
            ),
            (
                "XLSX, all ideas",
                lambda: xlsx_bytes(
                    forum, results, order="dots", scope="all", generated_at=utcnow()
                ),
                5,
            ),
            ("PDF cahier, all ideas", cahier_pdf, 2),
        ]
        print(
            f"{db.engine.dialect.name}: {args.participants} participants, {args.ideas} ideas, "
            f"{n_votes} votes and ledger entries, 300 comments"
        )
        print("| step | median ms | ratio to baseline |\n|---|---|---|")
        base = None
        for label, fn, repeat in cases:
            median = statistics.median(timed(fn, repeat))
            base = base or median
            print(f"| {label} | {median:.1f} | {median / base:.1f} |")
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
