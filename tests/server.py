"""A real gunicorn server on the test database, and browser-like sessions to drive it.

Used by the tests that need several worker processes racing each other (votes, moderation,
faults). The server runs the same ``wsgi:app`` as production, with rate limits off.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/healthz", timeout=5)
            return
        except requests.RequestException:  # not listening yet, or a worker still booting
            if process.poll() is not None:
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start:\n" + log_path.read_text())


@contextmanager
def gunicorn_server(
    database_url: str,
    log_dir: Path,
    *,
    workers: int = 4,
    threads: int = 2,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """gunicorn serving the app on ``database_url``; stopped (or killed) on exit."""
    port = port or free_port()
    environment = {
        **os.environ,
        "CITE_VOTE_DATABASE_URL": database_url,
        "CITE_VOTE_SECRET_KEY": "server-test-secret-" + "x" * 32,
        "CITE_VOTE_RATELIMIT_ENABLED": "false",
        **(env or {}),
    }
    log_path = log_dir / f"gunicorn-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{port}",
                # Keep idle connections open longer than a test pauses between requests: a
                # client re-using a connection the server is closing sees a dropped POST.
                "--keep-alive",
                "120",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process, log_path)
            yield Server(url, process, log_path)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def participant_tab(url: str, cookie_name: str, person, page: str) -> requests.Session:
    """A browser tab of this person: its own Flask session and CSRF token, same identity."""
    session = requests.Session()
    session.cookies.set(cookie_name, person.token)
    response = session.get(url + page, timeout=30)
    assert response.status_code == 200, response.status_code
    session.headers.update({"X-CSRFToken": csrf_of(response.text)})
    return session


def staff_tab(url: str, user, password: str) -> requests.Session:
    """A logged-in staff browser: the login form posted as a person would."""
    session = requests.Session()
    page = session.get(url + "/staff/login", timeout=30)
    token = csrf_of(page.text)
    response = session.post(
        url + "/staff/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text
    home = session.get(url + "/staff/", timeout=30)
    session.headers.update({"X-CSRFToken": csrf_of(home.text)})
    return session


def minimal_nginx_config(folder: Path, http_block: str) -> Path:
    """A minimal nginx.conf that runs from ``folder`` (its pid, logs and temporary files there),
    ``http_block`` inside its ``http { }``."""
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(
        f"""
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 256; }}
http {{
    access_log {folder / "access.log"};
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
{http_block}
}}
"""
    )
    return config


def plain_nginx_config(folder: Path, app_port: int, port: int, *, maintenance: bool) -> Path:
    """Plain HTTP in front of the app, a frozen upstream answered 504 after 2 s; under
    ``maintenance`` nginx answers 503 itself."""
    return minimal_nginx_config(
        folder,
        f"""
    keepalive_timeout 0;  # each request on a new connection: a reload applies to the next one
    upstream cite_vote {{ server 127.0.0.1:{app_port}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            {"return 503;" if maintenance else ""}
            proxy_pass http://cite_vote;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_read_timeout 2s;
        }}
    }}
""",
    )


@dataclass
class Nginx:
    url: str
    folder: Path
    app_port: int
    port: int
    process: subprocess.Popen

    def wait_for(self, healthy: bool) -> None:
        """Until /healthz answers 200 (``healthy``) or nginx's own 503, five times in a row:
        after a reload, a worker still running the old configuration may answer a moment."""
        deadline = time.monotonic() + 20
        in_a_row = 0
        while True:
            try:
                status = requests.get(self.url + "/healthz", timeout=5).status_code
                in_a_row = in_a_row + 1 if (status == 200) == healthy else 0
                if in_a_row == 5:
                    return
            except requests.RequestException:
                in_a_row = 0
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.folder / "error.log").read_text())
            time.sleep(0.1)

    def maintenance(self, on: bool) -> None:
        """Reload nginx with (or without) its maintenance 503, as an operator would."""
        plain_nginx_config(self.folder, self.app_port, self.port, maintenance=on)
        self.process.send_signal(signal.SIGHUP)
        self.wait_for(healthy=not on)


@contextmanager
def nginx_in_front(folder: Path, app_port: int) -> Iterator[Nginx]:
    """nginx on a free port of 127.0.0.1 in front of the app on ``app_port``."""
    if not os.path.exists(NGINX):
        raise RuntimeError("nginx is needed (Debian package nginx; `make test` installs it)")
    port = free_port()
    config = plain_nginx_config(folder, app_port, port, maintenance=False)
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    nginx = Nginx(f"http://127.0.0.1:{port}", folder, app_port, port, process)
    try:
        nginx.wait_for(healthy=True)
        yield nginx
    finally:
        process.terminate()
        process.wait(timeout=10)
