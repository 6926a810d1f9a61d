"""Placing dots (participant route)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from markupsafe import Markup

from cite_vote.accounts.identity import cookie_token
from cite_vote.extensions import db
from cite_vote.forums.services import open_to_participants, participant_challenges
from cite_vote.htmx import commits, done, is_htmx, refusable, render
from cite_vote.ideas.services import idea_in_forum, seen_in_forum
from cite_vote.phone.challenge_page import (
    cards_context,
    challenge_context,
    idea_cards,
    idea_context,
)
from cite_vote.phone.participant import participant_forum, require_participant
from cite_vote.responses import error_response
from cite_vote.tokens import hash_token
from cite_vote.votes import services
from cite_vote.votes.chain import receipts_of
from cite_vote.votes.forms import DotsForm
from cite_vote.votes.target import vote_target

bp = Blueprint("votes", __name__)


def card_page_url(slug: str, idea, back: str | None) -> str:
    """Where a card lives as a page: its idea page, or its challenge page at the card."""
    if back == "idea":
        return url_for("ideas.idea", slug=slug, idea_id=idea.id)
    target = url_for("ideas.challenge", slug=slug, challenge_id=idea.challenge_id)
    return f"{target}#idea-{idea.id}"


@bp.get("/f/<slug>/i/<int:idea_id>/card")
@commits  # the notices it shows are seen
def card(slug: str, idea_id: int):
    """The card as the server has it, asked for by a phone after a timeout or a reconnect.

    Votes are "set to N", so the phone compares the answer with what it sent and knows whether
    the tap counted, instead of guessing. Without htmx, the card's page.
    """
    forum, participant, _none = participant_forum(slug)
    idea = idea_in_forum(forum, idea_id, participant=participant)
    if not open_to_participants(idea.challenge):
        abort(404)
    back = request.args.get("back")
    if not is_htmx():
        return done(card_page_url(slug, idea, back))
    context = cards_context(forum, idea.challenge, participant, [idea])
    return render(
        "votes/dots.html",
        "idea_card",
        *(["dots_left"] if context["voting"] else []),
        idea=idea,
        error=None,
        oob=True,
        back="idea" if back == "idea" else "challenge",
        **context,
    )


@bp.post("/f/<slug>/i/<int:idea_id>/dots")
def set_dots(slug: str, idea_id: int):
    # The forum, the person and the idea with its challenge in one statement, as plain values
    # (votes.target): what the rule and the card need, without loading ORM objects.
    token = cookie_token()
    target = vote_target(slug, hash_token(token) if token else None, idea_id)
    if target is None:
        abort(404)
    forum = target.forum
    participant = require_participant(forum, target.participant)
    idea = seen_in_forum(forum, target.idea, participant=participant)
    form = DotsForm()
    if not form.validate_on_submit():
        message = next(iter(form.errors.values()))[0]
        return error_response(422, message)
    spent, mine = None, None
    with refusable() as outcome:
        state = services.set_dots(participant, idea, form.dots.data)
        spent, mine = state.spent, {idea.id: state.dots} if state.dots else {}
    error, status = outcome.error, outcome.status
    if is_htmx():
        context = cards_context(
            forum,
            idea.challenge,
            participant,
            [idea],
            spent=spent,
            mine=mine,
            counts={idea.id: target.comments} if target.comments else {},
        )
        if error is None:
            # The card as the challenge page shows it: often in the cache already.
            context["card"] = idea_cards({**context, "ideas": [idea], "back": form.back.data})[0]
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
        # Without JavaScript the refusal is the whole page again, with the message, as a 409:
        # the pages are built from the models, read again for this rare answer.
        flash(error, "error")
        forum, participant, _none = participant_forum(slug)
        idea = idea_in_forum(forum, idea_id, participant=participant)
        if form.back.data == "idea":
            return render(
                "ideas/idea.html", status=status, **idea_context(forum, idea, participant)
            )
        context = challenge_context(forum, idea.challenge, participant)
        # The form's action ends in #idea-N: the browser lands on the card, which says why.
        context["cards"] = [
            Markup(render_template("ideas/_idea.html", **context, idea=shown, error=error))
            if shown.id == idea.id
            else card
            for shown, card in zip(context["ideas"], context["cards"], strict=True)
        ]
        return render("ideas/challenge.html", status=status, **context)
    target_url = card_page_url(slug, idea, form.back.data)
    if form.back.data == "idea":
        target_url = f"{target_url}#idea-{idea.id}"
    return done(target_url)


@bp.get("/f/<slug>/me")
@commits  # the notices it shows are seen
def my_dots(slug: str):
    """What I placed, in every challenge, with my receipt for each closed one."""
    forum, participant, _none = participant_forum(slug)
    challenges = list(db.session.scalars(participant_challenges(forum)))
    return render(
        "votes/mine.html",
        forum=forum,
        participant=participant,
        challenges=challenges,
        held=services.holdings(participant, [c.id for c in challenges]),
        receipts=receipts_of(participant.id),
    )
