"""What the benchmarks share: a fresh database with the demo forum, gunicorn servers, /proc.

The database is made the way a new user makes theirs (``flask db upgrade`` then ``flask demo``);
the rest of the setup goes through the app's own services, so that the benchmarks exercise
exactly the rows the app writes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-" + secrets.token_urlsafe(24)
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
STAFF_EMAIL = "facilitation@bench.example.org"
STAFF_PASSWORD = "bench-" + secrets.token_urlsafe(12)

IDEA_TITLES = [
    "Un tiers-lieu ouvert aux apprenti·es le soir",
    "Des stages croisés entre laboratoires et PME",
    "Une plateforme de mentorat entre générations",
    "Un budget participatif pour les projets étudiants",
    "Des ateliers de réparation dans chaque quartier",
    "Une carte des compétences du territoire",
    "Des classes ouvertes aux entreprises une fois par mois",
    "Un fonds d'amorçage pour les associations",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Database:
    url: str
    engine: str
    cleanup: list = field(default_factory=list)

    def drop(self) -> None:
        for step in self.cleanup:
            step()


def fresh_database(kind: str) -> Database:
    """An empty SQLite file in a temporary folder, or a throwaway PostgreSQL database."""
    if kind == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="cite-vote-bench-")
        return Database(f"sqlite:///{tmp.name}/bench.sqlite3", "sqlite", [tmp.cleanup])
    import psycopg

    name = f"cite_vote_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return Database(f"{PG_SERVER}/{name}", "postgresql", [drop])


def app_env(database_url: str) -> dict:
    return {
        **os.environ,
        "FLASK_APP": "cite_vote",
        "CITE_VOTE_DATABASE_URL": database_url,
        "CITE_VOTE_SECRET_KEY": SECRET_KEY,
    }


def flask_cli(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), *args],
        cwd=ROOT,
        env=app_env(database_url),
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def make_app(database_url: str):
    from cite_vote import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})


def seed_demo(
    database_url: str, ideas: int = 30, phase: str = "proposing", expected: int | None = None
) -> dict:
    """``flask db upgrade`` + ``flask demo``, then: challenge 1 holds ``ideas`` ideas and is in
    ``phase``, a facilitator of the forum with a known password, the projector's secret link
    with challenge 1 pinned on the screen (a rotating screen changes version every turn), and
    the number of people the organisers expect (it sets the join limit per address), as an
    organiser sets it before a big event."""
    flask_cli(database_url, "db", "upgrade")
    flask_cli(database_url, "demo")
    from sqlalchemy import func, select

    from cite_vote.accounts.models import ForumStaff, Participant
    from cite_vote.accounts.services import create_staff_user
    from cite_vote.demo import DEMO_SLUG
    from cite_vote.extensions import db
    from cite_vote.forums.models import Challenge, Forum
    from cite_vote.ideas.models import Idea
    from cite_vote.results.screen.services import regenerate_screen_token, show_on_screen
    from cite_vote.votes.phases import change_phase

    app = make_app(database_url)
    with app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == DEMO_SLUG))
        if expected is not None:
            forum.expected_participants = expected
        challenge = db.session.scalar(
            select(Challenge).where(Challenge.forum_id == forum.id).order_by(Challenge.position)
        )
        authors = db.session.scalars(
            select(Participant).where(Participant.forum_id == forum.id)
        ).all()
        have = db.session.scalar(
            select(func.count(Idea.id)).where(Idea.challenge_id == challenge.id)
        )
        for n in range(max(0, ideas - have)):
            author = authors[n % len(authors)]
            db.session.add(
                Idea(
                    challenge_id=challenge.id,
                    author_id=author.id,
                    author_category=author.category,
                    title=f"{IDEA_TITLES[n % len(IDEA_TITLES)]} ({n + 3})",
                    description="Une proposition concrète, avec qui la porte, où, et comment "
                    "on saura qu'elle a marché, en deux ou trois phrases lisibles au téléphone.",
                )
            )
        if phase != challenge.phase:
            change_phase(forum, phase, challenge, confirmed=True)
        user = create_staff_user(STAFF_EMAIL, "facilitator", STAFF_PASSWORD)
        db.session.flush()
        db.session.add(ForumStaff(forum_id=forum.id, user_id=user.id))
        screen_token = regenerate_screen_token(forum)
        show_on_screen(forum, challenge)
        db.session.commit()
        idea_ids = db.session.scalars(
            select(Idea.id).where(Idea.challenge_id == challenge.id).order_by(Idea.id)
        ).all()
        info = {
            "slug": forum.slug,
            "join_code": forum.join_code,
            "challenge": challenge.id,
            "ideas": list(idea_ids),
            "screen_token": screen_token,
            "staff_id": user.id,
            "categories": list(forum.categories),
            "cookie": app.config["PARTICIPANT_COOKIE_NAME"],
            "session_cookie": app.config.get("SESSION_COOKIE_NAME", "session"),
        }
        db.session.remove()
        db.engine.dispose()
    return info


class Server:
    """A gunicorn serving ``module`` with gunicorn.conf.py (the same file ``make run`` uses)."""

    def __init__(self, module: str, env: dict, *extra: str, log: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log or os.devnull, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                *extra,
                module,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str = "/", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(self.base + path, timeout=5).read()
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.base} did not answer within {timeout} s")

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@contextlib.contextmanager
def serving(module: str, env: dict, *extra: str, ready: str = "/") -> Iterator[Server]:
    server = Server(module, env, *extra)
    try:
        server.wait_ready(ready)
        yield server
    finally:
        server.stop()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}, load average {load}"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
