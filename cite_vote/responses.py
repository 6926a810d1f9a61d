"""Answers every part of the app gives alike: the error page (or its message, for htmx) and the
security headers on every answer, the 204s of unchanged polls (cite_vote.polls) included.

``request_hooks`` installs them on the app; a view that refuses with its own status calls
``error_response`` directly.
"""

from __future__ import annotations

from flask import make_response
from jinja2_fragments.flask import render_block

from cite_vote.htmx import is_htmx, render

SECURITY_HEADERS = {
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


def with_security_headers(response):
    """The security headers (a view's own kept), and ``Vary: Cookie``: pages differ by person."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.vary.add("Cookie")
    return response
