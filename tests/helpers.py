"""Helpers the tests import (conftest.py holds the fixtures and is imported by no test).

The app for a database, the empty schema, the size of slow tests, the staff's password and its
cheap hash, the CSRF tokens a page carries, and the counts a refused request must leave as
they were.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import func, select, text

from cite_vote import create_app
from cite_vote.extensions import db as _db
from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.models import LedgerEntry, Notice


def slow_scale() -> float:
    """The size of the tests marked slow (storms, soaks), as a share of their full size:
    ``make test`` and CI run them at a quarter, ``make test-slow`` (and a bare pytest) whole."""
    raw = os.environ.get("CITE_VOTE_SLOW_SCALE") or "1"
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not 0 < scale <= 1:
        raise pytest.UsageError(
            f"CITE_VOTE_SLOW_SCALE is a share of the full size, above 0 and at most 1: not {raw!r}"
        )
    return scale


def empty_schema() -> None:
    """The models' tables, empty, ids counting from 1 again: what a new database holds.

    Called in the app context of the test's database. Its tables are kept (the SQLite copy of
    the template, the run's PostgreSQL database): every row is deleted and the id sequences
    restarted, a few milliseconds where dropping and creating the tables took a third of a
    second per test on PostgreSQL (and ``TRUNCATE`` a fifth). Tables missing (a test dropped
    them) are made again.
    """
    tables = _db.metadata.sorted_tables
    engine = _db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            listed = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        else:
            listed = "SELECT name FROM sqlite_master WHERE type = 'table'"
        present = set(conn.scalars(text(listed)))
        if present >= {table.name for table in tables}:
            for table in reversed(tables):
                conn.execute(table.delete())
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(
                    "SELECT setval(s.oid, 1, false) FROM pg_class s"
                    " JOIN pg_namespace n ON n.oid = s.relnamespace"
                    " WHERE s.relkind = 'S' AND n.nspname = current_schema()"
                )
            elif "sqlite_sequence" in present:
                conn.exec_driver_sql("DELETE FROM sqlite_sequence")
            return
    _db.drop_all()
    _db.create_all()


def scaled(full: int, least: int = 1) -> int:
    """``full`` (a slow test's size: rounds, voters) at CITE_VOTE_SLOW_SCALE, never below
    ``least``."""
    return max(least, round(full * slow_scale()))


class CompiledTemplates(BytecodeCache):
    """Templates compiled once for the run, shared by every test's app.

    Each test makes its own app, and each app's Jinja environment would lex, parse and compile
    every template it renders again: a third of a page test's time. Jinja checks the source's
    checksum before using an entry, so an edited template is compiled anew.
    """

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


def make_test_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",  # a test that counts gives its own storage
        "SERVER_NAME": "cite.test",
        **overrides,
    }
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


def page_token(html: str) -> str:
    """The person's CSRF token as a page gives it to htmx (every page has it, forms or not)."""
    match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def same_page(client, url: str, *caches) -> str:
    """The page as served now (from ``caches`` when they hold it) equals the page rendered
    with them emptied; the person's CSRF token, signed anew each second, is set aside."""
    served = client.get(url)
    assert served.status_code == 200
    for cache in caches:
        cache.clear()
    fresh = client.get(url)
    assert fresh.status_code == 200

    def plain(html: str) -> str:
        return html.replace(page_token(html), "TOKEN")

    assert plain(served.text) == plain(fresh.text)
    from cite_vote.page_caches import CSRF_MARK

    assert CSRF_MARK not in served.text
    return served.text


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


STAFF_PASSWORD = "correct horse battery"


# The hash of the staff accounts the fixtures make: one round, where the app's scrypt takes
# 0.15 s to make and again to check, at every login. Logging in still checks it for real.
QUICK_HASH_METHOD = "pbkdf2:sha256:1"


@contextmanager
def quick_password_hashes():
    """Staff accounts made inside this block get a cheap hash (the fixtures' accounts)."""
    from werkzeug import security

    from cite_vote.accounts import services

    with patch.object(
        services,
        "generate_password_hash",
        lambda password: security.generate_password_hash(password, method=QUICK_HASH_METHOD),
    ):
        yield


def snapshot(db):
    """Everything a staff action could change."""
    return (
        db.session.scalar(select(func.count()).select_from(LedgerEntry)),
        tuple(db.session.scalars(select(Idea.status).order_by(Idea.id))),
        tuple(db.session.scalars(select(Idea.title).order_by(Idea.id))),
        tuple(db.session.scalars(select(Comment.status).order_by(Comment.id))),
        db.session.scalar(select(func.count()).select_from(Notice)),
    )


def count(db, model, *where) -> int:
    """Rows of ``model`` (matching ``where``): what a refused request must leave unchanged."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def every_get_page(app, values: dict[str, object]):
    """(url) for every GET route of the app whose arguments ``values`` can fill."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= set(values):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), url)
        yield url
