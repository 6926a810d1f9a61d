"""Facilitators run the room: phases, live counts, assisted voting (staff routes).

The moderation routes live in cite_vote/ideas/moderate.py on the same blueprint.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from cite_vote.accounts.models import Participant
from cite_vote.accounts.services import NAME_MAX, assisted_participants, create_assisted_participant
from cite_vote.accounts.staff import staff_forum
from cite_vote.errors import RuleError
from cite_vote.extensions import db
from cite_vote.forums.models import PHASES, Forum
from cite_vote.forums.room import JOIN_BURST, room_state
from cite_vote.forums.services import (
    ConfirmationNeeded,
    active_challenges,
    challenge_in_forum,
    change_phase,
    current_join_code,
    next_phase,
    previous_phase,
)
from cite_vote.htmx import done, is_htmx, render
from cite_vote.ideas.models import Idea
from cite_vote.ideas.services import idea_in_forum
from cite_vote.votes import services as votes
from cite_vote.votes.forms import DotsForm

bp = Blueprint("facilitate", __name__, url_prefix="/staff/f/<slug>")

# Seconds between two polls of the control page (a 204 costs almost nothing).
POLL_SECONDS = 3


class PhaseForm(FlaskForm):
    phase = SelectField(choices=[SelectChoice(p, p) for p in PHASES], validate_choice=True)
    challenge = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    confirm = BooleanField()


class AssistedForm(FlaskForm):
    display_name = StringField(
        _l("Name (optional)"),
        validators=[Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters."))],
    )
    category = SelectField(_l("Category (optional)"), choices=[], validate_choice=True)

    def set_categories(self, categories: list[str]) -> None:
        self.category.choices = [SelectChoice("", _("Not given"))] + [
            SelectChoice(c, c) for c in categories
        ]


def control_context(forum: Forum, user, **extra):
    state = room_state(forum)
    return {
        "forum": forum,
        "user": user,
        "state": state,
        "next_phase": next_phase,
        "previous_phase": previous_phase,
        "phases": PHASES,
        "poll_seconds": POLL_SECONDS,
        "join_burst": JOIN_BURST,
        "join_code": current_join_code(forum),
        "moves": None,
        "confirm_phase": None,
        "confirm_challenge": None,
        "oob": False,
        **extra,
    }


@bp.get("")
def control(slug: str):
    forum, user = staff_forum(slug)
    context = control_context(forum, user)
    if is_htmx() and request.args.get("v") == context["state"].version:
        response = make_response("", 204)
        response.vary.add("HX-Request")
        return response
    return render("forums/control.html", "room", **context)


@bp.post("/phase")
def phase(slug: str):
    forum, user = staff_forum(slug)
    form = PhaseForm()
    if not form.validate_on_submit():
        abort(422)
    challenge = None
    if form.challenge.data is not None:
        challenge = challenge_in_forum(forum, form.challenge.data)
    try:
        moved = change_phase(forum, form.phase.data, challenge, confirmed=form.confirm.data)
    except ConfirmationNeeded as needed:
        db.session.rollback()
        context = control_context(
            forum,
            user,
            moves=needed.moves,
            confirm_phase=form.phase.data,
            confirm_challenge=challenge,
        )
        response = render("forums/control.html", "confirm", **context)
        if is_htmx():
            response.headers["HX-Retarget"] = "#phase-confirm"
            response.headers["HX-Reswap"] = "outerHTML"
        return response
    db.session.commit()
    label = _phase_label(form.phase.data)
    if len(moved) == 1:
        message = _("Challenge %(num)d: %(phase)s.", num=moved[0].position, phase=label)
    else:
        message = _("All challenges: %(phase)s.", phase=label)
    if not is_htmx():
        flash(message, "success")
        return done(url_for(".control", slug=slug))
    context = control_context(forum, user, done_message=message, oob=True)
    return render("forums/control.html", "room", "confirm", **context)


def _phase_label(phase: str) -> str:
    from cite_vote.forums.services import PHASE_LABELS

    return str(PHASE_LABELS[phase])


# --- assisted voting ---------------------------------------------------------------------------


def assisted_in_forum(forum: Forum, participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.forum_id != forum.id or not participant.assisted:
        abort(404)
    return participant


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
        try:
            person = create_assisted_participant(
                forum, display_name=form.display_name.data, category=form.category.data
            )
        except RuleError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
            return done(url_for(".assisted_ballot", slug=slug, participant_id=person.id))
    context = assisted_list_context(forum, user, form=form, error=error)
    return render("votes/assisted.html", "assisted_form", status=422, **context)


def ballot_context(forum, user, person, **extra):
    challenges = [c for c in db.session.scalars(active_challenges(forum)) if c.phase == "voting"]
    ideas = db.session.scalars(
        select(Idea)
        .where(Idea.challenge_id.in_([c.id for c in challenges]), Idea.status == "visible")
        .order_by(Idea.challenge_id, Idea.created_at, Idea.id)
    ).all()
    by_challenge = {c.id: [] for c in challenges}
    for idea in ideas:
        by_challenge[idea.challenge_id].append(idea)
    return {
        "forum": forum,
        "user": user,
        "person": person,
        "challenges": challenges,
        "by_challenge": by_challenge,
        "mine": votes.dots_of(person),
        "spent": votes.spent_by_challenge(person),
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
    error, status = None, 200
    try:
        votes.set_dots(person, idea, form.dots.data, assisted=True, staff_id=user.id)
    except RuleError as refused:
        db.session.rollback()
        error, status = refused.message, refused.status
    else:
        db.session.commit()
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


from cite_vote.ideas import moderate  # noqa: E402,F401  (adds the moderation routes to bp)
