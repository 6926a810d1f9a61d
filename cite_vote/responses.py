"""Answers every part of the app gives alike: the error page (or its message, for htmx) and the
security headers on every answer, the 204s of unchanged polls (cite_vote.polls) included.

``request_hooks`` installs them on the app; a view that refuses with its own status calls
``error_response`` directly.

Every answer also carries the app's mark (``APP_MARK``): static/js/app.js swaps into the page
only what carries it, so an error page from a proxy in front (nginx's 502, 503, 504) never
replaces a card or a form (the card asks the server what it holds instead).
"""

from __future__ import annotations

from flask import make_response, request
from jinja2_fragments.flask import render_block

from cite_vote.htmx import is_htmx, render

# The header that says "this answer comes from the app itself" (static/js/app.js reads it).
APP_MARK = "X-Cite-Vote"

SECURITY_HEADERS = {
    APP_MARK: "1",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}


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


# Over HTTPS (directly, or behind a proxy the app trusts: CITE_VOTE_PROXY_COUNT), browsers are
# asked to come back over HTTPS only, for a year. Not over plain HTTP: the room's laptop serves
# phones that way, and the header would promise what it cannot keep.
HSTS = "max-age=31536000"


def with_security_headers(response):
    """The security headers (a view's own kept), and ``Vary: Cookie``: pages differ by person."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.vary.add("Cookie")
    return response
