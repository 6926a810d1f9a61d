"""Assisted voting: a facilitator votes on behalf of someone without a phone (staff routes).

The votes domain's staff routes, on its own blueprint; the rules are those of votes/services.py,
the ballot's reads are votes/assisted.py.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for

from cite_vote.accounts.services import assisted_participants, create_assisted_participant
from cite_vote.accounts.staff import staff_forum
from cite_vote.extensions import db
from cite_vote.htmx import done, is_htmx, refusable, render
from cite_vote.ideas.services import idea_in_forum
from cite_vote.votes import services as votes
from cite_vote.votes.assisted import assisted_in_forum, ballot_of
from cite_vote.votes.forms import AssistedForm, DotsForm

bp = Blueprint("votes_manage", __name__, url_prefix="/staff/f/<slug>")


def assisted_list_context(forum, user, form=None, error=None):
    if form is None:
        form = AssistedForm(formdata=None)
    form.set_categories(forum.categories)
    return {
        "forum": forum,
        "user": user,
        "form": form,
        "error": error,
        "people": db.session.scalars(assisted_participants(forum)).all(),
    }


@bp.get("/assisted")
def assisted(slug: str):
    forum, user = staff_forum(slug)
    return render("votes/assisted.html", **assisted_list_context(forum, user))


@bp.post("/assisted")
def add_assisted(slug: str):
    forum, user = staff_forum(slug)
    form = AssistedForm()
    form.set_categories(forum.categories)
    error = None
    if form.validate_on_submit():
        with refusable() as outcome:
            person = create_assisted_participant(
                forum, display_name=form.display_name.data, category=form.category.data
            )
        error = outcome.error
        if outcome.ok:
            return done(url_for(".assisted_ballot", slug=slug, participant_id=person.id))
    context = assisted_list_context(forum, user, form=form, error=error)
    return render("votes/assisted.html", "assisted_form", status=422, **context)


def ballot_context(forum, user, person, **extra):
    ballot = ballot_of(forum, person)
    return {
        "forum": forum,
        "user": user,
        "person": person,
        "challenges": ballot.challenges,
        "by_challenge": ballot.by_challenge,
        "mine": ballot.mine,
        "spent": ballot.spent,
        "error": None,
        "error_idea": None,
        "oob": False,
        **extra,
    }


@bp.get("/assisted/<int:participant_id>")
def assisted_ballot(slug: str, participant_id: int):
    forum, user = staff_forum(slug)
    person = assisted_in_forum(forum, participant_id)
    return render("votes/assisted_ballot.html", **ballot_context(forum, user, person))


@bp.post("/assisted/<int:participant_id>/i/<int:idea_id>/dots")
def assisted_dots(slug: str, participant_id: int, idea_id: int):
    forum, user = staff_forum(slug)
    person = assisted_in_forum(forum, participant_id)
    idea = idea_in_forum(forum, idea_id)
    form = DotsForm()
    if not form.validate_on_submit():
        abort(422)
    with refusable() as outcome:
        votes.set_dots(person, idea, form.dots.data, assisted=True, staff_id=user.id)
    error, status = outcome.error, outcome.status
    if not is_htmx():
        if error:
            flash(error, "error")
            context = ballot_context(forum, user, person)
            return render("votes/assisted_ballot.html", status=status, **context)
        target = url_for(".assisted_ballot", slug=slug, participant_id=person.id)
        return done(f"{target}#assisted-idea-{idea.id}")
    context = ballot_context(forum, user, person, error=error, error_idea=idea.id, oob=True)
    challenge = next((c for c in context["challenges"] if c.id == idea.challenge_id), None)
    if challenge is None:  # voting closed meanwhile: the whole ballot, with the message
        return render(
            "votes/assisted_ballot.html", "ballot", status=status, **{**context, "oob": False}
        )
    return render(
        "votes/assisted_ballot.html",
        "assisted_idea",
        "assisted_left",
        status=status,
        idea=idea,
        challenge=challenge,
        **context,
    )
