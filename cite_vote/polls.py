"""Unchanged polls answered before Flask: one indexed read, no session, no template.

Two polls make most of the traffic of an event: every phone's phase poll (every 5 s) and the
projectors' live block (every second). Almost always nothing changed. The page put in the
polled URL what it shows, signed with the app's secret key; this WSGI layer, in front of
Flask's request machinery, checks the signature, reads the one number or word that says
whether the page is still current through a raw connection of the engine's pool, and answers
204 (htmx swaps nothing). Anything else (no signature, a forged one, a change, an error of any
kind) goes on to Flask, whose views answer exactly as before: the redirect to the forum's door
(never the join code), the 404, the reload, the new live block or the 503.

The signature stands for the checks the full path makes (a participant of the forum, the holder
of the screen link): a valid one was put in a page that the full path served to them, and it
only ever tells them that this page is still current. 204, not 304: htmx 2 swaps a 304 as it
swaps a 200 (an empty live block).
"""

from __future__ import annotations

import contextlib
import hmac
import re
import threading
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from flask import Flask, current_app

from cite_vote.forms import ID_MAX
from cite_vote.responses import SECURITY_HEADERS
from cite_vote.results.screen.version import screen_version
from cite_vote.tokens import hash_token, sign

PHASE_POLL = re.compile(r"/f/([A-Za-z0-9_.-]{1,60})/c/([0-9]{1,10})/phase\Z")
LINK_POLL = re.compile(r"/s/([A-Za-z0-9_-]{1,100})/live\Z")


def phase_poll_key(slug: str, challenge_id: int) -> str:
    """Signs the phase poll of a challenge page served to a participant of its forum."""
    return sign(current_app.config["SECRET_KEY"], "phase", slug, challenge_id)


class UnchangedPolls:
    """WSGI middleware: 204 for a signed poll whose page is still current, else the app."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._engine = None
        self._own = threading.local()  # each thread's connection for the polls (PostgreSQL)
        self._sql: dict[str, str] = {}
        secret = app.config["SECRET_KEY"]
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self.headers = [("Vary", "HX-Request, Cookie"), *SECURITY_HEADERS.items()]

    def __call__(self, environ, start_response):
        if (
            environ.get("HTTP_HX_REQUEST") == "true"
            and environ.get("REQUEST_METHOD") == "GET"
            and environ.get("HTTP_HX_BOOSTED") != "true"
            and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
        ):
            try:
                answer = self.answer(environ.get("PATH_INFO", ""), environ)
            except Exception:  # noqa: BLE001  (the full path answers, and logs, whatever it is)
                answer = None
            if answer is not None:
                start_response(*answer)
                return []
        return self.wsgi_app(environ, start_response)

    def answer(self, path: str, environ) -> tuple[str, list[tuple[str, str]]] | None:
        """The status and headers of an empty answer, or None: let Flask answer.

        204 when the poll's page is current. When a phone's challenge moved to another open
        phase, 200 with ``HX-Refresh`` (the page reloads itself, as the view would say): at
        the opening of the vote every phone of the room asks within five seconds, and each
        then loads its page, so the answer that sends it there should cost nothing.
        """
        if path.endswith("/phase"):
            match = PHASE_POLL.match(path)
            if match is None or int(match[2]) > ID_MAX:
                return None
            args = self._args(environ)
            seen, key = args.get("seen"), args.get("k")
            if not seen or not key:
                return None
            slug, challenge_id = match[1], int(match[2])
            if not hmac.compare_digest(key, sign(self.secret, "phase", slug, challenge_id)):
                return None
            row = self._read("phase", (challenge_id, slug))
            if row is None:
                return None  # gone, archived or back to draft: the view's 404
            if row[0] == seen:
                return "204 NO CONTENT", self.headers
            return "200 OK", [
                *self.headers,
                ("HX-Refresh", "true"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", "0"),
            ]
        headers = self._screen_unchanged(path, environ)
        return ("204 NO CONTENT", headers) if headers is not None else None

    def _screen_unchanged(self, path: str, environ) -> list[tuple[str, str]] | None:
        """The 204's headers when the projector's page is current; None: let Flask answer."""
        if path.endswith("/live"):
            match = LINK_POLL.match(path)
            if match is None:
                return None
            shown = self._args(environ).get("v")
            if not shown:
                return None
            row = self._read("screen", (hash_token(match[1]),))
            if row is None:
                return None
            forum_id, version, screen_rotate, code_rotates = row
            now = datetime.now(UTC).replace(tzinfo=None)
            current = screen_version(
                self.secret, forum_id, version, bool(screen_rotate), bool(code_rotates), now
            )
            if not hmac.compare_digest(shown, current):
                return None
            return [*self.headers, ("Cache-Control", "no-store")]
        return None

    @staticmethod
    def _args(environ) -> dict[str, str]:
        args: dict[str, str] = {}
        for key, value in parse_qsl(environ.get("QUERY_STRING", "")):
            args.setdefault(key, value)
        return args

    def _read(self, kind: str, params: tuple):
        if self._engine is None:
            from cite_vote.extensions import db
            from cite_vote.forums.services import open_to_participants_sql
            from cite_vote.forums.versions import VERSION_SQL

            with self.app.app_context():
                self._engine = db.engine
            mark = "?" if self._engine.dialect.paramstyle == "qmark" else "%s"
            self._sql = {
                # The conditions of the page: a challenge of this forum, open to participants.
                "phase": "SELECT challenges.phase FROM challenges"
                " JOIN forums f ON f.id = challenges.forum_id"
                f" WHERE challenges.id = {mark} AND f.slug = {mark}"
                f" AND {open_to_participants_sql(self._engine.dialect)}",
                "screen": f"SELECT f.id, {VERSION_SQL}, f.screen_rotate, f.join_code_rotates"
                f" FROM forums f WHERE f.screen_token_hash = {mark}",
            }
        if self._engine.dialect.name == "postgresql":
            return self._read_own(kind, params)
        connection = self._engine.raw_connection()
        try:
            return self._fetch_one(connection, kind, params)
        finally:
            connection.close()

    def _fetch_one(self, connection, kind: str, params: tuple):
        cursor = connection.cursor()
        try:
            cursor.execute(self._sql[kind], params)
            return cursor.fetchone()
        finally:
            cursor.close()

    def _read_own(self, kind: str, params: tuple):
        """On PostgreSQL, one round trip: the read, on this thread's own connection.

        Through the pool a poll cost four: the pool's check of the connection, BEGIN, the read,
        and the ROLLBACK that hands the connection back (three with ``extensions.
        ping_with_begin``). A connection of the thread's own, in autocommit (a single read
        needs no transaction), sends the read alone. A connection the server dropped fails the
        read: it is closed and forgotten, and Flask answers this poll (the next one opens a
        new connection).
        """
        connection = getattr(self._own, "connection", None)
        if connection is None or connection.closed:
            pooled = self._engine.raw_connection()
            connection = pooled.driver_connection  # psycopg's
            pooled.detach()  # the thread's, outside the pool and its limits
            connection.rollback()  # the pool's check opened a transaction
            connection.autocommit = True
            self._own.connection = connection
        try:
            return self._fetch_one(connection, kind, params)
        except Exception:
            self._own.connection = None
            with contextlib.suppress(Exception):
                connection.close()
            raise


def init_app(app: Flask) -> None:
    app.wsgi_app = UnchangedPolls(app, app.wsgi_app)
    app.jinja_env.globals["phase_poll_key"] = phase_poll_key
