"""Placing dots (participant route)."""

from __future__ import annotations

from flask import Blueprint, flash, url_for

from cite_vote.accounts.identity import require_participant
from cite_vote.forums.services import forum_by_slug
from cite_vote.htmx import done, is_htmx, refusable, render
from cite_vote.ideas.pages import cards_context, challenge_context, idea_context
from cite_vote.ideas.services import idea_in_forum
from cite_vote.request_hooks import error_response
from cite_vote.votes import services
from cite_vote.votes.forms import DotsForm

bp = Blueprint("votes", __name__)


@bp.post("/f/<slug>/i/<int:idea_id>/dots")
def set_dots(slug: str, idea_id: int):
    forum = forum_by_slug(slug)
    participant = require_participant(forum)
    idea = idea_in_forum(forum, idea_id, participant=participant)
    form = DotsForm()
    if not form.validate_on_submit():
        message = next(iter(form.errors.values()))[0]
        return error_response(422, message)
    spent = None
    with refusable() as outcome:
        spent = services.set_dots(participant, idea, form.dots.data).spent
    error, status = outcome.error, outcome.status
    if is_htmx():
        context = cards_context(forum, idea.challenge, participant, [idea], spent=spent)
        return render(
            "votes/dots.html",
            "idea_card",
            "dots_left",
            status=status,
            idea=idea,
            error=error,
            oob=True,
            back=form.back.data,
            **context,
        )
    if error:
        # Without JavaScript the refusal is the whole page again, with the message, as a 409.
        flash(error, "error")
        if form.back.data == "idea":
            return render(
                "ideas/idea.html", status=status, **idea_context(forum, idea, participant)
            )
        context = challenge_context(forum, idea.challenge, participant)
        return render("ideas/challenge.html", status=status, **context)
    if form.back.data == "idea":
        target = url_for("ideas.idea", slug=slug, idea_id=idea.id)
    else:
        target = url_for("ideas.challenge", slug=slug, challenge_id=idea.challenge_id)
    return done(f"{target}#idea-{idea.id}")
