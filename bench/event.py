"""The event day, played end to end against a real gunicorn: 2,000 phones, one facilitator.

    .venv/bin/python bench/event.py [--phones 2000] [--db sqlite|postgres] [--duration 1.0]
                                    [--projectors 3] [--comments 300] [--json PATH]

What happens (times at ``--duration 1``; the scale multiplies every window, not the app's own
poll intervals):

- the database is made as a new user makes it (``flask db upgrade``, ``flask demo``); challenge
  1 of the demo forum gets 30 ideas and stays in ``proposing``; a facilitator account and the
  projector's secret link are made with the app's services;
- gunicorn starts with ``gunicorn.conf.py`` (the file ``make run`` uses) and the app's default
  settings, rate limits included (every phone comes from 127.0.0.1, as a room behind one NAT);
- three projectors open the secret screen link and poll its live block every second with the
  version token the last answer carried (204 while nothing changed);
- the facilitator logs in and keeps the control page open (its poll every 3 s);
- the phones arrive at random over 2 minutes: the join page, the join form (htmx POST), the
  forum page, the challenge page; from then on each polls the phase every 5 s, from a random
  moment of the first 5 s (static/js/app.js), with the URL and headers of the page's htmx poll
  (``seen=proposing``);
- a few hundred comments arrive from random phones (the idea page, then the htmx POST);
- 10 s after the last arrival the facilitator opens voting (the control page's POST); each phone
  notices on its next poll (HX-Refresh), reloads the challenge page, and spends its 5 dots
  (htmx POSTs, one dot more each time, never over the cap) at random moments within 60 s of
  the opening;
- 10 s after the window the run stops; worker RSS and CPU are read from /proc, and the dots in
  the database are checked (``flask verify``).

One aiohttp session and one TCP connector carry every phone's traffic (loopback only), on
uvloop's event loop when it is installed (``--loop asyncio`` for the standard one); each phone
keeps its own cookies, sent by hand in the Cookie header.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp

try:  # the bench extra brings it: the same client on uvloop costs the shared CPU less
    import uvloop
except ImportError:
    uvloop = None

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    STAFF_EMAIL,
    STAFF_PASSWORD,
    Server,
    app_env,
    cpu_seconds,
    flask_cli,
    fresh_database,
    machine,
    make_app,
    percentile,
    rss_mb,
    seed_demo,
)

PHASE_POLL = 5.0  # hx-trigger="every 5s" on the challenge page
SCREEN_POLL = 1.0  # hx-trigger="every 1s" on the screen's live block
CONTROL_POLL = 3.0  # facilitate.POLL_SECONDS
HTMX_TIMEOUT = 15.0  # base.html's htmx-config "timeout"
SCREEN_TIMEOUT = 8.0  # screen.html's htmx-config "timeout"

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'")
PHASE_WATCH = re.compile(r'id="phase-watch" hx-get="([^"]+)"')
SCREEN_LIVE = re.compile(r'id="screen-live"[^>]*?hx-get="([^"]+)"', re.S)
CONTROL_ROOM = re.compile(r'id="room"[^>]*?hx-get="([^"]+)"', re.S)
IDEA_CARD = re.compile(r'<li id="idea-(\d+)"')
# What a page loads besides itself: its stylesheet and scripts (templates/base.html).
SUBRESOURCE = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"')
MAX_AGE = re.compile(r"max-age=(\d+)")
# The pages a phone loads whole (the others are htmx fragments and polls).
PAGE_KINDS = {
    "join page",
    "forum page",
    "challenge page",
    "challenge page (opening rush)",
    "idea page",
}

# What the issue asks of the event (a row's kind -> p95 target in ms).
P95_TARGETS = {
    "vote": 100,
    "challenge page (opening rush)": 500,
    "projector poll": 200,
}


class Recorder:
    def __init__(self, start: float):
        self.start = start
        self.rows: dict[str, list[tuple[float, float, int | str]]] = defaultdict(list)

    def add(self, kind: str, began: float, latency: float, status: int | str) -> None:
        self.rows[kind].append((began - self.start, latency, status))


class Event:
    def __init__(self, args, base: str, info: dict):
        self.args = args
        self.base = base
        self.info = info
        self.slug = info["slug"]
        self.challenge = info["challenge"]
        self.rng = random.Random(2018)
        self.scale = args.duration
        self.join_window = 120 * self.scale
        self.open_at = self.join_window + 10 * self.scale
        self.vote_window = 60 * self.scale
        self.end_at = self.open_at + self.vote_window + 10 * self.scale
        self.opened = asyncio.Event()
        self.opened_at: float | None = None
        self.notice: list[float] = []
        self.never_noticed = 0
        self.spent_all = 0
        self.session: aiohttp.ClientSession | None = None
        self.loop = asyncio.get_running_loop()
        self.t0 = self.loop.time()
        self.rec = Recorder(self.t0)
        self.static: dict[int, dict] = {}  # each phone's cache of static files

    def now(self) -> float:
        return self.loop.time() - self.t0

    async def sleep_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            await asyncio.sleep(delay)

    async def call(
        self,
        kind: str,
        cookies: dict | None,
        method: str,
        path: str,
        *,
        headers: dict | None = None,
        data: dict | None = None,
        timeout: float = HTMX_TIMEOUT,
    ) -> tuple[int | str, str, dict]:
        """One request as the browser sends it; its latency and status go to the recorder."""
        sent = dict(headers or {})
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        began = self.loop.time()
        body, answer = "", {}
        try:
            async with self.session.request(
                method,
                self.base + path,
                headers=sent,
                data=data,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                body = await response.text()
                status: int | str = response.status
                answer = response.headers
                if cookies is not None:
                    for name, morsel in response.cookies.items():
                        cookies[name] = morsel.value
        except TimeoutError:
            status = "timeout"
        except aiohttp.ClientError as error:
            status = type(error).__name__
        self.rec.add(kind, began, self.loop.time() - began, status)
        if kind in PAGE_KINDS and status == 200 and cookies is not None:
            await self.subresources(cookies, body)
        return status, body, answer

    async def subresources(self, cookies: dict, page: str) -> None:
        """The page's stylesheet and scripts, as a browser's cache asks for them: not at all
        while its copy is fresh (``max-age``), else again with ``If-None-Match`` (304)."""
        cache = self.static.setdefault(id(cookies), {})
        for path in SUBRESOURCE.findall(page):
            path = html.unescape(path)
            etag, fresh_until = cache.get(path, (None, 0.0))
            if self.loop.time() < fresh_until:
                continue
            headers = {"If-None-Match": etag} if etag else {}
            began = self.loop.time()
            try:
                async with self.session.get(
                    self.base + path,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=HTMX_TIMEOUT),
                ) as response:
                    await response.read()
                    status: int | str = response.status
                    control = response.headers.get("Cache-Control", "")
                    age = MAX_AGE.search(control)
                    lifetime = int(age.group(1)) if age and "no-cache" not in control else 0
                    cache[path] = (
                        response.headers.get("ETag", etag),
                        self.loop.time() + lifetime,
                    )
            except TimeoutError:
                status = "timeout"
            except aiohttp.ClientError as error:
                status = type(error).__name__
            self.rec.add("static file", began, self.loop.time() - began, status)

    def htmx(self, csrf: str | None, current: str, target: str | None = None) -> dict:
        headers = {"HX-Request": "true", "HX-Current-URL": self.base + current}
        if csrf:
            headers["X-CSRFToken"] = csrf
        if target:
            headers["HX-Target"] = target
        return headers

    # --- the phones -------------------------------------------------------------------------

    async def phone(self, n: int, arrives: float, comments_at: list[float]) -> None:
        rng = random.Random(n)
        cookies: dict[str, str] = {}
        await self.sleep_until(arrives)
        code = self.info["join_code"]
        join = f"/j/{code}"
        for attempt in range(5):
            status, page, _ = await self.call("join page", cookies, "GET", join)
            match = CSRF_INPUT.search(page) if status == 200 else None
            if match:
                form = {
                    "csrf_token": match.group(1),
                    "display_name": f"Téléphone {n}" if rng.random() < 0.5 else "",
                    "category": rng.choice(["", *self.info["categories"]]),
                }
                status, _, answer = await self.call(
                    "join",
                    cookies,
                    "POST",
                    join,
                    headers=self.htmx(None, join, "profile-form"),
                    data=form,
                )
                if status == 200 and "HX-Redirect" in answer:
                    break
            # Refused (429) or failed: the person taps again a few seconds later.
            await asyncio.sleep(rng.uniform(3, 8) * max(self.scale, 0.2) * (attempt + 1))
        else:
            return
        await self.call("forum page", cookies, "GET", f"/f/{self.slug}")
        challenge = f"/f/{self.slug}/c/{self.challenge}"
        status, page, _ = await self.call("challenge page", cookies, "GET", challenge)
        if status != 200:
            return
        for at in comments_at:
            asyncio.create_task(self.comment(cookies, at, rng))
        await self.keep_page_open(cookies, challenge, page, rng)

    async def keep_page_open(self, cookies: dict, challenge: str, page: str, rng) -> None:
        """The challenge page's phase poll, every 5 s until the end, from a random moment of
        the first 5 s after each page load (static/js/app.js)."""
        poll = html.unescape(PHASE_WATCH.search(page).group(1))
        csrf = CSRF_HEADER.search(page).group(1)
        next_poll = self.now() + rng.uniform(0, PHASE_POLL)
        voting_task, noticed = None, False
        while next_poll < self.end_at:
            await self.sleep_until(next_poll)
            kind = "phase poll (after opening)" if self.opened.is_set() else "phase poll"
            headers = self.htmx(csrf, challenge)
            headers["HX-Trigger"] = "phase-watch"
            status, _, answer = await self.call(kind, cookies, "GET", poll, headers=headers)
            if status == 200 and answer.get("HX-Refresh") == "true":
                if self.opened_at is not None and not noticed:
                    self.notice.append(self.now() - self.opened_at)
                    noticed = True
                # htmx reloads the whole page: the new page polls with seen=voting.
                status, page, _ = await self.call(
                    "challenge page (opening rush)", cookies, "GET", challenge
                )
                if status == 200:
                    poll = html.unescape(PHASE_WATCH.search(page).group(1))
                    csrf = CSRF_HEADER.search(page).group(1)
                    if voting_task is None:
                        voting_task = asyncio.create_task(
                            self.vote(cookies, challenge, page, csrf, rng)
                        )
                next_poll = self.now() + rng.uniform(0, PHASE_POLL)
                continue
            next_poll += PHASE_POLL
            while next_poll < self.now():  # htmx drops a tick while a request is in flight
                next_poll += PHASE_POLL
        if not noticed:
            self.never_noticed += 1
        if voting_task is not None:
            await voting_task

    async def vote(self, cookies: dict, challenge: str, page: str, csrf: str, rng) -> None:
        """Five dots, one more each time (the + button), at random moments of the window."""
        ideas = [int(i) for i in IDEA_CARD.findall(page)]
        # A few ideas draw most of the dots, as in a room.
        weights = [1 / (k + 1) for k in range(len(ideas))]
        deadline = self.opened_at + self.vote_window - 2 * self.scale
        moments = sorted(
            rng.uniform(self.now() + 1, max(deadline, self.now() + 1.5)) for _ in range(5)
        )
        held: Counter = Counter()
        placed = 0
        for moment in moments:
            await self.sleep_until(moment)
            idea = rng.choices(ideas, weights)[0]
            while held[idea] >= 3:
                idea = rng.choice(ideas)
            held[idea] += 1
            status, _, _ = await self.call(
                "vote",
                cookies,
                "POST",
                f"/f/{self.slug}/i/{idea}/dots",
                headers=self.htmx(csrf, challenge, f"idea-{idea}"),
                data={"csrf_token": csrf, "dots": str(held[idea]), "back": "challenge"},
            )
            if status == 200:
                placed += 1
            else:
                held[idea] -= 1
        self.spent_all += placed == 5

    async def comment(self, cookies: dict, at: float, rng) -> None:
        await self.sleep_until(at)
        idea = rng.choice(self.info["ideas"])
        path = f"/f/{self.slug}/i/{idea}"
        status, page, _ = await self.call("idea page", cookies, "GET", path)
        match = CSRF_INPUT.search(page) if status == 200 else None
        if not match:
            return
        body = rng.choice(
            [
                "Bonne idée, à condition d'y associer les lycées professionnels.",
                "Qui finance la deuxième année ?",
                "On l'a essayé à Brest : ça marche si un lieu est dédié.",
                "Oui ! Et ouvrir aussi le samedi matin.",
            ]
        )
        await self.call(
            "comment",
            cookies,
            "POST",
            f"{path}/comments",
            headers=self.htmx(match.group(1), path, "comments"),
            data={"csrf_token": match.group(1), "body": body},
        )

    # --- the projectors and the facilitator -------------------------------------------------

    async def projector(self, n: int) -> None:
        cookies: dict[str, str] = {}
        screen = f"/s/{self.info['screen_token']}"
        await self.sleep_until(n * 0.3)
        status, page, _ = await self.call(
            "screen page", cookies, "GET", screen, timeout=SCREEN_TIMEOUT
        )
        live = html.unescape(SCREEN_LIVE.search(page).group(1))
        next_poll = self.now() + SCREEN_POLL
        while next_poll < self.end_at:
            await self.sleep_until(next_poll)
            headers = self.htmx(None, screen, "screen-live")
            headers["HX-Trigger"] = "screen-live"
            status, page, _ = await self.call(
                "projector poll", cookies, "GET", live, headers=headers, timeout=SCREEN_TIMEOUT
            )
            if status == 200:
                found = SCREEN_LIVE.search(page)
                if found:
                    live = html.unescape(found.group(1))
            next_poll += SCREEN_POLL
            while next_poll < self.now():
                next_poll += SCREEN_POLL

    async def facilitator(self) -> None:
        cookies: dict[str, str] = {}
        login = "/staff/login"
        _status, page, _ = await self.call("staff login", cookies, "GET", login)
        form = {
            "csrf_token": CSRF_INPUT.search(page).group(1),
            "email": STAFF_EMAIL,
            "password": STAFF_PASSWORD,
        }
        status, _, _ = await self.call("staff login", cookies, "POST", login, data=form)
        if status != 303:
            raise RuntimeError(f"the facilitator could not log in ({status})")
        control = f"/staff/f/{self.slug}"
        _status, page, _ = await self.call("control page", cookies, "GET", control)
        csrf = CSRF_HEADER.search(page).group(1)
        room = html.unescape(CONTROL_ROOM.search(page).group(1))
        next_poll = self.now() + CONTROL_POLL
        while next_poll < self.end_at:
            if not self.opened.is_set() and next_poll > self.open_at:
                await self.sleep_until(self.open_at)
                # Time to notice counts from the moment the facilitator's POST leaves.
                self.opened_at = self.now()
                self.opened.set()
                status, page, _ = await self.call(
                    "open voting (facilitator)",
                    cookies,
                    "POST",
                    f"{control}/phase",
                    headers=self.htmx(csrf, control, "room"),
                    data={"csrf_token": csrf, "challenge": str(self.challenge), "phase": "voting"},
                )
                if status != 200:
                    raise RuntimeError(f"opening the vote failed ({status})")
            await self.sleep_until(next_poll)
            headers = self.htmx(csrf, control, "room")
            status, page, _ = await self.call("control poll", cookies, "GET", room, headers=headers)
            if status == 200:
                found = CONTROL_ROOM.search(page)
                room = html.unescape(found.group(1)) if found else room
            next_poll += CONTROL_POLL

    async def run(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.args.connections, force_close=False)
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        ) as self.session:
            arrivals = sorted(
                self.rng.uniform(0, self.join_window) for _ in range(self.args.phones)
            )
            comments = defaultdict(list)
            for _ in range(self.args.comments):
                n = self.rng.randrange(self.args.phones)
                at = self.rng.uniform(arrivals[n] + 10 * self.scale, self.end_at - 5 * self.scale)
                comments[n].append(at)
            tasks = [asyncio.create_task(self.projector(n)) for n in range(self.args.projectors)]
            tasks.append(asyncio.create_task(self.facilitator()))
            tasks += [
                asyncio.create_task(self.phone(n, at, comments[n])) for n, at in enumerate(arrivals)
            ]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*tasks), timeout=self.end_at + 2 * HTMX_TIMEOUT + 5
                )
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for task in tasks:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()


def summarise(rows: dict, ordering: list[str]) -> list[dict]:
    table = []
    for kind in sorted(rows, key=lambda k: ordering.index(k) if k in ordering else 99):
        samples = rows[kind]
        latencies = [s[1] * 1000 for s in samples]
        statuses = Counter(s[2] for s in samples)
        errors = sum(
            n for status, n in statuses.items() if not (isinstance(status, int) and status < 400)
        )
        span = max(s[0] + s[1] for s in samples) - min(s[0] for s in samples)
        table.append(
            {
                "kind": kind,
                "count": len(samples),
                "per_second": len(samples) / span if span > 0 else float("nan"),
                "p50": percentile(latencies, 50),
                "p95": percentile(latencies, 95),
                "p99": percentile(latencies, 99),
                "max": max(latencies),
                "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
                "errors": errors,
            }
        )
    return table


ORDER = [
    "join page",
    "join",
    "forum page",
    "challenge page",
    "phase poll",
    "idea page",
    "static file",
    "comment",
    "open voting (facilitator)",
    "phase poll (after opening)",
    "challenge page (opening rush)",
    "vote",
    "screen page",
    "projector poll",
    "staff login",
    "control page",
    "control poll",
]


def check_dots(database_url: str, info: dict) -> dict:
    from sqlalchemy import func, select

    from cite_vote.extensions import db
    from cite_vote.votes.models import Ballot

    app = make_app(database_url)
    with app.app_context():
        full = db.session.scalar(
            select(func.count()).where(
                Ballot.challenge_id == info["challenge"], Ballot.dots_spent == 5
            )
        )
        db.session.remove()
        db.engine.dispose()
    try:
        flask_cli(database_url, "verify", info["slug"])
        verified = "every rule holds (flask verify)"
    except Exception as failed:  # noqa: BLE001
        verified = f"flask verify FAILED: {getattr(failed, 'stdout', failed)}"
    return {"ballots_with_5_dots": full, "verify": verified}


REDIS_URL = "redis://127.0.0.1:6379/0"


class LoadBalancer:
    """nginx (Debian's) in front of the app servers, round robin, as a load balancer would be."""

    def __init__(self, ports: list[int], folder: Path):
        import shutil
        import subprocess

        from common import free_port

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / name).mkdir(exist_ok=True)
        upstream = "\n".join(f"    server 127.0.0.1:{port};" for port in ports)
        config = folder / "nginx.conf"
        config.write_text(
            f"""daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"};
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder / "body"};
    proxy_temp_path {folder / "proxy"};
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
    upstream cite_vote {{
{upstream}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://cite_vote;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [nginx, "-c", str(config), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                import urllib.request

                urllib.request.urlopen(self.base + "/healthz", timeout=5).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--duration", type=float, default=1.0, help="scale of the windows (1 = 2 min + 60 s)"
    )
    parser.add_argument("--projectors", type=int, default=3)
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument(
        "--connections", type=int, default=500, help="the shared connector's connection limit"
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="turn the app's limits off")
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop" if uvloop else "asyncio",
        help="the generator's event loop (uvloop takes less of the CPU the server shares)",
    )
    parser.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="app servers (ports standing for hosts) behind nginx, sharing the database and "
        "Redis for the rate limits",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--gunicorn", nargs=argparse.REMAINDER, default=[], help="extra gunicorn flags, last"
    )
    args = parser.parse_args()

    before = machine()
    database = fresh_database(args.db)
    log = Path(tempfile.mkdtemp(prefix="cite-vote-event-")) / "gunicorn.log"
    try:
        info = seed_demo(database.url, ideas=30, phase="proposing", expected=args.phones)
        env = app_env(database.url)
        if args.no_rate_limit:
            env["CITE_VOTE_RATELIMIT_ENABLED"] = "false"
        if args.hosts > 1:
            env["CITE_VOTE_RATELIMIT_STORAGE_URI"] = REDIS_URL
            env["CITE_VOTE_RATELIMIT_KEY_PREFIX"] = f"bench-{time.time_ns()}"
        servers = [Server("wsgi:app", env, *args.gunicorn, log=log) for _ in range(args.hosts)]
        balancer = None
        try:
            for server in servers:
                server.wait_ready("/healthz")
            base = servers[0].base
            if args.hosts > 1:
                balancer = LoadBalancer([s.port for s in servers], log.parent)
                base = balancer.base

            def all_pids() -> list[int]:
                return [pid for s in servers for pid in (s.process.pid, *s.workers())]

            server_cpu = sum(cpu_seconds(pid) for pid in all_pids())
            usage = resource.getrusage(resource.RUSAGE_SELF)
            wall = time.monotonic()

            async def play() -> Event:
                event = Event(args, base, info)
                await event.run()
                return event

            event = (uvloop.run if args.loop == "uvloop" else asyncio.run)(play())
            wall = time.monotonic() - wall
            after = resource.getrusage(resource.RUSAGE_SELF)
            generator_cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
            workers = [pid for s in servers for pid in s.workers()]
            rss = {pid: rss_mb(pid) for pid in workers}
            server_cpu = sum(cpu_seconds(pid) for pid in all_pids()) - server_cpu
        finally:
            if balancer is not None:
                balancer.stop()
            for server in servers:
                server.stop()
        log_text = log.read_text(errors="replace")
        dots = check_dots(database.url, info)
    finally:
        database.drop()

    table = summarise(event.rec.rows, ORDER)
    notice = event.notice
    behind = " behind nginx, rate limits in Redis" if args.hosts > 1 else ""
    print(
        f"\nEvent scenario: {args.phones} phones, {args.db}, windows x{args.duration} "
        f"(joins over {event.join_window:.0f} s, voting window {event.vote_window:.0f} s), "
        f"{args.projectors} projectors, {args.comments} comments; before: {before}; "
        f"after: {machine()}; "
        f"{args.hosts} app server(s) with gunicorn.conf.py, {len(workers)} workers in all "
        f"{' '.join(args.gunicorn)}{behind}; "
        f"rate limits {'off' if args.no_rate_limit else 'on (app defaults)'}; "
        f"generator: aiohttp on {args.loop}\n"
    )
    print("| request | count | req/s | p50 ms | p95 ms | p99 ms | answers | errors | target |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in table:
        target = P95_TARGETS.get(row["kind"])
        verdict = ""
        if target is not None:
            verdict = f"p95 < {target} ms {'✓' if row['p95'] < target else '✗'}"
        answers = ", ".join(f"{n:,} × {status}" for status, n in row["statuses"].items())
        print(
            f"| {row['kind']} | {row['count']:,} | {row['per_second']:.1f} | {row['p50']:.0f} | "
            f"{row['p95']:.0f} | {row['p99']:.0f} | {answers} | {row['errors']:,} | {verdict} |"
        )
    total_errors = sum(row["errors"] for row in table)
    print(f"\nErrors (4xx/5xx, timeouts, connection errors): {total_errors:,} (target 0)")
    if notice:
        print(
            f"Time to notice the opening: {len(notice):,} phones; "
            f"p50 {percentile(notice, 50):.1f} s, "
            f"p95 {percentile(notice, 95):.1f} s, p99 {percentile(notice, 99):.1f} s, max "
            f"{max(notice):.1f} s; within 6 s: {sum(t <= 6 for t in notice) / len(notice):.1%} "
            f"(target 100 %); never noticed: {event.never_noticed}"
        )
    print(
        f"Phones that spent all 5 dots: {event.spent_all:,} of {args.phones:,} "
        f"(ballots with 5 dots in the database: {dots['ballots_with_5_dots']:,}); {dots['verify']}"
    )
    rss_text = ", ".join(f"{mb:.1f}" for mb in sorted(rss.values()))
    print(f"Worker RSS at the end: {rss_text} MB (target ≤ 80 MB each)")
    print(
        f"CPU over {wall:.0f} s: server (gunicorn master + workers) {server_cpu:.0f} s "
        f"({server_cpu / wall:.0%} of one core); load generator {generator_cpu:.0f} s "
        f"({generator_cpu / wall:.0%} of one core, "
        f"{generator_cpu / (server_cpu + generator_cpu):.0%} of the CPU the two took)"
    )
    timeouts = log_text.count("WORKER TIMEOUT")
    print(f"gunicorn worker timeouts in its log: {timeouts}")
    if args.json:
        report = {
            "args": vars(args) | {"json": None},
            "rows": table,
            "notice": sorted(notice),
            "never_noticed": event.never_noticed,
            "spent_all": event.spent_all,
            "dots": dots,
            "rss_mb": rss,
            "server_cpu_s": server_cpu,
            "generator_cpu_s": generator_cpu,
            "wall_s": wall,
            "worker_timeouts": timeouts,
        }
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
