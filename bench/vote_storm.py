"""Votes of many people at once on one database, in-process: how fast, and how long they wait
for each other's locks.

    .venv/bin/python bench/vote_storm.py [--db postgres] [--threads 8] [--seconds 20]

The demo forum with challenge 1 in voting (30 ideas) and ``--threads`` participants, each on a
thread of its own posting votes through the Flask test client as fast as it can (alternately 1
and 0 dots on its ideas): the concurrency of gunicorn's workers and threads, without the network
or the phones. On PostgreSQL the server's sessions are sampled every 20 ms meanwhile, and the
share of samples in which a vote waited for a lock (``pg_stat_activity.wait_event_type =
'Lock'``) is printed with the lock's kind: what a row every vote takes would show. Less
sensitive to a shared machine's load than ``bench/event.py``: a lock wait is a wait whatever the
CPU, and the statements and round trips per vote (``bench/profile.py``) do not move at all.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_database, make_app, percentile, seed_demo  # noqa: E402
from ratios import participants_with_cookies  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    database = fresh_database(args.db)
    try:
        info = seed_demo(database.url, ideas=30, phase="voting")
        people, _staff = participants_with_cookies(database.url, info, args.threads)
        app = make_app(database.url)
        app.config["RATELIMIT_ENABLED"] = False
        slug = info["slug"]
        stop = threading.Event()
        latencies: list[float] = []
        statuses: Counter = Counter()
        waits: Counter = Counter()
        samples = [0]

        def voter(n: int) -> None:
            person = people[n]
            client = app.test_client()
            for pair in person["cookie"].split("; "):
                name, value = pair.split("=", 1)
                client.set_cookie(name, value)
            k = 0
            while not stop.is_set():
                idea = info["ideas"][(n * 3 + k // 2) % len(info["ideas"])]
                began = time.perf_counter()
                answer = client.post(
                    f"/f/{slug}/i/{idea}/dots",
                    data={"csrf_token": person["csrf"], "dots": 1 - k % 2, "back": "challenge"},
                    headers={"HX-Request": "true", "X-CSRFToken": person["csrf"]},
                )
                latencies.append(time.perf_counter() - began)
                statuses[answer.status_code] += 1
                k += 1

        def sampler() -> None:
            import psycopg

            name = database.url.rsplit("/", 1)[1]
            with psycopg.connect(
                database.url.replace("postgresql+psycopg", "postgresql"), autocommit=True
            ) as connection:
                while not stop.is_set():
                    rows = connection.execute(
                        "SELECT wait_event_type, wait_event FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()"
                        " AND state = 'active'",
                        (name,),
                    ).fetchall()
                    samples[0] += 1
                    for kind, event in rows:
                        if kind == "Lock":
                            waits[event] += 1
                    time.sleep(0.02)

        threads = [threading.Thread(target=voter, args=(n,)) for n in range(args.threads)]
        if args.db == "postgres":
            threads.append(threading.Thread(target=sampler))
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        print(
            f"{args.threads} voters for {wall:.0f} s ({args.db}): {len(latencies) / wall:.0f} votes"
            f" a second, p50 {percentile(latencies, 50) * 1000:.1f} ms,"
            f" p95 {percentile(latencies, 95) * 1000:.1f} ms; answers {dict(statuses)}"
        )
        if args.db == "postgres":
            share = sum(waits.values()) / max(samples[0], 1) / args.threads
            kinds = ", ".join(f"{event} {count}" for event, count in waits.most_common()) or "none"
            print(
                f"voters waiting for a lock: {share:.0%} of the voter-samples"
                f" ({samples[0]} samples every 20 ms; lock kinds: {kinds})"
            )
        with app.app_context():
            from cite_vote.extensions import db

            db.engine.dispose()
    finally:
        database.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
