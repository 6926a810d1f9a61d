"""Benchmark a room: 200 participants reading the challenge page and placing dots.

Everything is measured as a ratio against a baseline taken in the same run on the same server
(GET /healthz: one trivial query), so the figures compare across machines. The load generator
runs on the same machine and competes for CPU with the server: that is why only ratios count.

    .venv/bin/python bench/run.py [--workers 3] [--participants 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(database_url: str, participants: int) -> dict:
    from flask_migrate import upgrade

    from cite_vote import create_app
    from cite_vote.accounts.services import join_forum
    from cite_vote.extensions import db
    from cite_vote.forums.services import add_challenge, create_forum
    from cite_vote.ideas.models import Idea

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        forum = create_forum(
            slug="bench", title="Bench", categories=["a", "b", "c"], dot_budget=5, dot_cap=3
        )
        challenge = add_challenge(forum, title="Défi", question="Comment ?", phase="voting")
        ideas = [Idea(challenge_id=challenge.id, title=f"Idée {n}") for n in range(30)]
        db.session.add_all(ideas)
        tokens = [f"bench-token-{n:05d}" for n in range(participants)]
        for n, token in enumerate(tokens):
            join_forum(forum, token, category="abc"[n % 3])
        db.session.commit()
        info = {
            "slug": forum.slug,
            "challenge": challenge.id,
            "ideas": [i.id for i in ideas],
            "tokens": tokens,
            "cookie": app.config["PARTICIPANT_COOKIE_NAME"],
        }
        db.engine.dispose()
    return info


def run_load(name, jobs, concurrency):
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def one(job):
        session, method, url, data = job
        start = time.perf_counter()
        response = session.request(method, url, data=data, timeout=60)
        return time.perf_counter() - start, response.status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for latency, status in pool.map(one, jobs):
            latencies.append(latency)
            statuses[status] = statuses.get(status, 0) + 1
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "name": name,
        "requests": len(jobs),
        "per_second": round(len(jobs) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "statuses": statuses,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="cite-vote-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    info = seed(database_url, args.participants)
    port = free_port()
    env = {
        **os.environ,
        "CITE_VOTE_DATABASE_URL": database_url,
        "CITE_VOTE_SECRET_KEY": "bench-secret",
        "CITE_VOTE_RATELIMIT_ENABLED": "false",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(base + "/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        page_url = f"{base}/f/{info['slug']}/c/{info['challenge']}"
        sessions = []
        for token in info["tokens"]:
            session = requests.Session()
            session.cookies.set(info["cookie"], token)
            html = session.get(page_url, timeout=30).text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
            session.headers.update({"X-CSRFToken": csrf, "HX-Request": "true"})
            sessions.append(session)

        rng = random.Random(5)
        n = len(sessions)
        baseline = run_load(
            "GET /healthz (baseline)",
            [(sessions[i % n], "GET", base + "/healthz", None) for i in range(2000)],
            args.concurrency,
        )
        page = run_load(
            "GET challenge page (30 ideas, voting)",
            [(sessions[i % n], "GET", page_url, None) for i in range(1000)],
            args.concurrency,
        )
        votes = run_load(
            "POST set dots (htmx)",
            [
                (
                    sessions[i % n],
                    "POST",
                    f"{base}/f/{info['slug']}/i/{rng.choice(info['ideas'])}/dots",
                    {"dots": rng.choice([0, 1, 2, 3]), "back": "challenge"},
                )
                for i in range(1000)
            ],
            args.concurrency,
        )
    finally:
        server.terminate()
        server.wait(timeout=15)

    results = []
    for row in (baseline, page, votes):
        row["ratio_to_baseline"] = round(row["per_second"] / baseline["per_second"], 3)
        results.append(row)
    report = {
        "engine": database_url.split(":")[0],
        "workers": args.workers,
        "participants": args.participants,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "results": results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    print(
        f"engine={report['engine']} workers={args.workers} "
        f"participants={args.participants} concurrency={args.concurrency}"
    )
    print("| request | req/s | ratio to baseline | p50 ms | p95 ms | statuses |")
    print("|---|---|---|---|---|---|")
    for row in results:
        print(
            f"| {row['name']} | {row['per_second']} | {row['ratio_to_baseline']} | "
            f"{row['p50_ms']} | {row['p95_ms']} | {row['statuses']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
