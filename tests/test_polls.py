"""Unchanged polls are answered before Flask: one indexed read, no session, no template."""

import re
from contextlib import contextmanager
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import event, text

from cite_vote.extensions import db as _db
from cite_vote.polls import UnchangedPolls
from cite_vote.results.screen.services import regenerate_screen_token
from cite_vote.results.screen.version import ROTATE_SECONDS
from cite_vote.timeutil import utcnow
from cite_vote.tokens import sign
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots


@contextmanager
def inside_flask(app):
    """Counts what a request costs: Flask's requests, pool checkouts, SQL through SQLAlchemy."""
    seen = {"requests": 0, "checkouts": 0, "statements": 0}

    def request_started(_sender, **_extra):
        seen["requests"] += 1

    def checkout(*_args):
        seen["checkouts"] += 1

    def statement(*_args):
        seen["statements"] += 1

    from flask import request_started as started

    started.connect(request_started, app)
    event.listen(_db.engine.pool, "checkout", checkout)
    event.listen(_db.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        started.disconnect(request_started, app)
        event.remove(_db.engine.pool, "checkout", checkout)
        event.remove(_db.engine, "before_cursor_execute", statement)


def phase_url(page: str) -> str:
    match = re.search(r'id="phase-watch" hx-get="([^"]+)"', page)
    assert match, "no phase poll on the page"
    return unescape(match.group(1))


@pytest.fixture
def phone(client, htmx_client, scene, as_participant):
    as_participant(client, scene["voter"])
    as_participant(htmx_client, scene["voter"])
    page = client.get(f"/f/salle/c/{scene['challenge'].id}")
    assert page.status_code == 200
    return phase_url(page.text)


def test_the_challenge_page_polls_with_a_signed_key(phone, scene, app):
    challenge_id = scene["challenge"].id
    assert f"/f/salle/c/{challenge_id}/phase?seen=voting&k=" in phone
    with app.app_context():
        assert phone.endswith("k=" + sign(app.config["SECRET_KEY"], "phase", "salle", challenge_id))


def test_an_unchanged_phase_poll_never_enters_flask(phone, htmx_client, app):
    with inside_flask(app) as cost:
        response = htmx_client.get(phone)
    assert response.status_code == 204 and response.data == b""
    assert cost == {"requests": 0, "checkouts": 1, "statements": 0}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Cite-Vote"] == "1"  # the app's mark (issue 20): its own answer
    assert {"HX-Request", "Cookie"} <= {v.strip() for v in response.headers["Vary"].split(",")}


def test_a_phase_change_reloads_the_page_before_flask(phone, htmx_client, scene, db, app):
    """At the opening every phone of the room asks within 5 s: the answer that sends it to
    its page is as cheap as the 204 (the view answered it before: one Flask request each)."""
    set_phase(scene["forum"], "closed", scene["challenge"])
    db.session.commit()
    with inside_flask(app) as cost:
        response = htmx_client.get(phone)
    assert response.status_code == 200 and response.headers["HX-Refresh"] == "true"
    assert response.data == b"" and "HX-Request" in response.headers["Vary"]
    assert cost == {"requests": 0, "checkouts": 1, "statements": 0}
    # Without the key, the view says the same.
    response = htmx_client.get(phone.split("&k=")[0])
    assert response.status_code == 200 and response.headers["HX-Refresh"] == "true"


def test_a_challenge_back_to_draft_is_404_through_the_full_path(phone, htmx_client, scene, db):
    scene["challenge"].phase = "draft"
    db.session.commit()
    assert htmx_client.get(phone).status_code == 404


def test_a_forged_or_missing_key_takes_the_full_path(phone, htmx_client, scene, app):
    forged = re.sub(r"k=[0-9a-f]+", "k=" + "0" * 20, phone)
    for url in (forged, phone.split("&k=")[0]):
        with inside_flask(app) as cost:
            response = htmx_client.get(url)
        assert response.status_code == 204 and cost["requests"] == 1


def test_a_key_of_another_challenge_does_not_open_this_one(phone, htmx_client, scene, app):
    other = scene["forum"].challenges[1]
    url = phone.replace(f"/c/{scene['challenge'].id}/", f"/c/{other.id}/")
    with inside_flask(app) as cost:
        htmx_client.get(url)
    assert cost["requests"] == 1


def test_a_valid_key_without_a_participant_still_says_only_unchanged(phone, app, scene, db):
    """The key was served to a participant; a copied URL tells nothing else (never the code),
    and a stranger without it is sent to the forum's door, which asks for the code."""
    stranger = app.test_client()
    stranger.environ_base["HTTP_HX_REQUEST"] = "true"
    unchanged = stranger.get(phone)
    assert unchanged.status_code == 204 and unchanged.text == ""
    assert not any(scene["forum"].join_code in v for v in unchanged.headers.values())
    response = stranger.get(phone.split("&k=")[0])
    assert response.headers["HX-Redirect"] == "/f/salle/join"
    assert scene["forum"].join_code not in response.text


def test_an_archived_challenge_is_404_through_the_full_path(phone, htmx_client, scene, db):
    scene["challenge"].archived = True
    db.session.commit()
    assert htmx_client.get(phone).status_code == 404


def test_a_poll_without_htmx_goes_to_the_page(phone, client, scene):
    assert client.get(phone).status_code == 303


def own_connection(app):
    """The psycopg connection the polls keep for this thread (PostgreSQL), or None."""
    layer = app.wsgi_app
    while not isinstance(layer, UnchangedPolls):
        layer = layer.app if hasattr(layer, "app") else layer.wsgi_app
    return getattr(layer._own, "connection", None)


def test_an_unchanged_poll_is_one_round_trip_on_postgresql(
    phone, htmx_client, app, count_round_trips
):
    """Through the pool a poll was four round trips for its one read (the pool's ping, BEGIN,
    the read, the ROLLBACK handing the connection back); on the thread's own connection, in
    autocommit, it is the read alone."""
    assert htmx_client.get(phone).status_code == 204  # opens the thread's connection
    with inside_flask(app) as cost, count_round_trips(own_connection(app)) as trips:
        assert htmx_client.get(phone).status_code == 204
    assert cost == {"requests": 0, "checkouts": 0, "statements": 0}
    assert trips.count == 1, trips.sent


def test_a_poll_whose_connection_the_server_dropped_goes_to_flask_once(phone, htmx_client, app, db):
    """A restarted server drops the polls' own connection as it drops the pool's: that poll is
    answered by Flask (whose pool checks its connections), the next by a new connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the polls' own connections are PostgreSQL's")
    assert htmx_client.get(phone).status_code == 204
    pid = own_connection(app).info.backend_pid
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()
    with inside_flask(app) as cost:
        assert htmx_client.get(phone).status_code == 204
    assert cost["requests"] == 1
    with inside_flask(app) as cost:
        assert htmx_client.get(phone).status_code == 204
    assert cost["requests"] == 0 and own_connection(app).info.backend_pid != pid


# --- the projector ------------------------------------------------------------------------------


@pytest.fixture
def projector(client, scene, db):
    link = regenerate_screen_token(scene["forum"])
    db.session.commit()
    page = client.get(f"/s/{link}")
    version = re.search(r'data-version="([0-9a-f]+)"', page.text).group(1)
    return link, version


def test_an_unchanged_projector_poll_never_enters_flask(projector, htmx_client, app):
    link, version = projector
    with inside_flask(app) as cost:
        response = htmx_client.get(f"/s/{link}/live?v={version}")
    assert response.status_code == 204 and response.headers["Cache-Control"] == "no-store"
    assert cost == {"requests": 0, "checkouts": 1, "statements": 0}


def test_a_vote_on_one_worker_is_seen_by_the_projector_poll(projector, htmx_client, scene, app):
    link, version = projector
    set_dots(scene["voter"], scene["kept"], 1)
    _db.session.commit()
    with inside_flask(app) as cost:
        response = htmx_client.get(f"/s/{link}/live?v={version}")
    assert response.status_code == 200 and cost["requests"] == 1
    assert 'id="screen-live"' in response.text


def test_a_revoked_link_is_refused_at_once(projector, htmx_client, scene, db):
    from cite_vote.results.screen.services import revoke_screen_token

    link, version = projector
    revoke_screen_token(scene["forum"])
    db.session.commit()
    assert htmx_client.get(f"/s/{link}/live?v={version}").status_code == 404


def test_the_projector_poll_follows_the_rotation(projector, scene, app, monkeypatch):
    import cite_vote.polls as polls

    link, version = projector
    assert scene["forum"].screen_rotate
    later = utcnow() + timedelta(seconds=ROTATE_SECONDS)

    class Later:
        @staticmethod
        def now(_tz):
            return later

    monkeypatch.setattr(polls, "datetime", Later)
    poller = app.test_client()
    poller.environ_base["HTTP_HX_REQUEST"] = "true"
    with inside_flask(app) as cost:
        poller.get(f"/s/{link}/live?v={version}")
    assert cost["requests"] == 1


def test_a_timed_reveal_on_the_projector_link_moves_by_the_clock(
    scene, client, db, app, monkeypatch
):
    """A timed reveal's steps follow the clock, not the forum's version: its polls go to the
    view, which answers 204 between two steps and the next row when its time comes."""
    import cite_vote.results.screen.views as screen_views
    from cite_vote.results.screen.services import reveal_every, stage_reveal

    forum, challenge = scene["forum"], scene["challenge"]
    forum.projection_mode, forum.screen_rotate = "blind", False
    stage_reveal(forum, challenge)
    set_phase(forum, "closed", challenge)
    start = utcnow()
    reveal_every(forum, challenge, 10, start)
    link = regenerate_screen_token(forum)
    db.session.commit()
    monkeypatch.setattr(screen_views, "utcnow", lambda: start + timedelta(seconds=1))
    page = client.get(f"/s/{link}").text
    version = re.search(r'data-version="([0-9a-f]+)"', page).group(1)
    assert page.count("is-hidden") == 2
    poller = app.test_client()
    poller.environ_base["HTTP_HX_REQUEST"] = "true"
    with inside_flask(app) as cost:
        assert poller.get(f"/s/{link}/live?v={version}").status_code == 204
    assert cost["requests"] == 1  # the view, which knows the steps
    monkeypatch.setattr(screen_views, "utcnow", lambda: start + timedelta(seconds=11))
    response = poller.get(f"/s/{link}/live?v={version}")
    assert response.status_code == 200 and response.text.count("is-hidden") == 1
