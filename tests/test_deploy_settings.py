"""Settings for a real room and a real server: the public address, proxies, HTTPS.

Phones cannot open a link to 0.0.0.0 or to whatever address the projector laptop used:
printed links and QR codes use the configured public address. Behind a reverse proxy the
client's address and scheme come from the proxy's headers, trusting only as many hops as
configured. Production over plain HTTP says why its forms cannot work.
"""

from __future__ import annotations

import re

import pytest
from flask import request

from cite_vote.accounts.tickets import generate_tickets
from cite_vote.config import ConfigError, from_environment
from cite_vote.links import served_url
from cite_vote.paths import ROOT
from tests.helpers import make_test_app

PUBLIC = "https://forum.example.org"


@pytest.mark.parametrize("app_config", [{"PUBLIC_URL": PUBLIC}])
def test_printed_tickets_and_the_projected_qr_code_use_the_public_address(
    client, db, make_forum, make_staff, staff_login, app_config
):
    forum = make_forum(phase="voting")
    organiser = make_staff("organiser", owns=[forum])
    ticket = generate_tickets(forum, 1)[0]
    db.session.commit()
    staff_login(client, organiser)
    sheet = client.get(f"/staff/f/{forum.slug}/tickets/print").text
    assert f"{PUBLIC}/t/{ticket.code}" in sheet and "cite.test" not in sheet
    settings = client.get(f"/staff/f/{forum.slug}/settings").text
    assert f"{PUBLIC}/j/{forum.join_code}" in settings
    screen = client.get(f"/f/{forum.slug}/screen").text
    assert "<strong>forum.example.org</strong>" in screen and "cite.test" not in screen


def test_without_a_public_address_links_follow_the_request(
    client, db, make_forum, make_staff, staff_login
):
    forum = make_forum()
    staff_login(client, make_staff("organiser", owns=[forum]))
    assert (
        f"http://cite.test/j/{forum.join_code}"
        in client.get(f"/staff/f/{forum.slug}/settings").text
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_a_wildcard_host_prints_an_address_phones_can_open(host):
    url = served_url(host, 8000)
    assert url.startswith("http://") and url.endswith(":8000")
    assert "0.0.0.0" not in url and "[::]" not in url and "//:" not in url


def test_a_named_host_is_printed_as_it_is():
    assert served_url("192.168.1.20", 8080) == "http://192.168.1.20:8080"


def test_a_public_address_without_a_scheme_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CITE_VOTE_PUBLIC_URL", "forum.example.org")
    with pytest.raises(ConfigError, match="CITE_VOTE_PUBLIC_URL"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("CITE_VOTE_PUBLIC_URL", PUBLIC + "/")
    assert from_environment(str(tmp_path))["PUBLIC_URL"] == PUBLIC


def whoami_app(database_url, **config):
    app = make_test_app(database_url, **config)
    app.add_url_rule(
        "/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme} {request.host}"
    )
    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7, 198.51.100.1",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "forum.example.org",
}


def test_behind_one_proxy_the_client_address_and_scheme_come_from_its_headers(database_url):
    app = whoami_app(database_url, PROXY_COUNT=1, SERVER_NAME=None)
    seen = app.test_client().get("/_whoami", headers=FORWARDED).text
    assert seen == "198.51.100.1 https forum.example.org"  # only the last hop is trusted


def test_without_a_proxy_forwarded_headers_are_ignored(database_url):
    app = whoami_app(database_url, SERVER_NAME=None)
    seen = app.test_client().get("/_whoami", headers=FORWARDED).text
    assert seen == "127.0.0.1 http localhost"


def test_secure_cookies_over_plain_http_say_to_use_https(app, client, make_forum):
    app.config.update(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)
    forum = make_forum()
    response = client.post("/", data={"code": forum.join_code})
    assert response.status_code == 400
    assert "https://" in response.text
    assert re.search(r"https://.*http", response.text)


def test_a_web_worker_does_not_load_the_migration_tools(tmp_path):
    """Alembic, Mako and Pygments take 5 MB or more in each worker and serve no request; the
    ``flask db`` commands still have them. rapidfuzz (3.9 MB) is loaded by the first proposal
    or import that compares titles, not by a worker that only serves votes and pages."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "CITE_VOTE_DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "FLASK_APP": "cite_vote",
        "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    }
    probe = (
        "import sys, gunicorn, wsgi; "
        "print(sorted(m for m in ('alembic', 'mako', 'pygments', 'flask_migrate', 'rapidfuzz') "
        "if m in sys.modules))"
    )
    served = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert served.stdout.strip() == "[]"
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    upgraded = subprocess.run(
        [flask, "db", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    assert upgraded.returncode == 0, upgraded.stderr


def _gunicorn_settings(monkeypatch, database_url: str) -> dict:
    import os
    import runpy

    monkeypatch.setenv("CITE_VOTE_DATABASE_URL", database_url)
    for name in ("WEB_CONCURRENCY", "CITE_VOTE_THREADS", "CITE_VOTE_DB_POOL_SIZE"):
        monkeypatch.setenv(name, "")  # restored (removed) after the test, whatever the file sets
        monkeypatch.delenv(name)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["pool_size"] = os.environ.get("CITE_VOTE_DB_POOL_SIZE")
    return settings


def test_the_guides_server_settings_are_gunicorns(monkeypatch):
    """docs/deploy.md, "Sizing a server": SQLite, two sync workers; PostgreSQL, two workers of
    two threads, each worker's pool holding a connection per thread; and the connections
    that makes (pool, burst, the polls' own) under PostgreSQL's default max_connections."""
    from cite_vote.config import engine_options

    sqlite = _gunicorn_settings(monkeypatch, "sqlite:///x.sqlite3")
    assert (sqlite["workers"], sqlite["worker_class"], sqlite["threads"]) == (2, "sync", 1)
    postgres = _gunicorn_settings(monkeypatch, "postgresql+psycopg://u@h/db")
    assert (postgres["workers"], postgres["worker_class"], postgres["threads"]) == (
        2,
        "gthread",
        2,
    )
    assert postgres["pool_size"] == "2"
    options = engine_options(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db",
            "DATABASE_BUSY_TIMEOUT": 5,
            "DATABASE_CONNECT_TIMEOUT": 5,
            "DB_POOL_SIZE": int(postgres["pool_size"]),
        }
    )
    assert options["pool_size"] == 2 and options["max_overflow"] == 2
    per_worker = options["pool_size"] + options["max_overflow"] + postgres["threads"]
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert f"{postgres['workers']} × {per_worker} = {postgres['workers'] * per_worker}" in guide
    assert postgres["workers"] * per_worker <= 100 - 10  # PostgreSQL's default, 10 for staff
