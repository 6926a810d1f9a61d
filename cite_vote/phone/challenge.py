"""Challenge pages, ideas and comments (participant routes)."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, request, url_for
from flask_babel import gettext as _

from cite_vote import limits
from cite_vote.accounts.identity import cookie_token
from cite_vote.accounts.models import Participant
from cite_vote.accounts.phone import watched_phase
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import (
    can_propose,
    open_to_participants,
)
from cite_vote.htmx import (
    commits,
    done,
    done_or_fragment,
    is_htmx,
    page,
    refusable,
    render,
    unchanged,
)
from cite_vote.ideas.forms import CommentForm
from cite_vote.ideas.models import TITLE_MAX
from cite_vote.ideas.questions.forms import answers_of, idea_form
from cite_vote.ideas.questions.services import form_questions, propose_with_sheet
from cite_vote.ideas.services import add_comment, idea_in_forum
from cite_vote.ideas.similar import similar_ideas
from cite_vote.phone.challenge_page import challenge_context, challenge_page, idea_context
from cite_vote.phone.participant import participant_forum, require_participant
from cite_vote.tokens import hash_token
from cite_vote.votes.target import challenge_target

bp = Blueprint("ideas", __name__)


def participant_challenge(slug: str, challenge_id: int) -> tuple[Forum, Challenge, Participant]:
    forum, participant, challenge = participant_forum(slug, challenge_id)
    if challenge is None or not open_to_participants(challenge):
        abort(404)
    return forum, challenge, participant


@bp.get("/f/<slug>/c/<int:challenge_id>")
@commits  # the notices it shows are seen
def challenge(slug: str, challenge_id: int):
    # The page every phone reloads when voting opens: what it reads first comes as plain
    # values (votes.target), as for a vote; a closed challenge's ranking reads the models.
    token = cookie_token()
    found = challenge_target(slug, hash_token(token) if token else None, challenge_id)
    if found is None:
        abort(404)
    participant = require_participant(found.forum, found.participant, notices=found.notices)
    challenge = found.challenge
    if challenge is None or not open_to_participants(challenge):
        abort(404)
    if challenge.phase == "closed":
        return page(challenge_page(*participant_challenge(slug, challenge_id)))
    return page(
        challenge_page(
            found.forum, challenge, participant, spent=found.spent, pending=found.pending
        )
    )


@bp.post("/f/<slug>/c/<int:challenge_id>/ideas")
@limits.propose
def propose(slug: str, challenge_id: int):
    forum, challenge, participant = participant_challenge(slug, challenge_id)
    questions = form_questions(forum.id)  # the idea sheet (ideas/questions)
    form = idea_form(questions)
    status = 422
    if form.validate_on_submit():
        with refusable() as outcome:
            idea = propose_with_sheet(
                challenge,
                participant,
                form.title.data,
                form.description.data or "",
                answers_of(form, questions),
                show_author_name=form.show_name.data,
            )
        if not outcome.ok:
            form.form_errors.append(outcome.error)
            status = outcome.status
        else:
            if idea.status == "pending":
                notice = _("Thank you! Your idea will appear once a facilitator has reviewed it.")
            else:
                notice = _("Thank you! Your idea has been added.")
            return done_or_fragment(
                url_for(".challenge", slug=slug, challenge_id=challenge.id),
                notice,
                lambda: render(
                    "ideas/challenge.html",
                    "challenge_body",
                    **challenge_context(forum, challenge, participant, notice=notice),
                ),
            )
    context = challenge_context(forum, challenge, participant, form=form)
    return render("ideas/challenge.html", "challenge_body", status=status, **context)


@bp.get("/f/<slug>/i/<int:idea_id>")
@commits  # the notices it shows are seen
def idea(slug: str, idea_id: int):
    forum, participant, _none = participant_forum(slug)
    idea = idea_in_forum(forum, idea_id, participant=participant)
    if not open_to_participants(idea.challenge):
        abort(404)
    return render("ideas/idea.html", **idea_context(forum, idea, participant))


@bp.post("/f/<slug>/i/<int:idea_id>/comments")
@limits.comment
def comment(slug: str, idea_id: int):
    forum, participant, _none = participant_forum(slug)
    idea = idea_in_forum(forum, idea_id, participant=participant)
    form = CommentForm()
    status = 422
    if form.validate_on_submit():
        with refusable() as outcome:
            posted = add_comment(idea, participant, form.body.data)
        if not outcome.ok:
            form.form_errors.append(outcome.error)
            status = outcome.status
        else:
            if posted.status == "pending":
                notice = _(
                    "Thank you! Your comment will appear once a facilitator has reviewed it."
                )
            else:
                notice = _("Thank you! Your comment has been added.")
            return done_or_fragment(
                url_for(".idea", slug=slug, idea_id=idea.id) + "#comments",
                notice,
                lambda: render(
                    "ideas/idea.html",
                    "comments",
                    **idea_context(forum, idea, participant, notice=notice),
                ),
            )
    context = idea_context(forum, idea, participant, form=form)
    return render("ideas/idea.html", "comments", status=status, **context)


@bp.get("/f/<slug>/c/<int:challenge_id>/similar")
@commits  # the notices it shows are seen
def similar(slug: str, challenge_id: int):
    """Ideas that look like the title being typed: "support this one instead?".

    htmx asks while the person types and gets the list alone; without JavaScript the URL
    answers the whole challenge page with the title kept and the list under it.
    """
    forum, challenge, participant = participant_challenge(slug, challenge_id)
    title = request.args.get("title", "")[:TITLE_MAX]
    found = similar_ideas(challenge, title) if can_propose(challenge) else []
    if is_htmx():
        return render("ideas/challenge.html", "similar", forum=forum, similar=found)
    form = idea_form(form_questions(forum.id), formdata=None, data={"title": title})
    context = challenge_context(forum, challenge, participant, form=form)
    return render("ideas/challenge.html", similar=found, **context)


@bp.get("/f/<slug>/c/<int:challenge_id>/phase")
@commits  # the notices it shows are seen
def phase_watch(slug: str, challenge_id: int):
    """Polled by an open challenge page: 204 while the phase is the one the page shows.

    When a facilitator moves the phase (voting opens, say), the page reloads itself, so the
    vote buttons appear without anyone having to think of reloading. It answers only whom the
    challenge page answers (a participant of the forum; a draft is 404), or it would tell
    anyone which challenges exist and which are drafts.
    """
    shown = request.args.get("seen")
    if is_htmx():
        # The answer of almost every poll: one Core statement, no ORM object, no template.
        token = cookie_token()
        phase = watched_phase(slug, challenge_id, hash_token(token) if token else None)
        if phase is not None:
            return _phase_answer(shown != phase)
    _forum, challenge, _participant = participant_challenge(slug, challenge_id)
    if not is_htmx():
        return done(url_for(".challenge", slug=slug, challenge_id=challenge.id))
    return _phase_answer(shown != challenge.phase)


def _phase_answer(changed: bool):
    """204 (htmx swaps nothing) while unchanged; else htmx reloads the page."""
    if not changed:
        return unchanged()
    response = make_response("", 200)
    response.headers["HX-Refresh"] = "true"
    response.vary.add("HX-Request")
    return response
