"""Joining a forum (with its code or a printed ticket) and its front page (participant routes)."""

from __future__ import annotations

from flask import Blueprint, abort, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from cite_vote import limits
from cite_vote.accounts.identity import cookie_token, current_participant, remember
from cite_vote.accounts.tickets import bind_ticket, ticket_by_code, ticket_forum, ticket_holder
from cite_vote.extensions import db
from cite_vote.forums.forms import JoinCodeForm, ProfileForm
from cite_vote.forums.join_codes import (
    code_admits_newcomers,
    forum_by_join_code,
    normalise_code,
    open_link_code,
)
from cite_vote.forums.models import Forum
from cite_vote.forums.services import forum_by_slug
from cite_vote.htmx import commits, done, page, refusable, render
from cite_vote.phone.forum_page import forum_overview, forum_page
from cite_vote.phone.participant import participant_forum
from cite_vote.tokens import new_token
from cite_vote.votes.categories import join_forum

bp = Blueprint("forums", __name__)


@bp.get("/healthz")
def healthz():
    """For a load balancer: the app answers and reaches its database."""
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.get("/")
def home():
    return render("forums/home.html", form=JoinCodeForm())


def _joining_forum() -> Forum | None:
    """The forum of the join code in the address, looked up once per request."""
    if "joining_forum" not in g:
        g.joining_forum = forum_by_join_code((request.view_args or {}).get("code", ""))
    return g.joining_forum


def _already_joined() -> bool:
    """A phone already in the forum (changing its name, say) is never held back."""
    forum = _joining_forum()
    return forum is not None and current_participant(forum) is not None


def _wrong_codes(methods: list[str] | None = None):
    """The wrong codes' limit (``limits.wrong_codes``), on every way of trying a code."""
    return limits.wrong_codes(already_in=_already_joined, methods=methods)


def _typed_code_leads(form: JoinCodeForm) -> str | None:
    """Where the code typed in ``form`` leads, or None: the form then says what is wrong, and a
    code that leads nowhere counts as a wrong code."""
    if not form.validate_on_submit():
        return None
    if forum_by_join_code(form.code.data) is not None:
        # The code as typed: with rotation it is the one on the screen, not the fixed one.
        return url_for(".join", code=normalise_code(form.code.data))
    # A printed ticket's code looks typeable: it leads to the ticket's page (same rules).
    ticket = ticket_by_code(form.code.data)
    if ticket is not None:
        return url_for(".join_with_ticket", code=ticket.code)
    limits.note_wrong_code()
    form.code.errors.append(_("No forum has this code. Check it and try again."))
    return None


@bp.post("/")
@_wrong_codes()
def find():
    form = JoinCodeForm()
    leads = _typed_code_leads(form)
    if leads is not None:
        return done(leads)
    return render("forums/home.html", "join_form", form=form, status=422)


@bp.route("/f/<slug>/join", methods=["GET", "POST"])
@_wrong_codes(methods=["POST"])
def door(slug: str):
    """Where every address of a forum sends a person who is not in it: it asks for the code.

    The address is in every link and often easy to guess; the code is what the room gives.
    Only where the organiser opened the link does the door lead on to the join page by itself.
    """
    forum = forum_by_slug(slug)
    if current_participant(forum) is not None:
        return done(url_for(".forum", slug=forum.slug))
    if request.method == "GET" and (code := open_link_code(forum)) is not None:
        return done(url_for(".join", code=code))
    form = JoinCodeForm()
    leads = _typed_code_leads(form)
    if leads is not None:
        return done(leads)
    if request.method == "GET":
        return render("forums/door.html", forum=forum, form=form)  # an address: the full page
    return render("forums/door.html", "door_form", forum=forum, form=form, status=422)


@bp.route("/j/<code>", methods=["GET", "POST"])
@limits.join(forum=_joining_forum, already_in=_already_joined)
@_wrong_codes()
def join(code: str):
    forum = _joining_forum()
    if forum is None:
        limits.note_wrong_code()
        abort(404)
    participant = current_participant(forum)
    if participant is not None and request.method == "GET" and "edit" not in request.args:
        return done(url_for(".forum", slug=forum.slug))
    if forum.tickets_required and participant is None:
        return render("forums/join.html", forum=forum, form=None, status=403)
    if participant is None and not code_admits_newcomers(forum, code):
        return render("forums/join.html", forum=forum, form=None, rotated=True, status=403)
    form = ProfileForm(obj=participant)
    form.set_categories(forum.categories)
    error = None
    if form.validate_on_submit():
        token = cookie_token() or new_token()
        with refusable() as outcome:
            join_forum(
                forum,
                token,
                display_name=form.display_name.data,
                category=form.category.data,
                via_ticket=participant is not None,
            )
        error = outcome.error
        if outcome.ok:
            return remember(done(url_for(".forum", slug=forum.slug)), token)
    status = 422 if form.errors or error else 200
    return render(
        "forums/join.html",
        "profile_form",
        forum=forum,
        code=code,
        form=form,
        participant=participant,
        error=error,
        status=status,
    )


@bp.route("/t/<code>", methods=["GET", "POST"])
def join_with_ticket(code: str):
    """Opening the link changes nothing (a link preview or a second look must not use the ticket
    up); the phone claims the ticket when the person taps "Enter the forum"."""
    ticket = ticket_by_code(code)
    if ticket is None:
        abort(404)
    forum = ticket_forum(ticket)
    token = cookie_token()
    forum_url = url_for("forums.forum", slug=forum.slug)
    if ticket.used_at is not None:
        if ticket_holder(ticket, token):
            return done(forum_url)  # the same phone scanning again gets back in
        return render("forums/ticket.html", forum=forum, ticket=ticket, form=None, status=409)
    if current_participant(forum) is not None:
        return render(
            "forums/ticket.html", forum=forum, ticket=ticket, form=None, already=True, status=409
        )
    form = ProfileForm()
    form.set_categories(forum.categories)
    error = None
    if form.validate_on_submit():
        token = token or new_token()
        with refusable() as outcome:
            bind_ticket(
                ticket, token, display_name=form.display_name.data, category=form.category.data
            )
        error = outcome.error
        if outcome.ok:
            return remember(done(forum_url), token)
    status = 409 if error else 422 if form.errors else 200
    return render(
        "forums/ticket.html",
        "ticket_form",
        forum=forum,
        ticket=ticket,
        form=form,
        error=error,
        status=status,
    )


@bp.get("/f/<slug>")
@commits  # the notices it shows are seen
def forum(slug: str):
    forum, participant, _none = participant_forum(slug)
    return page(forum_page(forum, participant, forum_overview(forum, participant.id)))
