"""The deployment guide, run: the app in production mode behind nginx with HTTPS.

tests/../docs/deploy/nginx-site.conf is started as it is written (only its ports, certificate
paths and name are substituted), in front of gunicorn with CITE_VOTE_ENV=production and one
trusted proxy; a participant walks through it: plain HTTP is redirected, cookies are Secure,
forms pass CSRF, redirects stay on the public https address, a vote counts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from cite_vote.votes.models import Vote
from tests.server import ROOT, csrf_of, free_port, gunicorn_server, minimal_nginx_config

pytestmark = pytest.mark.server
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def nginx_config(folder: Path, app_port: int, http: int, https: int, cert, key) -> Path:
    """docs/deploy/nginx-site.conf inside a minimal nginx.conf that runs from ``folder``."""
    site = (ROOT / "docs" / "deploy" / "nginx-site.conf").read_text()
    for before, after in [
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("return 301 https://$host$request_uri;", f"return 301 https://$host:{https}$request_uri;"),
        ("/etc/ssl/cite-vote/fullchain.pem", str(cert)),
        ("/etc/ssl/cite-vote/privkey.pem", str(key)),
        ("forum.example.org", "localhost"),
    ]:
        assert before in site, before
        site = site.replace(before, after)
    return minimal_nginx_config(folder, site)


@pytest.fixture
def proxied(app, database_url, tmp_path):
    """gunicorn in production mode behind nginx with HTTPS; yields the https base URL."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is needed (Debian package nginx; `make test` installs it as root)")
    cert, key = self_signed_certificate(tmp_path)
    app_port, http, https = free_port(), free_port(), free_port()
    public = f"https://localhost:{https}"
    env = {
        "CITE_VOTE_ENV": "production",
        "CITE_VOTE_SECRET_KEY": "a-long-random-production-secret-" + "k" * 32,
        "CITE_VOTE_PROXY_COUNT": "1",
        "CITE_VOTE_PUBLIC_URL": public,
        "CITE_VOTE_RATELIMIT_ENABLED": "true",
        "CITE_VOTE_RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'limits.sqlite3'}",
    }
    with gunicorn_server(database_url, tmp_path, port=app_port, workers=2, env=env):
        config = nginx_config(tmp_path, app_port, http, https, cert, key)
        nginx = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    requests.get(f"{public}/healthz", verify=str(cert), timeout=5)
                    break
                except requests.RequestException:
                    if nginx.poll() is not None or time.monotonic() > deadline:
                        pytest.fail((tmp_path / "error.log").read_text())
                    time.sleep(0.2)
            yield public, f"http://localhost:{http}", str(cert)
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def test_a_participant_walks_through_nginx_with_https_in_production(
    proxied, db, make_forum, make_idea
):
    public, plain, cert = proxied
    forum = make_forum(phase="voting", join_code="PROXY7")
    idea = make_idea(forum.challenges[0], title="Une idée derrière le proxy")
    phone = requests.Session()
    phone.verify, phone.trust_env = cert, False  # the environment's CA bundle would win

    redirected = phone.get(plain + "/", allow_redirects=False, timeout=10)
    assert redirected.status_code == 301
    assert redirected.headers["Location"].startswith(public)

    home = phone.get(public + "/", timeout=10)
    assert home.status_code == 200
    # Over HTTPS, browsers are told to keep to it (the app sees https through the proxy).
    assert home.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in redirected.headers  # plain HTTP promises nothing
    session_cookie = next(c for c in phone.cookies if c.name == "session")
    assert session_cookie.secure

    found = phone.post(
        public + "/",
        data={"code": "proxy7", "csrf_token": csrf_of(home.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert found.status_code == 303
    assert found.headers["Location"] in (f"{public}/j/PROXY7", "/j/PROXY7")
    join_page = phone.get(public + "/j/PROXY7", timeout=10)
    joined = phone.post(
        public + "/j/PROXY7",
        data={"csrf_token": csrf_of(join_page.text), "display_name": "", "category": ""},
        allow_redirects=False,
        timeout=10,
    )
    assert joined.status_code == 303, joined.text
    participant = next(c for c in phone.cookies if c.name == "cite_vote_participant")
    assert participant.secure and participant.has_nonstandard_attr("HttpOnly")

    page = phone.get(f"{public}/f/{forum.slug}/c/{forum.challenges[0].id}", timeout=10)
    assert page.status_code == 200 and "Une idée derrière le proxy" in page.text
    voted = phone.post(
        f"{public}/f/{forum.slug}/i/{idea.id}/dots",
        data={"dots": 2},
        headers={"X-CSRFToken": csrf_of(page.text), "HX-Request": "true"},
        timeout=10,
    )
    assert voted.status_code == 200
    assert re.search(r"dots-left-count[^>]*>\s*3\s*<", voted.text)
    db.session.expire_all()
    assert db.session.scalar(select(Vote.dots).where(Vote.idea_id == idea.id)) == 2
