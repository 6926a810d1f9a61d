"""Where a vote and a challenge page spend their time: pyinstrument, in-process.

    .venv/bin/python bench/profile.py [--requests 300] [--participants 200] [--lines 45]

Same database as bench/ratios.py (the demo forum, challenge 1 with 30 ideas in voting, 200
participants holding dots), served by the Flask test client, so what is measured is the app
alone: no gunicorn, no network. For each request kind: the mean time per request, the SQL
statements per request, the self time grouped by library (what dominates), and the top of
pyinstrument's call tree.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_database, make_app, seed_demo  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from ratios import participants_with_cookies  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

GROUPS = [
    ("sqlalchemy", "SQLAlchemy (statement building, ORM, results)"),
    ("sqlite3", "sqlite3 / psycopg driver (executing the SQL)"),
    ("psycopg", "sqlite3 / psycopg driver (executing the SQL)"),
    ("markupsafe", "Jinja2 (template rendering)"),
    ("jinja2", "Jinja2 (template rendering)"),
    ("jinja2_fragments", "Jinja2 (template rendering)"),
    ("babel", "Babel / Flask-Babel (translations, formatting)"),
    ("flask_babel", "Babel / Flask-Babel (translations, formatting)"),
    ("gettext", "Babel / Flask-Babel (translations, formatting)"),
    ("wtforms", "WTForms / Flask-WTF (forms, CSRF)"),
    ("flask_wtf", "WTForms / Flask-WTF (forms, CSRF)"),
    ("flask_limiter", "Flask-Limiter"),
    ("limits", "Flask-Limiter"),
    ("werkzeug", "Werkzeug / Flask (request, response, routing)"),
    ("flask", "Werkzeug / Flask (request, response, routing)"),
    ("itsdangerous", "Werkzeug / Flask (request, response, routing)"),
    ("cite_vote", "cite_vote's own code"),
    ("templates", "Jinja2 (template rendering)"),
]


def group_of(path: str | None) -> str:
    if not path:
        return "other"
    if "/templates/" in path or path.endswith(".html"):
        return "Jinja2 (template rendering)"
    parts = Path(path).parts
    for package, label in GROUPS:
        if package in parts or any(p == f"{package}.py" for p in parts):
            return label
    if "site-packages" not in parts and "wt-bench" not in path and "/lib/python" in path:
        return "Python standard library"
    return "other"


def _through_jinja(frame):
    """Past Jinja2's runtime ``call`` wrapper, to what a template really called."""
    if "/jinja2/" in (frame.file_path or "") and frame.function in ("call", "__call__"):
        for child in frame.children:
            yield from _through_jinja(child)
    else:
        yield frame


def callers_of_time(frame, into: Counter) -> None:
    """Total time by (library function called from the app's code or a template): which
    calls out of cite_vote and the templates cost the most (url_for, gettext, execute...)."""
    path = frame.file_path or ""
    if "/cite_vote/" in path or "/templates/" in path:
        for wrapper in frame.children:
            for child in _through_jinja(wrapper):
                child_path = child.file_path or ""
                ours = "/cite_vote/" in child_path or "/templates/" in child_path
                if not ours and not child.function.startswith("["):
                    where = "generated" if child_path.startswith("<") else Path(child_path).name
                    name = f"{child.function} ({where}) from {frame.function}"
                    into[name] += child.time
    for child in frame.children:
        callers_of_time(child, into)


def self_times(frame, into: Counter, parent: str = "other") -> None:
    """Self time by library; pyinstrument's [self] frames and C built-ins count for the
    library that called them, except the database driver's own calls."""
    path, function = frame.file_path, frame.function or ""
    if function.startswith(("Cursor.", "Connection.")) and path == "<built-in>":
        group = "sqlite3 / psycopg driver (executing the SQL)"
    elif path in (None, "<built-in>") or path.startswith("<frozen"):
        group = parent
    else:
        group = group_of(path)
    into[group] += frame.total_self_time
    for child in frame.children:
        self_times(child, into, group)


KINDS = {
    "vote": "vote (POST set dots, htmx)",
    "challenge": "challenge page",
    "forum": "forum page",
    "results": "results page (staff)",
    "phase": "phone phase poll, unchanged (204)",
    "projector": "projector poll, unchanged (204)",
}


class RoundTrips:
    """Round trips to PostgreSQL: libpq's trace of every connection the app opens, one
    ``ReadyForQuery`` from the server per round trip (a statement, the pool's ping, BEGIN,
    COMMIT). What the statements count misses: a vote's 7 statements are 10 round trips."""

    def __init__(self):
        self.file = tempfile.TemporaryFile("w+")  # noqa: SIM115 (open as long as the run)
        self.connections = []
        self.on = True

    def connect(self, dbapi_connection, _record) -> None:
        if self.on:
            self._trace(dbapi_connection)
        self.connections.append(dbapi_connection)

    def pause(self) -> None:
        """No trace while the CPU is timed: libpq writing every message to a file cost a vote
        2 ms of CPU more (5.7 ms with the trace, 3.7 without), which the figures once held."""
        self.on = False
        for connection in self.connections:
            if not connection.closed:
                connection.pgconn.untrace()

    def resume(self) -> None:
        self.on = True
        for connection in self.connections:
            if not connection.closed:
                self._trace(connection)

    def _trace(self, connection) -> None:
        from psycopg import pq

        connection.pgconn.trace(self.file.fileno())
        connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def _flush(self) -> None:  # libpq buffers its trace: stopping it writes it out
        for connection in self.connections:
            if not connection.closed:
                connection.pgconn.untrace()
                self._trace(connection)

    def reset(self) -> None:
        self._flush()
        self.file.seek(0)
        self.file.truncate()

    def count(self) -> int:
        self._flush()
        self.file.seek(0)
        return sum(1 for line in self.file if "\tReadyForQuery" in line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--lines", type=int, default=45, help="lines of each call tree")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--only", nargs="*", choices=sorted(KINDS), help="request kinds to profile (default: all)"
    )
    args = parser.parse_args()

    database = fresh_database(args.db)
    try:
        info = seed_demo(database.url, ideas=30, phase="voting")
        people, staff_cookie = participants_with_cookies(database.url, info, args.participants)
        app = make_app(database.url)
        app.config["RATELIMIT_ENABLED"] = False
        statements = [0]
        trips = RoundTrips() if args.db == "postgres" else None

        @event.listens_for(Engine, "before_cursor_execute")
        def count(*_args, **_kwargs):
            statements[0] += 1

        if trips is not None:
            event.listen(Engine, "connect", trips.connect)

        slug, cid = info["slug"], info["challenge"]
        clients = []
        for person in people:
            client = app.test_client()
            for pair in person["cookie"].split("; "):
                name, value = pair.split("=", 1)
                client.set_cookie(name, value)
            clients.append((client, person["csrf"]))

        def vote(n: int):
            client, csrf = clients[n % len(clients)]
            k = n // len(clients)
            idea = info["ideas"][(n % len(clients) + k // 2) % len(info["ideas"])]
            answer = client.post(
                f"/f/{slug}/i/{idea}/dots",
                data={"csrf_token": csrf, "dots": 1 - k % 2, "back": "challenge"},
                headers={"HX-Request": "true", "X-CSRFToken": csrf},
            )
            assert answer.status_code == 200, answer.status_code

        def challenge(n: int):
            client, _csrf = clients[n % len(clients)]
            answer = client.get(f"/f/{slug}/c/{cid}")
            assert answer.status_code == 200, answer.status_code

        def forum(n: int):
            client, _csrf = clients[n % len(clients)]
            answer = client.get(f"/f/{slug}")
            assert answer.status_code == 200, answer.status_code

        staff = app.test_client()
        name, value = staff_cookie.split("=", 1)
        staff.set_cookie(name, value)

        def results(_n: int):
            answer = staff.get(f"/f/{slug}/results")
            assert answer.status_code == 200, answer.status_code

        def phase(n: int):
            client, csrf = clients[n % len(clients)]
            answer = client.get(
                people[n % len(people)]["phase"],
                headers={"HX-Request": "true", "HX-Trigger": "phase-watch", "X-CSRFToken": csrf},
            )
            assert answer.status_code == 204, answer.status_code

        live = [""]

        def projector(n: int):
            if not live[0]:  # the version the screen holds now (votes above changed it)
                screen = clients[0][0].get(f"/s/{info['screen_token']}").text
                live[0] = re.search(r'hx-get="([^"]*/live\?v=[^"]+)"', screen).group(1)
            answer = clients[0][0].get(
                live[0].replace("&amp;", "&"), headers={"HX-Request": "true"}
            )
            assert answer.status_code == 204, answer.status_code

        functions = {
            "vote": vote,
            "challenge": challenge,
            "forum": forum,
            "results": results,
            "phase": phase,
            "projector": projector,
        }
        for kind in args.only or KINDS:
            label, fn = KINDS[kind], functions[kind]
            for n in range(20):  # warm: templates compiled, caches filled
                fn(n)
            if trips is not None:
                trips.pause()
            start, cpu = time.perf_counter(), time.process_time()
            for n in range(20, 20 + args.requests):
                fn(n)
            plain = (time.perf_counter() - start) / args.requests * 1000
            # CPU time: what the other work on a shared machine disturbs least.
            cpu = (time.process_time() - cpu) / args.requests * 1000
            statements[0] = 0
            if trips is not None:
                trips.resume()
                trips.reset()
            profiler = Profiler(interval=0.0002)
            start = time.perf_counter()
            profiler.start()
            for n in range(20 + args.requests, 20 + 2 * args.requests):
                fn(n)
            profiler.stop()
            elapsed = time.perf_counter() - start
            groups: Counter = Counter()
            root = profiler.last_session.root_frame()
            self_times(root, groups)
            total = sum(groups.values())
            print(f"\n## {label}: {args.requests} requests in-process ({args.db})")
            round_trips = (
                f", {trips.count() / args.requests:.1f} round trips to PostgreSQL"
                if trips is not None
                else ""
            )
            print(
                f"{plain:.1f} ms per request, {cpu:.2f} ms of CPU "
                f"({elapsed / args.requests * 1000:.1f} ms under the profiler), "
                f"{statements[0] / args.requests:.1f} SQL statements per request{round_trips}\n"
            )
            print("| where the time goes (self time) | share |\n|---|---|")
            for name, seconds in groups.most_common(8):
                print(f"| {name} | {seconds / total:.0%} |")
            calls: Counter = Counter()
            callers_of_time(root, calls)
            print(
                "\n| the app's calls into libraries, by total time "
                "(function (file) from caller) | share |\n|---|---|"
            )
            whole = root.time
            for name, seconds in calls.most_common(10):
                print(f"| `{name}` | {seconds / whole:.0%} |")
            text = profiler.output_text(unicode=True, color=False, short_mode=True)
            lines = [re.sub(r"^\.  ?", "", line) for line in text.splitlines()]
            body = [
                line
                for line in lines
                if line.strip(". ") and not line.startswith(("pyinstrument", "Profile at"))
            ]
            print("\n```")
            print("\n".join(body[: args.lines]))
            print("```")
        with app.app_context():
            from cite_vote.extensions import db

            db.engine.dispose()
    finally:
        database.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
