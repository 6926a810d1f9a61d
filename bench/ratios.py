"""Each request kind of the room as a share of a bare Flask app, measured with wrk.

    .venv/bin/python bench/ratios.py [--participants 200] [--duration 5] [--rounds 3]
                                     [--connections 20] [--threads 2] [--db sqlite|postgres]
                                     [--only KIND ...] [--json PATH]

A fresh database is made as a new user makes it (``flask db upgrade``, ``flask demo``), then
challenge 1 of the demo forum gets 30 ideas and is opened for voting, and ``--participants``
people join it (the app's ``join_forum``) and place a few dots. Two gunicorns start with the
same settings (``gunicorn.conf.py``, the file ``make run`` uses): cite-vote, and a five-line
Flask "hello" app (``bench/hello.py``), the ceiling. ``wrk`` (Debian package) then loads each
kind in turn, each run right after a run of the ceiling, for ``--rounds`` rounds: a kind's share
is its rate over the rate of the ceiling run just before it, and the table gives the median
round (with the lowest and highest shares). On a shared machine whose speed drifts by a third
within a minute, a share of the neighbouring run holds still where a share of one ceiling
measured minutes apart does not.

Cookies and CSRF tokens are taken in-process (the Flask test client, same secret key) and
handed to wrk's Lua script as a table of participants (bench/wrk/requests.lua).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    app_env,
    cpu_seconds,
    fresh_database,
    machine,
    make_app,
    seed_demo,
    serving,
)

LUA = ROOT / "bench" / "wrk" / "requests.lua"

# (kind, label, target share of bare Flask from issue 11)
KINDS = [
    ("vote", "vote (POST set dots, htmx)", 0.40),
    ("challenge", "challenge page while voting (participant)", 0.30),
    ("forum", "forum page (participant)", 0.30),
    ("phase", "phone phase poll, unchanged (204)", 0.70),
    ("projector", "projector poll, unchanged (204)", 0.70),
    ("results", "results page (staff)", 0.20),
]


def participants_with_cookies(database_url: str, info: dict, count: int) -> tuple[list, str]:
    """``count`` participants who joined and hold dots, each with the cookie header and CSRF
    token their phone would send; and the staff session cookie of the facilitator."""
    from sqlalchemy import select

    from cite_vote.extensions import db
    from cite_vote.forums.models import Forum
    from cite_vote.ideas.models import Idea
    from cite_vote.timeutil import utcnow
    from cite_vote.votes.categories import join_forum
    from cite_vote.votes.services import set_dots

    app = make_app(database_url)
    people = []
    with app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == info["slug"]))
        ideas = db.session.scalars(select(Idea).where(Idea.id.in_(info["ideas"]))).all()
        tokens = [f"bench-participant-{n:05d}-token" for n in range(count)]
        for n, token in enumerate(tokens):
            person = join_forum(forum, token, category=info["categories"][n % 6])
            # Most people in the room have placed some dots already: 2 on one idea, 1 on another.
            set_dots(person, ideas[(n * 7) % len(ideas)], 2)
            set_dots(person, ideas[(n * 11 + 3) % len(ideas)], 1)
        db.session.commit()
        db.session.remove()
    # Outside the app context: each request of the test client must have its own ``g``, where
    # Flask-WTF keeps the CSRF token it put in the session.
    page = f"/f/{info['slug']}/c/{info['challenge']}"
    for token in tokens:
        client = app.test_client()
        client.set_cookie(info["cookie"], token)
        answer = client.get(page)
        assert answer.status_code == 200, (answer.status_code, answer.headers)
        html = answer.get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        session = client.get_cookie(info["session_cookie"]).value
        cookie = f"{info['cookie']}={token}; {info['session_cookie']}={session}"
        # The phase poll as the page writes it (with the key that lets it skip Flask).
        phase = unescape(re.search(r'id="phase-watch" hx-get="([^"]+)"', html).group(1))
        people.append({"cookie": cookie, "csrf": csrf, "phase": phase})
    from cite_vote.accounts.models import StaffUser

    with app.app_context():
        # The session is checked against the account's session version (logout raises it).
        staff_version = db.session.get(StaffUser, info["staff_id"]).session_version
        db.session.remove()
    staff = app.test_client()
    with staff.session_transaction() as s:
        s["staff_id"] = info["staff_id"]
        s["staff_since"] = utcnow().isoformat()
        s["staff_version"] = staff_version
        s.permanent = True
    staff_cookie = f"{info['session_cookie']}={staff.get_cookie(info['session_cookie']).value}"
    with app.app_context():
        db.engine.dispose()
    return people, staff_cookie


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def write_lua_data(path: Path, people: list, info: dict, paths: dict, staff_cookie: str) -> None:
    lines = ["DATA = {", "  people = {"]
    lines += [
        f"    {{cookie = {lua_string(p['cookie'])}, csrf = {lua_string(p['csrf'])}}},"
        for p in people
    ]
    lines += ["  },", f"  ideas = {{{', '.join(str(i) for i in info['ideas'])}}},", "  paths = {"]
    lines += [f"    {key} = {lua_string(value)}," for key, value in paths.items()]
    lines += ["  },", f"  staff_cookie = {lua_string(staff_cookie)},", "}"]
    path.write_text("\n".join(lines) + "\n")


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def server_cpu(server) -> float:
    return sum(cpu_seconds(pid) for pid in [server.process.pid, *server.workers()])


def wrk(server, kind: str, data: Path, args) -> dict:
    """One wrk run; also the server's CPU per request (master and workers, from /proc), which
    the other work on a shared machine disturbs much less than the requests per second."""
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.base,
        "--",
        kind,
        str(data),
        str(args.threads),
    ]
    cpu = server_cpu(server)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server_cpu(server) - cpu
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    row = json.loads(line[len("BENCH ") :])
    row["per_second"] = row["requests"] / (row["duration_us"] / 1e6)
    row["cpu_ms"] = cpu / max(row["requests"], 1) * 1000
    row["socket_errors"] = row["connect"] + row["read"] + row["write"] + row["timeout"]
    return row


def ledger_entries(database_url: str) -> int:
    from sqlalchemy import func, select

    from cite_vote.extensions import db
    from cite_vote.votes.models import LedgerEntry

    app = make_app(database_url)
    with app.app_context():
        n = db.session.scalar(select(func.count(LedgerEntry.id)))
        db.session.remove()
        db.engine.dispose()
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each kind, each after a ceiling run"
    )
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--only", nargs="*", help="request kinds to measure (default: all)")
    parser.add_argument(
        "--gunicorn", nargs=argparse.REMAINDER, default=[], help="extra gunicorn flags, last"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (make bench installs it when root)")

    machine_before = machine()
    database = fresh_database(args.db)
    tmp = Path(tempfile.mkdtemp(prefix="cite-vote-ratios-"))
    try:
        info = seed_demo(database.url, ideas=30, phase="voting")
        people, staff_cookie = participants_with_cookies(database.url, info, args.participants)
        env = {**app_env(database.url), "CITE_VOTE_RATELIMIT_ENABLED": "false"}
        slug, cid = info["slug"], info["challenge"]
        with (
            serving("wsgi:app", env, *args.gunicorn, ready="/healthz") as app,
            serving("hello:app", env, "--pythonpath", str(ROOT / "bench"), *args.gunicorn) as bare,
        ):
            challenge = f"/f/{slug}/c/{cid}"
            paths = {
                "vote": f"/f/{slug}/i/%d/dots",
                "challenge": challenge,
                "challenge_url": app.base + challenge,
                "forum": f"/f/{slug}",
                "phase": people[0]["phase"],
                "screen_url": f"{app.base}/s/{info['screen_token']}",
                "results": f"/f/{slug}/results",
            }
            data = tmp / "data.lua"
            rows = {}
            kinds = [k for k in KINDS if not args.only or k[0] in args.only]
            rows = {"ceiling": [], **{kind: [] for kind, _label, _target in kinds}}
            for _round in range(args.rounds):
                for kind, _label, _target in kinds:
                    if kind == "projector":
                        # The version the screen holds now (the votes above changed it).
                        _status, screen = get(f"{app.base}/s/{info['screen_token']}")
                        live = re.search(r'hx-get="([^"]*/live\?v=[^"]+)"', screen).group(1)
                        paths["projector"] = live.replace("&amp;", "&")
                    write_lua_data(data, people, info, paths, staff_cookie)
                    ceiling = wrk(bare, "hello", data, args)
                    rows["ceiling"].append(ceiling)
                    before = ledger_entries(database.url) if kind == "vote" else 0
                    row = wrk(app, kind, data, args)
                    row["share"] = row["per_second"] / ceiling["per_second"]
                    row["cpu_share"] = ceiling["cpu_ms"] / row["cpu_ms"]
                    if kind == "vote":
                        row["ledger_entries"] = ledger_entries(database.url) - before
                    rows[kind].append(row)
            workers = len(app.workers())
    finally:
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)

    ceilings = sorted(r["per_second"] for r in rows["ceiling"])
    ceiling = statistics.median(ceilings)
    print(
        f"\nbefore: {machine_before}; after: {machine()}; {args.db}; "
        f"gunicorn.conf.py ({workers} workers) "
        f"{' '.join(args.gunicorn)}; wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s; {args.rounds} rounds; {args.participants} participants"
    )
    print(
        f"Ceiling, bare Flask: median {ceiling:,.0f} req/s over {len(ceilings)} runs "
        f"(lowest {ceilings[0]:,.0f}, highest {ceilings[-1]:,.0f}); each kind's share is of the "
        "ceiling run just before it, median round shown\n"
    )
    print(
        "| request | req/s | share of bare Flask (lowest–highest) | target | p50 ms | p95 ms "
        "| p99 ms | errors | server CPU ms/req | share by CPU |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    report = {"ceiling": ceiling, "workers": workers, "args": vars(args) | {"json": None}}
    table = []
    cpu_ceiling = statistics.median(r["cpu_ms"] for r in rows["ceiling"])
    hello = min(rows["ceiling"], key=lambda r: abs(r["per_second"] - ceiling))
    print(
        f"| bare Flask hello (ceiling) | {ceiling:,.0f} | 100 % | | {hello['p50'] / 1000:.1f} "
        f"| {hello['p95'] / 1000:.1f} | {hello['p99'] / 1000:.1f} | "
        f"{sum(r['status'] + r['socket_errors'] for r in rows['ceiling'])} | "
        f"{cpu_ceiling:.2f} | 100 % |"
    )
    table.append({"kind": "ceiling", "label": "bare Flask hello (ceiling)", "share": 1.0, **hello})
    for kind, label, target in kinds:
        runs = sorted(rows[kind], key=lambda r: r["share"])
        row = runs[len(runs) // 2]
        share = row["share"]
        status = sum(r["status"] for r in runs)
        errors = f"{status} non-2xx/3xx, {sum(r['socket_errors'] for r in runs)} socket"
        if kind == "vote":
            errors += f" ({sum(r['ledger_entries'] for r in runs):,} ledger entries written)"
        mark = "" if target is None else (" ✓" if share >= target else " ✗")
        cpu_share = statistics.median(r["cpu_share"] for r in runs)
        cpu_ms = statistics.median(r["cpu_ms"] for r in runs)
        print(
            f"| {label} | {row['per_second']:,.0f} | {share:.1%}{mark} "
            f"({runs[0]['share']:.1%}–{runs[-1]['share']:.1%}) | "
            f"{'' if target is None else f'≥ {target:.0%}'} | {row['p50'] / 1000:.1f} | "
            f"{row['p95'] / 1000:.1f} | {row['p99'] / 1000:.1f} | {errors} | "
            f"{cpu_ms:.2f} | {cpu_share:.1%} |"
        )
        table.append(
            {
                "kind": kind,
                "label": label,
                "target": target,
                "share": share,
                "lowest": runs[0]["share"],
                "highest": runs[-1]["share"],
                "cpu_ms": cpu_ms,
                "cpu_share": cpu_share,
                **{k: v for k, v in row.items() if k not in ("share", "cpu_ms", "cpu_share")},
            }
        )
    report["rows"] = table
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
