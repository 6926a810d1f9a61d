"""Joining with a printed ticket (participant route): its QR code leads to /t/<code>.

Opening the link changes nothing (a link preview or a second look must not use the ticket up);
the phone claims the ticket when the person taps "Enter the forum", with an optional name and
category, as on the open join page.
"""

from __future__ import annotations

from flask import Blueprint, abort, url_for

from cite_vote.accounts.identity import cookie_token, current_participant, remember
from cite_vote.accounts.services import new_token
from cite_vote.extensions import db
from cite_vote.forums.forms import ProfileForm
from cite_vote.forums.setup import bind_ticket, ticket_by_code, ticket_forum, ticket_holder
from cite_vote.htmx import done, render
from cite_vote.refusals import RuleError

bp = Blueprint("tickets", __name__)


@bp.route("/t/<code>", methods=["GET", "POST"])
def join(code: str):
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
        try:
            bind_ticket(
                ticket, token, display_name=form.display_name.data, category=form.category.data
            )
        except RuleError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
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
