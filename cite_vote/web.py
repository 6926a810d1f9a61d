"""What every page shares: error pages, template globals, response headers."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Flask, flash, get_flashed_messages, make_response, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from cite_vote.errors import RuleError
from cite_vote.forums.services import PHASE_LABELS
from cite_vote.htmx import is_htmx, render

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
}

# Each language is named in itself, so these are not translated.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

ROLE_LABELS = {"organiser": _l("Organiser"), "facilitator": _l("Facilitator")}

CSRF_MESSAGE = _l("This form has expired or came from elsewhere. Reload the page and try again.")


def error_response(status: int, message):
    """The error page, or for htmx only the message, swapped into the page's message area."""
    if not is_htmx():
        return render("errors/error.html", status=status, message=message, status_code=status)
    body = render_block("base.html", "messages", messages=[("error", message)])
    response = make_response(body, status)
    response.headers["HX-Retarget"] = "#messages"
    response.headers["HX-Reswap"] = "outerHTML"
    response.vary.add("HX-Request")
    return response


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
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt

    @app.errorhandler(RuleError)
    def rule_refused(error: RuleError):
        return error_response(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_refused(_error: CSRFError):
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and 300 <= error.code < 400 or error.response is not None:
            return error.get_response()
        status = error.code or 500
        return error_response(status, MESSAGES.get(status, MESSAGES[400]))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        from cite_vote.extensions import db

        db.session.rollback()
        return error_response(500, MESSAGES[500])

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
            "language_names": LANGUAGE_NAMES,
            "language_url": language_url,
            "role_labels": ROLE_LABELS,
        }

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.vary.add("Cookie")
        return response

    app.jinja_env.globals["flashed"] = lambda: get_flashed_messages(with_categories=True)
    app.jinja_env.globals["flash"] = flash
