"""Challenge pages, ideas and comments (participant routes)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, request, url_for
from flask_babel import gettext as _

from cite_vote.accounts.identity import require_participant
from cite_vote.accounts.models import Participant
from cite_vote.errors import RuleError
from cite_vote.extensions import COMMENT_LIMIT, PROPOSE_LIMIT, db, limiter, participant_key
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import (
    can_comment,
    can_propose,
    can_vote,
    challenge_in_forum,
    forum_by_slug,
    totals_visible,
)
from cite_vote.htmx import done, is_htmx, render
from cite_vote.ideas.forms import CommentForm, IdeaForm
from cite_vote.ideas.models import TITLE_MAX, Idea
from cite_vote.ideas.services import (
    add_comment,
    comment_counts,
    idea_in_forum,
    own_pending_ideas,
    personal_order,
    propose_idea,
    visible_comments,
    visible_ideas,
)
from cite_vote.ideas.similar import similar_ideas
from cite_vote.results.services import rank_ideas
from cite_vote.votes.services import dots_spent, idea_totals, my_dots

bp = Blueprint("ideas", __name__)


def participant_challenge(slug: str, challenge_id: int) -> tuple[Forum, Challenge, Participant]:
    forum = forum_by_slug(slug)
    participant = require_participant(forum)
    challenge = challenge_in_forum(forum, challenge_id)
    if challenge.phase == "draft":
        abort(404)
    return forum, challenge, participant


def cards_context(
    forum: Forum,
    challenge: Challenge,
    participant: Participant,
    ideas: list[Idea],
    spent: int | None = None,
):
    """What an idea card needs, for a list of ideas, in a fixed number of queries.

    ``spent`` is given when the caller already knows it (a vote just returned it).
    """
    ids = [idea.id for idea in ideas]
    show = totals_visible(challenge)
    return {
        "forum": forum,
        "challenge": challenge,
        "participant": participant,
        "mine": my_dots(participant, challenge),
        "totals": idea_totals([challenge.id]) if show else {},
        "show_totals": show,
        "comment_counts": comment_counts(ids),
        "voting": can_vote(challenge),
        "spent": dots_spent(participant, challenge) if spent is None else spent,
    }


def challenge_context(forum, challenge, participant, form=None, notice=None):
    ranked = None
    if challenge.phase == "closed":
        ranked = {r.idea.id: r for r in rank_ideas(challenge)}
        ideas = [r.idea for r in ranked.values()]
    else:
        ideas = list(db.session.scalars(visible_ideas(challenge)))
        if challenge.phase == "voting":
            ideas = personal_order(ideas, participant)
    pending = list(db.session.scalars(own_pending_ideas(challenge, participant)))
    return {
        **cards_context(forum, challenge, participant, ideas),
        "ideas": ideas,
        "pending": pending,
        "ranked": ranked,
        "form": form or IdeaForm(formdata=None),
        "proposing": can_propose(challenge),
        "notice": notice,
        "back": "challenge",
    }


@bp.get("/f/<slug>/c/<int:challenge_id>")
def challenge(slug: str, challenge_id: int):
    forum, challenge, participant = participant_challenge(slug, challenge_id)
    return render("ideas/challenge.html", **challenge_context(forum, challenge, participant))


@bp.post("/f/<slug>/c/<int:challenge_id>/ideas")
@limiter.limit(PROPOSE_LIMIT, key_func=participant_key)
def propose(slug: str, challenge_id: int):
    forum, challenge, participant = participant_challenge(slug, challenge_id)
    form = IdeaForm()
    status = 422
    if form.validate_on_submit():
        try:
            idea = propose_idea(
                challenge,
                participant,
                form.title.data,
                form.description.data or "",
                show_author_name=form.show_name.data,
            )
        except RuleError as refused:
            db.session.rollback()
            form.form_errors.append(refused.message)
            status = refused.status
        else:
            db.session.commit()
            if idea.status == "pending":
                notice = _("Thank you! Your idea will appear once a facilitator has reviewed it.")
            else:
                notice = _("Thank you! Your idea has been added.")
            if not is_htmx():
                flash(notice, "success")
                return done(url_for(".challenge", slug=slug, challenge_id=challenge.id))
            return render(
                "ideas/challenge.html",
                "challenge_body",
                **challenge_context(forum, challenge, participant, notice=notice),
            )
    context = challenge_context(forum, challenge, participant, form=form)
    return render("ideas/challenge.html", "challenge_body", status=status, **context)


def idea_context(forum, idea, participant, form=None, notice=None):
    challenge = idea.challenge
    return {
        **cards_context(forum, challenge, participant, [idea]),
        "idea": idea,
        "comments": visible_comments(idea, participant),
        "form": form or CommentForm(formdata=None),
        "commenting": can_comment(challenge) and idea.status == "visible",
        "notice": notice,
        "back": "idea",
    }


@bp.get("/f/<slug>/i/<int:idea_id>")
def idea(slug: str, idea_id: int):
    forum = forum_by_slug(slug)
    participant = require_participant(forum)
    idea = idea_in_forum(forum, idea_id, participant=participant)
    if idea.challenge.phase == "draft":
        abort(404)
    return render("ideas/idea.html", **idea_context(forum, idea, participant))


@bp.post("/f/<slug>/i/<int:idea_id>/comments")
@limiter.limit(COMMENT_LIMIT, key_func=participant_key)
def comment(slug: str, idea_id: int):
    forum = forum_by_slug(slug)
    participant = require_participant(forum)
    idea = idea_in_forum(forum, idea_id, participant=participant)
    form = CommentForm()
    status = 422
    if form.validate_on_submit():
        try:
            posted = add_comment(idea, participant, form.body.data)
        except RuleError as refused:
            db.session.rollback()
            form.form_errors.append(refused.message)
            status = refused.status
        else:
            db.session.commit()
            if posted.status == "pending":
                notice = _(
                    "Thank you! Your comment will appear once a facilitator has reviewed it."
                )
            else:
                notice = _("Thank you! Your comment has been added.")
            if not is_htmx():
                flash(notice, "success")
                return done(url_for(".idea", slug=slug, idea_id=idea.id) + "#comments")
            return render(
                "ideas/idea.html",
                "comments",
                **idea_context(forum, idea, participant, notice=notice),
            )
    context = idea_context(forum, idea, participant, form=form)
    return render("ideas/idea.html", "comments", status=status, **context)


@bp.get("/f/<slug>/c/<int:challenge_id>/similar")
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
    form = IdeaForm(formdata=None, data={"title": title})
    context = challenge_context(forum, challenge, participant, form=form)
    return render("ideas/challenge.html", similar=found, **context)


@bp.get("/f/<slug>/c/<int:challenge_id>/phase")
def phase_watch(slug: str, challenge_id: int):
    """Polled by an open challenge page: 204 while the phase is the one the page shows.

    When a facilitator moves the phase (voting opens, say), the page reloads itself, so the
    vote buttons appear without anyone having to think of reloading. It answers only whom the
    challenge page answers (a participant of the forum; a draft is 404), or it would tell
    anyone which challenges exist and which are drafts.
    """
    _forum, challenge, _participant = participant_challenge(slug, challenge_id)
    if not is_htmx():
        return done(url_for(".challenge", slug=slug, challenge_id=challenge.id))
    response = make_response("", 204)
    if request.args.get("seen") != challenge.phase:
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
    response.vary.add("HX-Request")
    return response
