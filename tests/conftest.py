"""Fixtures: an app on a fresh database, clients, and one factory per model.

Tests run on SQLite by default. With ``CITE_VOTE_TEST_DATABASE_URL`` pointing at a PostgreSQL
server, the suite makes a throwaway database there for the run and drops it afterwards.
"""

from __future__ import annotations

import contextvars
import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from cite_vote.accounts.models import Participant, StaffUser
from cite_vote.accounts.services import create_assisted_participant
from cite_vote.extensions import db as _db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Comment, Idea
from cite_vote.tokens import hash_token
from cite_vote.votes.categories import join_forum
from cite_vote.votes.services import set_dots
from tests.helpers import (
    QUICK_HASH_METHOD,
    STAFF_PASSWORD,
    empty_schema,
    make_test_app,
    quick_password_hashes,
    slow_scale,
)

PG_URL = os.environ.get("CITE_VOTE_TEST_DATABASE_URL")


def pytest_configure(config):
    slow_scale()  # a bad value stops the run before any test


CATEGORIES = ["chercheur·e", "entrepreneur·e", "association", "citoyen·ne"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A throwaway PostgreSQL database for this run, or None on SQLite."""
    if not PG_URL:
        yield None
        return
    server = make_url(PG_URL)
    name = f"cite_vote_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file holding the models' empty schema, made once: each test gets a copy."""
    path = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return path


@pytest.fixture
def database_url(postgres_url, tmp_path, sqlite_template) -> str:
    """The test's database: on SQLite a file of its own, a copy of the empty template."""
    if postgres_url:
        return postgres_url
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's settings."""
    return {}


class IsolatedClient(FlaskClient):
    """Runs each request in an app context of its own, as a server does.

    The test holds an app context for its factories; without this, requests would share its
    ``g`` (Babel's cached locale) and its database session, hiding bugs a server would show.
    """

    def open(self, *args, **kwargs):
        def request_alone():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(request_alone)


@pytest.fixture
def app(database_url, app_config):
    app = make_test_app(database_url, **app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        empty_schema()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx_client(app):
    """A client whose every request says it comes from htmx."""
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def every_category_shown(monkeypatch):
    """Shows every category on its own, however few its voters (``privacy.MIN_VOTERS`` = 1).

    For the tests of the breakdown's arithmetic, the cross-group order and the timeline's
    replay on scenes of a handful of people, where the real threshold would merge every
    category into "other"; tests/test_results_privacy.py tests the threshold itself."""
    from cite_vote.results import privacy

    monkeypatch.setattr(privacy, "MIN_VOTERS", 1)


@pytest.fixture
def count_queries(app):
    """Counts the SQL statements run inside the ``with`` block."""

    class Counter:
        def __init__(self):
            self.statements: list[str] = []

        def __enter__(self):
            event.listen(_db.engine, "before_cursor_execute", self._record)
            return self

        def __exit__(self, *exc):
            event.remove(_db.engine, "before_cursor_execute", self._record)

        def _record(self, _conn, _cursor, statement, *_args):
            self.statements.append(statement)

        @property
        def count(self) -> int:
            return len(self.statements)

    return Counter


@pytest.fixture
def count_round_trips(app):
    """Counts the round trips to PostgreSQL inside the ``with`` block: libpq's trace of every
    connection of the pool (those in it now and those opened meanwhile) and of the connections
    given (outside the pool: the polls' own), one ``ReadyForQuery``
    from the server per round trip (a statement, the pool's ping, BEGIN, COMMIT). Skipped on
    SQLite, which has no round trips."""
    import tempfile

    from psycopg import pq

    if _db.engine.dialect.name != "postgresql":
        pytest.skip("round trips are counted on PostgreSQL")

    class Counter:
        def __init__(self, *connections):
            self.connections = connections  # psycopg connections outside the pool

        def __enter__(self):
            self.file = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed by __exit__)
            self.traced = []
            for connection in self.connections:
                self._trace(connection)
            for record in list(_db.engine.pool._pool.queue):
                if record.dbapi_connection is not None:
                    self._trace(record.dbapi_connection)
            event.listen(_db.engine.pool, "connect", self._connect)
            return self

        def __exit__(self, *exc):
            event.remove(_db.engine.pool, "connect", self._connect)
            for connection in self.traced:
                if not connection.closed:
                    connection.pgconn.untrace()
            self.file.seek(0)
            self.lines = self.file.read().splitlines()
            self.file.close()

        def _connect(self, dbapi_connection, _record):
            self._trace(dbapi_connection)

        def _trace(self, connection):
            connection.pgconn.trace(self.file.fileno())
            connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            self.traced.append(connection)

        @property
        def count(self) -> int:
            return sum(1 for line in self.lines if "\tReadyForQuery" in line)

        @property
        def sent(self) -> str:
            """What the app sent, for an assertion's message."""
            return "\n".join(
                line for line in self.lines if "\tQuery\t" in line or "\tParse\t" in line
            )

    return Counter


# --- factories ------------------------------------------------------------------------------


@pytest.fixture
def make_forum(db):
    def make(slug: str | None = None, challenges: int = 2, phase: str = "proposing", **settings):
        forum = create_forum(
            slug=slug or f"forum-{secrets.token_hex(3)}",
            title=settings.pop("title", "Forum de test"),
            categories=settings.pop("categories", CATEGORIES),
            **settings,
        )
        for n in range(challenges):
            add_challenge(
                forum,
                title=f"Défi {n + 1}",
                question=f"Comment pourrions-nous {n + 1} ?",
                phase=phase,
            )
        db.session.commit()
        return forum

    return make


@pytest.fixture
def make_participant(db):
    def make(forum, category: str | None = None, name: str | None = None):
        token = secrets.token_urlsafe(16)
        participant = join_forum(
            forum, token, display_name=name, category=category, via_ticket=True
        )
        db.session.commit()
        participant.token = token  # only tests keep the clear token, to log the client in
        return participant

    return make


@pytest.fixture
def make_idea(db):
    def make(challenge, author=None, title: str = "Une idée", description: str = "", **fields):
        idea = Idea(
            challenge_id=challenge.id,
            author_id=author.id if author else None,
            author_category=author.category if author else None,
            title=title,
            description=description,
            **fields,
        )
        db.session.add(idea)
        db.session.commit()
        return idea

    return make


@pytest.fixture
def make_comment(db):
    def make(idea, author=None, body: str = "Un commentaire", **fields):
        comment = Comment(
            idea_id=idea.id, author_id=author.id if author else None, body=body, **fields
        )
        db.session.add(comment)
        db.session.commit()
        return comment

    return make


@pytest.fixture
def as_participant(app):
    """Put a participant's cookie on a client: ``as_participant(client, participant)``."""

    def login(client, participant):
        client.set_cookie(
            app.config["PARTICIPANT_COOKIE_NAME"], participant.token, domain="cite.test"
        )
        assert hash_token(participant.token) == participant.token_hash
        return client

    return login


@pytest.fixture
def rendered_into(monkeypatch):
    """``rendered_into(cache)`` empties a ``RenderedCache`` and returns the list of the keys it
    is given from then on: what was rendered, not taken from it."""

    def watch(cache) -> list:
        keys = []
        put = cache.put

        def counting(key, html):
            keys.append(key)
            put(key, html)

        monkeypatch.setattr(cache, "put", counting)
        cache.clear()
        return keys

    return watch


@pytest.fixture
def make_staff(db, monkeypatch):
    """A staff account; ``forums`` are assigned to it (an organiser also owns ``owns``).

    Its password hash is the cheap one, and so is the stand-in hash checked for an unknown
    email, so that an unknown address still costs what a known one does.
    """
    from werkzeug import security

    from cite_vote.accounts import services
    from cite_vote.accounts.services import assign_staff, create_staff_user

    monkeypatch.setattr(
        services,
        "_DUMMY_HASH",
        security.generate_password_hash("not-a-real-password", method=QUICK_HASH_METHOD),
    )

    def make(role: str = "organiser", forums=(), owns=(), email: str | None = None):
        with quick_password_hashes():
            user = create_staff_user(
                email or f"{role}-{secrets.token_hex(3)}@example.org", role, STAFF_PASSWORD
            )
        for forum in forums:
            assign_staff(forum, user)
        for forum in owns:
            forum.owner_id = user.id
        db.session.commit()
        return user

    return make


@pytest.fixture
def staff_login():
    """Log a client in as a staff user through the real login form."""

    def login(client, user):
        response = client.post(
            "/staff/login", data={"email": user.email, "password": STAFF_PASSWORD}
        )
        assert response.status_code == 303, response.text
        return client

    return login


@pytest.fixture
def cast_dots(db):
    """Set a participant's dots on an idea through the real voting service, then commit."""
    from cite_vote.votes.services import set_dots

    def cast(participant, idea, dots: int):
        state = set_dots(participant, idea, dots)
        db.session.commit()
        return state

    return cast


# --- the staff scene: one forum in voting, its staff, near-duplicate ideas ----------------------


@pytest.fixture
def scene(make_forum, make_participant, make_idea, make_comment, make_staff, db):
    """Forum "salle" in voting: a voter with 2 dots on one of two near-duplicate ideas, a
    comment, an assisted participant, its facilitator and organiser, and a stranger (the
    facilitator of another forum, "ailleurs")."""
    forum = make_forum(slug="salle", phase="voting", dot_budget=5, dot_cap=3)
    other_forum = make_forum(slug="ailleurs", phase="voting")
    challenge = forum.challenges[0]
    voter = make_participant(forum, category="citoyen·ne")
    dup = make_idea(challenge, title="Créer un tiers-lieu pour les jeunes")
    kept = make_idea(challenge, title="tiers lieux jeunes : en créer un")
    comment = make_comment(dup, body="Bonne idée")
    set_dots(voter, dup, 2)
    assisted = create_assisted_participant(forum, display_name="Mme Martin")
    db.session.commit()
    return {
        "forum": forum,
        "other_forum": other_forum,
        "challenge": challenge,
        "voter": voter,
        "dup": dup,
        "kept": kept,
        "comment": comment,
        "assisted": assisted,
        "facilitator": make_staff("facilitator", forums=[forum]),
        "organiser": make_staff("organiser", owns=[forum]),
        "stranger": make_staff("facilitator", forums=[other_forum]),
    }


@pytest.fixture
def facilitator(client, scene, staff_login):
    staff_login(client, scene["facilitator"])
    return client


@pytest.fixture
def facilitator_htmx(htmx_client, scene):
    """Logged in through the real form; with htmx the login answers HX-Redirect, not 303."""
    response = htmx_client.post(
        "/staff/login", data={"email": scene["facilitator"].email, "password": STAFF_PASSWORD}
    )
    assert response.headers.get("HX-Redirect"), response.text
    return htmx_client


# --- named scenes: a forum set up for one area of tests, returned with named fields -----------

# Ideas of the ranking scene are proposed a minute apart from here.
T0 = datetime(2018, 10, 16, 9, 0)


class ProposingScene(NamedTuple):
    forum: Forum
    challenge: Challenge
    idea: Idea


class ParticipantScene(NamedTuple):
    forum: Forum
    challenge: Challenge
    person: Participant


class ModerationScene(NamedTuple):
    forum: Forum
    challenge: Challenge
    people: list[Participant] | dict[str, Participant]
    ideas: list[Idea]
    staff: StaffUser


class ScreenScene(NamedTuple):
    forum: Forum
    ideas: list[Idea]
    participant: Participant
    facilitator: StaffUser


class RankingScene(NamedTuple):
    forum: Forum
    challenge: Challenge
    people: list[Participant] | dict[str, Participant]
    ideas: list[Idea]


@pytest.fixture
def proposing_scene(make_forum, make_participant, make_idea, as_participant, client):
    """A proposing forum with one idea; a participant logged in on ``client``."""
    forum = make_forum(phase="proposing")
    challenge = forum.challenges[0]
    idea = make_idea(challenge)
    as_participant(client, make_participant(forum))
    return ProposingScene(forum, challenge, idea)


@pytest.fixture
def participant_scene(make_forum, make_participant):
    """A forum in draft and one participant (category association, named Ana)."""
    forum = make_forum()
    return ParticipantScene(
        forum, forum.challenges[0], make_participant(forum, category="association", name="Ana")
    )


@pytest.fixture
def phone_scene(make_forum, make_participant, as_participant, client, htmx_client):
    """A forum and one participant logged in on ``client`` and ``htmx_client``."""
    forum = make_forum()
    person = make_participant(forum, category="association")
    as_participant(client, person)
    as_participant(htmx_client, person)
    return ParticipantScene(forum, forum.challenges[0], person)


@pytest.fixture
def moderation_scene(make_forum, make_participant, make_idea, make_staff, db):
    """A voting forum: three participants, three ideas, a facilitator."""
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    people = [make_participant(forum, category="citoyen·ne") for _ in range(3)]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    staff = make_staff("facilitator", forums=[forum])
    return ModerationScene(forum, challenge, people, ideas, staff)


@pytest.fixture
def screen_scene(make_forum, make_participant, make_idea, make_staff, db):
    """Forum "salle" in voting, live projection staying on the first challenge, two ideas."""
    # The screen stays on the first challenge: no rotation turning under the assertions.
    forum = make_forum(
        slug="salle", challenges=2, phase="voting", projection_mode="live", screen_rotate=False
    )
    ideas = [
        make_idea(forum.challenges[0], title="Un observatoire des métiers"),
        make_idea(forum.challenges[0], title="Des binômes chercheur·e – entreprise"),
    ]
    participant = make_participant(forum)
    facilitator = make_staff("facilitator", forums=[forum])
    return ScreenScene(forum, ideas, participant, facilitator)


@pytest.fixture
def ranking_scene(make_forum, make_participant, make_idea):
    """A voting challenge with participants of several categories and ideas in a known order."""
    forum = make_forum(challenges=1, phase="voting", dot_budget=6, dot_cap=3)
    challenge = forum.challenges[0]
    people = {
        "res1": make_participant(forum, "chercheur·e"),
        "res2": make_participant(forum, "chercheur·e"),
        "ent": make_participant(forum, "entrepreneur·e"),
        "asso": make_participant(forum, "association"),
        "cit": make_participant(forum, "citoyen·ne"),
        "anon": make_participant(forum, None),
    }
    ideas = [
        make_idea(challenge, title=f"Idée {n}", created_at=T0 + timedelta(minutes=n))
        for n in range(1, 6)
    ]
    return RankingScene(forum, challenge, people, ideas)
