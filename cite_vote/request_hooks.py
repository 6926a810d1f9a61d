"""Hooks every request passes through: error pages, template globals, response headers."""

from __future__ import annotations

import contextlib
from urllib.parse import quote, urlencode

from flask import Flask, flash, get_flashed_messages, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from cite_vote.forms import ID_MAX
from cite_vote.forums.services import PHASE_LABELS
from cite_vote.i18n import LANGUAGE_NAMES
from cite_vote.ideas.services import IDEA_STATUS_LABELS
from cite_vote.links import public_url
from cite_vote.refusals import RuleError
from cite_vote.responses import error_response, with_security_headers

MESSAGES = {
    400: _l("The request could not be understood. Reload the page and try again."),
    403: _l("You are not allowed to do this."),
    404: _l("This page does not exist (or no longer does)."),
    405: _l("This address does not accept this kind of request."),
    409: _l("This action is not possible right now."),
    413: _l("What you sent is too large."),
    422: _l("Some fields need correcting."),
    429: _l("Too many attempts. Wait a moment and try again."),
    500: _l("Something went wrong on our side. Try again in a moment."),
    503: _l("The server is busy: what you just did was not saved. Try again in a few seconds."),
}

# Seconds a client is asked to wait when the database is busy or away (a 503).
RETRY_AFTER = 5

ROLE_LABELS = {"organiser": _l("Organiser"), "facilitator": _l("Facilitator")}

HTTPS_MESSAGE = _l(
    "This site must be opened with https:// (its cookies are secure): "
    "forms cannot work over plain http."
)

CSRF_MESSAGE = _l("This form has expired or came from elsewhere. Reload the page and try again.")


def discard_session() -> None:
    """End the request's database session, even on a connection that died under it.

    After a database restart, rolling back on a dead connection raises again; the connection
    is then invalidated (the pool opens a fresh one) rather than turning a 503 into a 500.
    """
    from cite_vote.extensions import db

    try:
        db.session.remove()
    except DBAPIError:
        with contextlib.suppress(DBAPIError):
            db.session().invalidate()
        db.session.registry.clear()


def language_url(code: str) -> str:
    """The current page in another language (the home page when it cannot be linked to).

    The address is the one asked for with ``lang`` replaced; the query string is never handed
    to ``url_for``, where ``?endpoint=``, ``?_method=`` or ``?challenge_id=abc`` would be read
    as its own arguments (a 500) and ``?slug=`` would point the link at another page.
    """
    if request.method == "GET" and request.endpoint and request.endpoint != "static":
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
        path = quote(request.script_root + request.path)
        return f"{path}?{urlencode([*args, ('lang', code)])}"
    return url_for("forums.home", lang=code)


class BoundedInt(IntegerConverter):
    """``<int:...>`` limited to what the database's integer column holds.

    An id like 99999999999999999999 must be an unknown page (404), not an overflow (500).
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt

    @app.errorhandler(RuleError)
    def rule_refused(error: RuleError):
        return error_response(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_refused(_error: CSRFError):
        if app.config["SESSION_COOKIE_SECURE"] and not request.is_secure:
            # The browser drops a Secure cookie sent over plain HTTP: no form can ever pass.
            app.logger.warning("Form refused over plain HTTP with Secure cookies: serve HTTPS")
            return error_response(400, HTTPS_MESSAGE)
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and 300 <= error.code < 400 or error.response is not None:
            return error.get_response()
        status = error.code or 500
        if isinstance(error, RateLimitExceeded) and error.limit.error_message:
            return error_response(status, error.description)  # the limit says what it stops
        return error_response(status, MESSAGES.get(status, MESSAGES[400]))

    @app.errorhandler(OperationalError)
    @app.errorhandler(SQLAlchemyTimeoutError)
    def database_unavailable(error: Exception):
        """The database is locked by another writer or cannot be reached: 503, retry soon.

        Nothing was saved (the transaction is rolled back), so the person can simply retry;
        a vote states its target, so a retry cannot count twice.
        """
        app.logger.warning("Database unavailable on %s: %s", request.path, error)
        discard_session()
        response = error_response(503, MESSAGES[503])
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        """A connection lost mid-request is the database going away; anything else is a bug."""
        if error.connection_invalidated:
            return database_unavailable(error)
        return unexpected(error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        discard_session()
        return error_response(500, MESSAGES[500])

    app.teardown_appcontext(lambda _error: discard_session())

    @app.before_request
    def refuse_nul_characters():
        """No text people type contains NUL, and PostgreSQL refuses to store it: 400, not 500."""
        values = [request.path]
        for source in (request.args, request.form):
            values.extend(value for _key, items in source.lists() for value in items)
        if any("\x00" in value for value in values):
            return error_response(400, MESSAGES[400])
        return None

    @app.context_processor
    def globals_for_templates():
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "phase_labels": PHASE_LABELS,
            "idea_status_labels": IDEA_STATUS_LABELS,
            "language_names": LANGUAGE_NAMES,
            "language_url": language_url,
            "role_labels": ROLE_LABELS,
            "public_url": public_url,
        }

    app.after_request(with_security_headers)

    app.jinja_env.globals["flashed"] = lambda: get_flashed_messages(with_categories=True)
    app.jinja_env.globals["flash"] = flash
