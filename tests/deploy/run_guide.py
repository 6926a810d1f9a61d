"""docs/deploy.md's server section, run as written: ``make test-deploy`` (issue 19).

Every fenced ``sh`` block of the section "A server with HTTPS" (to "Limits") must carry a
marker, ``<!-- deploy-test: run -->`` or ``<!-- deploy-test: skip: why -->``; the run blocks go,
in order, through one bash shell (its variables kept from block to block) as root, in a fresh
shell's environment (no CITE_VOTE_* variable). What changes, and only that: paths under a
scratch root, free ports, a throwaway database and role, and ``systemctl``/``nginx -t``, which
stand-ins (``standin.py``) do with the unit file and the site file the guide installed.
Between the blocks a participant and an organiser go through nginx over HTTPS.

``<repository>`` is this checkout: the guide clones its last commit (work not committed is
not in what it runs). pip installs as on a server, from this machine's package index.

Not collected by ``make test`` (its name has no ``test_``): it needs root, PostgreSQL at
127.0.0.1:5432, Redis at 127.0.0.1:6379, nginx, and it creates the system user ``cite-vote``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select, text

from cite_vote.command import read_env_file
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea
from cite_vote.votes.models import Vote
from tests.server import ROOT, csrf_of, free_port

GUIDE = ROOT / "docs" / "deploy.md"
BLOCK = re.compile(
    r"^[ \t]*<!-- deploy-test: (?P<marker>run|skip: [^>]+) -->\s*\n"
    r"[ \t]*```sh\n(?P<body>.*?)^[ \t]*```",
    re.S | re.M,
)
ANY_SH_BLOCK = re.compile(r"^[ \t]*```sh\n", re.M)
REDIS_KEYS = "*cite-vote-localhost*"  # the prefix the guide's Redis block gives, SITE=localhost
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server_section() -> str:
    guide = GUIDE.read_text(encoding="utf-8")
    return guide[guide.index("## A server with HTTPS") : guide.index("## Limits, as documented")]


def guide_blocks() -> list[tuple[str, str]]:
    """(marker, commands) of each block, dedented; every sh block of the section is marked."""
    section = server_section()
    found = [(m["marker"], m["body"]) for m in BLOCK.finditer(section)]
    assert len(found) == len(ANY_SH_BLOCK.findall(section)), "an sh block has no deploy-test marker"
    blocks = []
    for marker, body in found:
        lines = body.splitlines()
        indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
        blocks.append((marker, "\n".join(x[indent:] for x in lines) + "\n"))
    return blocks


class Guide:
    """One bash shell, kept from block to block by saving its variables and folder."""

    def __init__(self, scratch: Path, substitutions: list[tuple[str, str]], env: dict):
        self.scratch, self.substitutions, self.env = scratch, substitutions, env
        self.state = scratch / "shell-state"
        self.state.write_text(f"cd {scratch}\n")
        self.log = scratch / "log" / "guide.log"

    def run(self, commands: str) -> str:
        for before, after in self.substitutions:
            commands = re.sub(before, after, commands)
        script = (
            f"set -euo pipefail\n. {self.state}\nPS4='+ $EPOCHREALTIME '\nset -x\n{commands}\n"
            "set +x\n"
            '{ declare -p SITE PGPASS KEY 2>/dev/null || true; echo cd "$PWD"; }'
            f" > {self.state}\n"
        )
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "-c", script],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        print(f"{time.monotonic() - started:5.1f} s  {commands.splitlines()[0]}")
        with self.log.open("a") as log:
            log.write(f"$ {commands}\n{done.stdout}{done.stderr}\n")
        assert done.returncode == 0, (
            f"the guide's block failed ({done.returncode}):\n{commands}\n"
            f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-5000:]}\n"
            + "".join(
                f"--- {p.name}\n{p.read_text()[-3000:]}\n"
                for p in sorted((self.scratch / "log").glob("*.log"))
                if p.name != "guide.log"
            )
        )
        return done.stdout + done.stderr


@pytest.fixture
def scratch():
    """A root for the guide's paths that the service's user can walk through."""
    folder = Path(tempfile.mkdtemp(prefix="cite-vote-deploy-"))
    folder.chmod(0o755)
    for sub in (
        "srv",
        "etc/systemd/system",
        "etc/nginx/sites-available",
        "etc/nginx/sites-enabled",
        "etc/ssl",
        "var/backups",
        "bin",
        "run",
        "log",
    ):
        (folder / sub).mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_server_guide_runs_as_written(scratch):
    if os.geteuid() != 0:
        pytest.fail("make test-deploy runs the guide as root (it makes a system user)")
    blocks = guide_blocks()
    for marker, commands in blocks:
        if "apt-get install" in commands:  # the packages the guide lists are what we run on
            assert marker.startswith("skip")
            packages = commands.split("apt-get install -y", 1)[1].split()
            missing = [
                p
                for p in packages
                if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode
            ]
            assert not missing, f"make deploy-deps should have installed {missing}"

    app_port, http_port, https_port = free_port(), free_port(), free_port()
    name = f"cv_deploy_{uuid.uuid4().hex[:8]}"
    paths = [
        (p, str(scratch) + p)
        for p in (
            "/srv/cite-vote",
            "/etc/cite-vote",
            "/etc/systemd/system",
            "/etc/nginx",
            "/etc/ssl/cite-vote",
            "/var/backups/cite-vote",
        )
    ]
    (scratch / "standin.json").write_text(
        json.dumps(
            {
                "root": str(scratch),
                "paths": paths,
                "app_port": app_port,
                "http_port": http_port,
                "https_port": https_port,
            }
        )
    )
    for tool in ("systemctl", "nginx"):
        wrapper = scratch / "bin" / tool
        wrapper.write_text(
            f'#!/bin/sh\nexec python3 {Path(__file__).parent / "standin.py"} {tool} "$@"\n'
        )
        wrapper.chmod(0o755)
    # The repository the server clones and later pulls from: this checkout's last commit on a
    # branch (a CI checkout may be a detached HEAD, which `git pull` cannot follow).
    repository = scratch / "repository"
    git = ["git", "-c", "user.name=deploy test", "-c", "user.email=deploy@test.invalid"]
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True)
    subprocess.run([*git, "clone", "-q", "--no-checkout", ROOT, repository], check=True)
    subprocess.run(
        [*git, "-C", repository, "checkout", "-q", "-B", "main", head.stdout.strip()], check=True
    )

    def next_release(_output: str) -> None:
        subprocess.run(
            [*git, "-C", repository, "commit", "-q", "--allow-empty", "-m", "the next release"],
            check=True,
        )

    def upgraded(_output: str) -> None:
        ours = subprocess.run(
            ["git", "-C", repository, "rev-parse", "HEAD"], capture_output=True, text=True
        )
        served = subprocess.run(
            ["git", "-C", scratch / "srv/cite-vote", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
        )
        assert served.stdout == ours.stdout, "git pull did not bring the next release"

    substitutions = [(re.escape(a), b) for a, b in paths] + [
        (re.escape("<repository>"), str(repository)),
        (r"SITE=forum\.example\.org", "SITE=localhost"),
        (re.escape("https://$SITE|"), f"https://$SITE:{https_port}|"),
        (r"\bcite_vote\b", name),
    ]
    shell_env = {
        "PATH": f"{scratch / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "CITE_VOTE_STANDIN": str(scratch / "standin.json"),
        # This machine's PostgreSQL answers on 127.0.0.1 only (a stock Debian one on its socket).
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        # pip's own settings of this machine (its mirror of the registry), if any.
        **{k: v for k, v in os.environ.items() if k.startswith(("PIP_", "http", "HTTP", "no_"))},
    }
    forget_redis_counters()  # of an earlier run within the minute
    guide = Guide(scratch, substitutions, shell_env)
    walk = Walk(scratch, http_port, https_port)
    hooks: list[tuple[str, Callable[[str], None]]] = [
        ("create-user you@example.org", walk.keep_password),
        ("demo\n", walk.keep_join_code),
        ("systemctl reload nginx", walk.through_https),
        ("systemctl reload nginx", next_release),
        ("git pull", upgraded),
        ("git pull", walk.vote_after_the_backup),
        ("restore /var/backups", walk.after_the_restore),
        ("CITE_VOTE_RATELIMIT_STORAGE_URI=redis://", walk.logins_counted_in_redis),
    ]
    try:
        for marker, commands in blocks:
            if marker != "run":
                continue
            output = guide.run(commands)
            for trigger, hook in hooks:
                if trigger in commands:
                    hook(output)
        assert walk.done == {"through_https", "after_the_backup", "restored", "redis"}
    finally:
        # The shell's trace (a time on each command) and the logs, kept for reading.
        artifacts = ROOT / "tests" / "artifacts" / "deploy"
        shutil.rmtree(artifacts, ignore_errors=True)
        shutil.copytree(scratch / "log", artifacts)
        subprocess.run([scratch / "bin" / "systemctl", "stop", "cite-vote", "nginx"], env=shell_env)
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def forget_redis_counters() -> None:
    keys = subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", REDIS_KEYS],
        capture_output=True,
        text=True,
    ).stdout.split()
    if keys:
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "del", *keys], capture_output=True)


class Walk:
    """A participant and an organiser, through nginx over HTTPS, between the guide's blocks."""

    def __init__(self, scratch: Path, http_port: int, https_port: int):
        self.scratch = scratch
        self.public = f"https://localhost:{https_port}"
        self.plain = f"http://localhost:{http_port}"
        self.done: set[str] = set()
        self.password = self.code = ""

    def session(self) -> requests.Session:
        browser = requests.Session()
        browser.verify = str(self.scratch / "etc/ssl/cite-vote/fullchain.pem")
        browser.trust_env = False
        return browser

    def database(self):
        settings = read_env_file(self.scratch / "etc/cite-vote/env")
        return create_engine(settings["CITE_VOTE_DATABASE_URL"])

    def keep_password(self, output: str) -> None:
        self.password = re.search(r"Password \(shown once\): (\S+)", output)[1]

    def keep_join_code(self, output: str) -> None:
        self.code = re.search(r"Join code: (\S+)", output)[1]

    def dots_of_the_idea(self) -> int | None:
        engine = self.database()
        with engine.connect() as conn:
            dots = conn.scalar(select(Vote.dots).where(Vote.idea_id == self.idea_id))
        engine.dispose()
        return dots

    def set_dots(self, dots: int) -> None:
        page = self.phone.get(self.challenge_page, timeout=10)
        assert page.status_code == 200
        voted = self.phone.post(
            f"{self.public}/f/cite-2018/i/{self.idea_id}/dots",
            data={"dots": dots},
            headers={"X-CSRFToken": csrf_of(page.text), "HX-Request": "true"},
            timeout=10,
        )
        assert voted.status_code == 200, voted.text[:500]

    def through_https(self, _output: str) -> None:
        browser = self.session()
        redirected = browser.get(self.plain + "/", allow_redirects=False, timeout=10)
        assert redirected.status_code == 301
        assert redirected.headers["Location"].startswith(self.public)
        home = browser.get(self.public + "/", timeout=10)
        assert home.status_code == 200
        assert home.headers["Strict-Transport-Security"].startswith("max-age=")

        # A participant joins the demo forum with the code `demo` printed, and votes.
        self.phone = self.session()
        join = self.phone.get(f"{self.public}/j/{self.code}", timeout=10)
        joined = self.phone.post(
            f"{self.public}/j/{self.code}",
            data={"csrf_token": csrf_of(join.text), "display_name": "", "category": ""},
            allow_redirects=False,
            timeout=10,
        )
        assert joined.status_code == 303, joined.text[:500]
        cookie = next(c for c in self.phone.cookies if c.name == "cite_vote_participant")
        assert cookie.secure
        engine = self.database()
        with engine.connect() as conn:
            forum_id = conn.scalar(select(Forum.id).where(Forum.slug == "cite-2018"))
            challenge_id = conn.scalar(
                select(Challenge.id).where(Challenge.forum_id == forum_id, Challenge.position == 1)
            )
            self.idea_id = conn.scalar(
                select(Idea.id).where(Idea.challenge_id == challenge_id).order_by(Idea.id)
            )
        engine.dispose()
        self.challenge_page = f"{self.public}/f/cite-2018/c/{challenge_id}"
        self.set_dots(2)
        assert self.dots_of_the_idea() == 2

        # The organiser the guide created logs in with the password printed once.
        self.organiser = self.session()
        login = self.organiser.get(self.public + "/staff/login", timeout=10)
        logged = self.organiser.post(
            self.public + "/staff/login",
            data={
                "email": "you@example.org",
                "password": self.password,
                "csrf_token": csrf_of(login.text),
            },
            allow_redirects=False,
            timeout=10,
        )
        assert logged.status_code == 303, logged.text[:500]
        assert next(c for c in self.organiser.cookies if c.name == "session").secure
        assert self.organiser.get(self.public + "/staff/forums/new", timeout=10).status_code == 200
        self.done.add("through_https")

    def vote_after_the_backup(self, output: str) -> None:
        assert "Backed up the database to" in output
        self.set_dots(3)  # after the backup: the restore takes it back
        assert self.dots_of_the_idea() == 3
        self.done.add("after_the_backup")

    def after_the_restore(self, output: str) -> None:
        assert "every rule holds" in output and "the recount matches" in output, output
        assert self.dots_of_the_idea() == 2
        page = self.phone.get(self.challenge_page, timeout=10)  # the phone is still in
        assert page.status_code == 200
        self.done.add("restored")

    def logins_counted_in_redis(self, _output: str) -> None:
        browser = self.session()
        statuses = []
        for _ in range(11):
            page = browser.get(self.public + "/staff/login", timeout=10)
            statuses.append(
                browser.post(
                    self.public + "/staff/login",
                    data={
                        "email": "you@example.org",
                        "password": "not the password",
                        "csrf_token": csrf_of(page.text),
                    },
                    timeout=10,
                ).status_code
            )
        assert statuses[:10] == [422] * 10 and statuses[10] == 429, statuses
        keys = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", REDIS_KEYS],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert keys, "no counter in Redis"
        forget_redis_counters()
        self.done.add("redis")
