"""One place decides whether a request gets a full page or a fragment of it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar
from urllib.parse import quote

from flask import Response, flash, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_blocks
from werkzeug.exceptions import HTTPException

from cite_vote.extensions import db
from cite_vote.refusals import RuleError

P = ParamSpec("P")
R = TypeVar("R")


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
    return page(body, status)


def page(body: str, status: int = 200) -> Response:
    """An answer that is a page or a fragment, rendered by the caller (``render`` or a cache)."""
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
        response.headers["HX-Redirect"] = header_url(url)
        response.vary.add("HX-Request")
        return response
    return redirect(url, code=303)


# What a URL may keep as it is in a header: ASCII's reserved and unreserved characters, and "%"
# so that what is already percent-encoded is not encoded twice.
_URL_SAFE = "/?#[]@!$&'()*+,;=:%-._~"


def header_url(url: str) -> str:
    """``url`` as a header can carry it: anything but printable ASCII percent-encoded (UTF-8).

    A server refuses to send a header with a character outside Latin-1 (a 500) and a newline
    would split it; the redirect the browser follows is the same address, encoded.
    """
    return quote(url, safe=_URL_SAFE)


def unchanged() -> Response:
    """204 for a poll whose page already shows what the server has: nothing rendered or swapped."""
    response = make_response("", 204)
    response.vary.add("HX-Request")
    return response


def seen(version: str, param: str = "v") -> bool:
    """Whether the poll says it already shows ``version`` (then answer ``unchanged()``)."""
    return request.args.get(param) == version


def done_or_fragment(url: str, message: str | None, fragment) -> Response:
    """After a successful change: without htmx, flash the message and 303 to ``url``; with htmx,
    the fragment (a callable, so it is rendered only when it is the answer)."""
    if not is_htmx():
        if message:
            flash(message, "success")
        return done(url)
    return fragment()


@dataclass
class Outcome:
    """What a refusable service call came to: ``error`` and ``status`` once a rule refused."""

    error: str | None = None
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def refusable(*, shown: bool = True, error_pages: bool = False) -> Iterator[Outcome]:
    """The one way a view stores what it did: run its service calls in this block, and the
    block commits once they went through (after the rendering too, when the block holds it).

    If a rule refused, everything is rolled back (nothing stored half-way); ``shown``: its
    message and status are kept in the outcome for the view's answer (a form shown again with
    the message), else the refusal goes on to the error page. Any other failure rolls back and
    goes on. An HTTP error (an abort) leaves the session as it is, or with ``error_pages``
    commits first: a phone's error page shows the notices too (``commits``). Services never
    commit; only this block, the CLI and the cahier's build (``results.cahier.build_cahier``)
    do (tests/test_architecture.py).
    """
    outcome = Outcome()
    try:
        yield outcome
    except RuleError as refused:
        db.session.rollback()
        if not shown:
            raise
        outcome.error, outcome.status = refused.message, refused.status
    except HTTPException:
        if error_pages:
            db.session.commit()
        raise
    except Exception:
        db.session.rollback()
        raise
    else:
        db.session.commit()


def commits(view: Callable[P, R]) -> Callable[P, R]:
    """A GET view whose reads flush what its page shows only once (a phone's notices,
    ``votes.notices.show_notices``): the whole view runs in ``refusable``, so it commits once
    it has answered, with its page, its redirect or its error page (which shows the notices
    too). A refusal or any other failure rolls back."""

    @functools.wraps(view)
    def committing(*args: P.args, **kwargs: P.kwargs) -> R:
        with refusable(shown=False, error_pages=True):
            return view(*args, **kwargs)

    return committing
