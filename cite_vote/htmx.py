"""One place decides whether a request gets a full page or a fragment of it."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_blocks


def is_htmx() -> bool:
    """A fragment is wanted only for a plain htmx request: not boosted, not a history restore."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    template: str,
    *blocks: str,
    status: int = 200,
    **context,
) -> Response:
    """Render ``template`` whole, or only the named ``blocks`` for an htmx request.

    The fragment is a block of the page template itself, so the page and the fragment cannot
    drift. Several blocks may be named: the extra ones are out-of-band swaps.
    """
    if blocks and is_htmx():
        body = render_blocks(template, list(blocks), **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def done(url: str) -> Response:
    """After a successful post that leads to another page.

    Without htmx: See Other, so a reload does not post again. With htmx: an XHR would follow
    the 303 silently and swap the whole next page into the form, so htmx is told to navigate.
    """
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        response.vary.add("HX-Request")
        return response
    return redirect(url, code=303)
