"""The forums domain's staff pages.

The organiser's pages (create a forum, its settings, challenges, team and printed tickets) start
with ``staff_forum(slug, roles=("organiser",))`` (or ``require_staff``): facilitators run the room
but do not change how the forum is set up. The room's control page and the phases are open to
every staff member of the forum.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import select

from cite_vote.accounts.forms import TicketsForm
from cite_vote.accounts.staff import require_staff, staff_forum, staff_role
from cite_vote.accounts.team import add_team_member, create_forum_for, remove_team_member, team_of
from cite_vote.accounts.tickets import forum_tickets, generate_tickets, ticket_counts
from cite_vote.extensions import db
from cite_vote.forms import ID_MAX
from cite_vote.forums.forms import (
    ChallengeForm,
    ForumForm,
    ForumSettingsForm,
    PhaseForm,
    TeamMemberForm,
)
from cite_vote.forums.join_codes import current_join_code
from cite_vote.forums.models import PHASES, Challenge, Forum
from cite_vote.forums.qr import qr_svg
from cite_vote.forums.services import (
    PHASE_LABELS,
    ConfirmationNeeded,
    challenge_in_forum,
    next_phase,
    previous_phase,
)
from cite_vote.forums.setup import (
    EDITABLE_SETTINGS,
    VOTE_SETTINGS,
    all_challenges,
    create_challenge,
    move_challenge,
    regenerate_join_code,
    set_archived,
    staff_challenge,
    update_challenge,
    update_forum,
    voting_challenges,
)
from cite_vote.htmx import done, done_or_fragment, is_htmx, refusable, render, seen, unchanged
from cite_vote.ideas.models import Idea
from cite_vote.ideas.services import delete_empty_challenge
from cite_vote.links import public_url
from cite_vote.page_caches import STAFF_NAVS
from cite_vote.room import JOIN_BURST, room_state
from cite_vote.votes.phases import change_phase
from cite_vote.votes.services import dots_held

bp = Blueprint("forums_manage", __name__, url_prefix="/staff")

ORGANISER = ("organiser",)
TICKETS_PER_SHEET = 500  # 50 A4 pages: printed, or opened, in a few seconds
NEW_FORUM_DEFAULTS = {
    "languages": ["fr", "en"],
    "dot_budget": 5,
    "dot_cap": 3,
    "shortlist_size": 5,
    "cross_group_min": 3,
    "expected_participants": 200,
    "projection_mode": "blind",
}


@bp.app_template_global()
@pass_context
def staff_nav(context) -> Markup:
    """``templates/_staff_nav.html``, rendered once for each page, forum, role and language
    (``page_caches.STAFF_NAVS``)."""
    key = STAFF_NAVS.key({"forum": context.get("forum"), "staff_role": staff_role()})
    html = STAFF_NAVS.get(key)
    if html is None:
        template = context.environment.get_template(STAFF_NAVS.template)
        html = template.render(context.get_all())
        STAFF_NAVS.put(key, html)
    return Markup(html)


def organiser_forum(slug: str) -> Forum:
    forum, _user = staff_forum(slug, roles=ORGANISER)
    return forum


def forum_challenge(forum: Forum, challenge_id: int) -> Challenge:
    challenge = staff_challenge(forum, challenge_id)
    if challenge is None:
        abort(404)
    return challenge


# --- forum: create and settings ----------------------------------------------------------------


def _settings_form_data(forum: Forum) -> dict:
    """The forum's settings as the form shows them (categories one per line)."""
    data = {name: getattr(forum, name) for name in EDITABLE_SETTINGS}
    data["categories"] = "\n".join(forum.categories or [])
    data["languages"] = forum.language_list
    return data


@bp.route("/forums/new", methods=["GET", "POST"])
def new_forum():
    user = require_staff(ORGANISER)
    form = ForumForm(data=NEW_FORUM_DEFAULTS)
    error = None
    if form.validate_on_submit():
        with refusable() as outcome:
            forum = create_forum_for(user, **form.values())
        error = outcome.error and str(outcome.error)
        if outcome.ok:
            flash(_("Forum created. Now add its challenges."), "success")
            return done(url_for(".challenges", slug=forum.slug))
    status = 422 if form.errors or error else 200
    return render("forums/manage/new.html", "forum_form", form=form, error=error, status=status)


def _settings_page(forum: Forum, form, *, error=None, saved=False, status=200):
    return render(
        "forums/manage/settings.html",
        "settings_form",
        forum=forum,
        form=form,
        error=error,
        saved=saved,
        locked=bool(voting_challenges(forum)),
        status=status,
    )


@bp.route("/f/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    forum = organiser_forum(slug)
    if request.method == "GET":
        form = ForumSettingsForm(data=_settings_form_data(forum))
        return _settings_page(forum, form)
    form = ForumSettingsForm()
    if not form.validate_on_submit():
        return _settings_page(forum, form, status=422)
    with refusable() as outcome:
        update_forum(forum, held=dots_held(forum), **form.values())
    if not outcome.ok:
        if outcome.status == 409:
            # Refused now (a vote is under way, dots already placed): the vote settings show
            # what is stored, since nothing was saved; the rest of the form stays as typed.
            for name in VOTE_SETTINGS:
                field = getattr(form, name)
                field.data, field.raw_data = getattr(forum, name), None
        return _settings_page(forum, form, error=str(outcome.error), status=outcome.status)
    if not is_htmx() or request.view_args["slug"] != forum.slug:
        flash(_("Settings saved."), "success")
        return done(url_for(".settings", slug=forum.slug))
    return _settings_page(
        forum,
        ForumSettingsForm(formdata=None, data=_settings_form_data(forum)),
        saved=True,
    )


@bp.post("/f/<slug>/join-code")
def new_join_code(slug: str):
    forum = organiser_forum(slug)
    with refusable(shown=False):
        regenerate_join_code(forum)
    return done_or_fragment(
        url_for(".settings", slug=forum.slug),
        _("New join code: %(code)s. The old one no longer works.", code=forum.join_code),
        lambda: render("forums/manage/settings.html", "join_code", forum=forum, renewed=True),
    )


# --- challenges --------------------------------------------------------------------------------


def _challenges_page(forum: Forum, form=None, *, error=None, status=200):
    challenges = list(db.session.scalars(all_challenges(forum)))
    ids = [c.id for c in challenges]
    with_ideas = set(
        db.session.scalars(select(Idea.challenge_id).where(Idea.challenge_id.in_(ids)).distinct())
    )
    return render(
        "forums/manage/challenges.html",
        "challenges_panel",
        forum=forum,
        challenges=challenges,
        active_count=sum(1 for c in challenges if not c.archived),
        with_ideas=with_ideas,
        form=form or ChallengeForm(formdata=None),
        error=error,
        status=status,
    )


def _challenges_done(forum: Forum, message: str | None = None):
    return done_or_fragment(
        url_for(".challenges", slug=forum.slug), message, lambda: _challenges_page(forum)
    )


@bp.get("/f/<slug>/challenges")
def challenges(slug: str):
    return _challenges_page(organiser_forum(slug))


@bp.post("/f/<slug>/challenges")
def add_challenge(slug: str):
    forum = organiser_forum(slug)
    form = ChallengeForm()
    if not form.validate_on_submit():
        return _challenges_page(forum, form, status=422)
    with refusable(shown=False):
        create_challenge(
            forum,
            title=form.title.data.strip(),
            question=(form.question.data or "").strip(),
            description=(form.description.data or "").strip(),
        )
    return _challenges_done(forum, _("Challenge added."))


@bp.route("/f/<slug>/challenges/<int:challenge_id>", methods=["GET", "POST"])
def edit_challenge(slug: str, challenge_id: int):
    forum = organiser_forum(slug)
    challenge = forum_challenge(forum, challenge_id)
    form = ChallengeForm(obj=challenge)
    if form.validate_on_submit():
        with refusable(shown=False):
            update_challenge(
                challenge,
                title=form.title.data.strip(),
                question=(form.question.data or "").strip(),
                description=(form.description.data or "").strip(),
            )
        flash(_("Challenge saved."), "success")
        return done(url_for(".challenges", slug=forum.slug))
    status = 422 if form.errors else 200
    return render(
        "forums/manage/challenge.html",
        "challenge_form",
        forum=forum,
        challenge=challenge,
        form=form,
        status=status,
    )


@bp.post("/f/<slug>/challenges/<int:challenge_id>/move")
def move(slug: str, challenge_id: int):
    forum = organiser_forum(slug)
    challenge = forum_challenge(forum, challenge_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    with refusable(shown=False):
        move_challenge(forum, challenge, direction)
    return _challenges_done(forum)


@bp.post("/f/<slug>/challenges/<int:challenge_id>/archive")
def archive(slug: str, challenge_id: int):
    forum = organiser_forum(slug)
    challenge = forum_challenge(forum, challenge_id)
    archived = request.form.get("archived", "1")
    if archived not in ("0", "1"):
        abort(400)
    with refusable(shown=False):
        set_archived(forum, challenge, archived == "1")
    message = _("Challenge archived.") if archived == "1" else _("Challenge restored.")
    return _challenges_done(forum, message)


@bp.post("/f/<slug>/challenges/<int:challenge_id>/delete")
def delete(slug: str, challenge_id: int):
    forum = organiser_forum(slug)
    challenge = forum_challenge(forum, challenge_id)
    with refusable(shown=False):
        delete_empty_challenge(forum, challenge)
    return _challenges_done(forum, _("Challenge deleted."))


# --- team --------------------------------------------------------------------------------------


def _team_page(forum: Forum, form=None, *, error=None, status=200):
    return render(
        "forums/manage/team.html",
        "team_panel",
        forum=forum,
        members=team_of(forum),
        form=form or TeamMemberForm(formdata=None),
        error=error,
        status=status,
    )


def _team_done(forum: Forum, message: str):
    return done_or_fragment(url_for(".team", slug=forum.slug), message, lambda: _team_page(forum))


@bp.get("/f/<slug>/team")
def team(slug: str):
    return _team_page(organiser_forum(slug))


@bp.post("/f/<slug>/team")
def add_to_team(slug: str):
    forum = organiser_forum(slug)
    form = TeamMemberForm()
    if not form.validate_on_submit():
        return _team_page(forum, form, status=422)
    with refusable() as outcome:
        user = add_team_member(forum, form.email.data)
    if not outcome.ok:
        return _team_page(forum, form, error=str(outcome.error), status=422)
    return _team_done(forum, _("%(email)s joined the team.", email=user.email))


@bp.post("/f/<slug>/team/<int:user_id>/remove")
def remove_from_team(slug: str, user_id: int):
    forum = organiser_forum(slug)
    with refusable(shown=False):
        remove_team_member(forum, user_id)
    return _team_done(forum, _("Removed from the team."))


# --- tickets -----------------------------------------------------------------------------------


def ticket_range() -> tuple[int | None, int | None]:
    """The optional ``first`` and ``last`` ticket ids of the query string.

    Absent or empty means no bound; anything but a whole number from 1 to ID_MAX is a 400
    (a hand-edited address), never a query the database would choke on.
    """
    bounds = []
    for name in ("first", "last"):
        raw = request.args.get(name, "").strip()
        if not raw:
            bounds.append(None)
            continue
        # ASCII digits only ("²" is a digit to isdigit, not to int) and no more than ten of
        # them (int() refuses strings of thousands of digits).
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= ID_MAX:
            abort(400)
        bounds.append(int(raw))
    return bounds[0], bounds[1]


def _tickets_page(forum: Forum, form=None, *, batch=None, status=200):
    total, used = ticket_counts(forum)
    tickets = db.session.scalars(forum_tickets(forum)).all()
    return render(
        "forums/manage/tickets.html",
        "tickets_panel",
        forum=forum,
        form=form or TicketsForm(formdata=None, data={"count": 50}),
        total=total,
        used=used,
        tickets=tickets,
        batch=batch,
        status=status,
    )


@bp.get("/f/<slug>/tickets")
def tickets(slug: str):
    forum = organiser_forum(slug)
    first, last = ticket_range()
    batch = (first, last) if first and last else None
    return _tickets_page(forum, batch=batch)


@bp.post("/f/<slug>/tickets")
def generate(slug: str):
    forum = organiser_forum(slug)
    form = TicketsForm()
    if not form.validate_on_submit():
        return _tickets_page(forum, form, status=422)
    with refusable(shown=False):
        made = generate_tickets(forum, form.count.data)
    batch = (made[0].id, made[-1].id)
    return done_or_fragment(
        url_for(".tickets", slug=forum.slug, first=batch[0], last=batch[1]),
        ngettext("%(num)d ticket generated.", "%(num)d tickets generated.", len(made)),
        lambda: _tickets_page(forum, batch=batch),
    )


@bp.get("/f/<slug>/tickets/print")
def print_tickets(slug: str):
    """A4 sheets of tickets to cut: by default every ticket not used yet, 500 at a time.

    Each QR code takes a few milliseconds to draw: 5,000 in one page would run past a worker's
    timeout, so a page holds at most ``TICKETS_PER_SHEET`` and links to the next ones.
    """
    forum = organiser_forum(slug)
    first, last = ticket_range()
    chosen = list(
        db.session.scalars(
            forum_tickets(forum, unused_only=True, first=first, last=last).limit(
                TICKETS_PER_SHEET + 1
            )
        )
    )
    following = chosen[TICKETS_PER_SHEET] if len(chosen) > TICKETS_PER_SHEET else None
    chosen = chosen[:TICKETS_PER_SHEET]
    cards = [
        (ticket, url, qr_svg(url, scale=4, title=ticket.code))
        for ticket in chosen
        for url in [public_url("forums.join_with_ticket", code=ticket.code)]
    ]
    per_page = 10
    pages = [cards[i : i + per_page] for i in range(0, len(cards), per_page)]
    next_url = (
        url_for(".print_tickets", slug=forum.slug, first=following.id, last=last)
        if following
        else None
    )
    return render(
        "forums/manage/tickets_print.html",
        forum=forum,
        pages=pages,
        count=len(cards),
        next_url=next_url,
    )


# --- the room: control page and phases (any staff member of the forum) ----------------------

# Seconds between two polls of the control page (a 204 costs almost nothing).
POLL_SECONDS = 3


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


@bp.get("/f/<slug>")
def control(slug: str):
    forum, user = staff_forum(slug)
    closing = request.args.get("close", type=int)
    if closing is not None:
        return _confirm_close(forum, user, challenge_in_forum(forum, closing))
    context = control_context(forum, user)
    if is_htmx() and seen(context["state"].version):
        return unchanged()
    return render("forums/control.html", "room", **context)


def _confirm_close(forum: Forum, user, challenge: Challenge):
    """Closing a vote asks first, as a page (a GET: nothing changes until the staff confirms).

    Closing freezes the ranking and ends every phone's vote: one stray click in a room must
    not do it. Without JavaScript the control page comes back with the question on top; with
    htmx only the question. A challenge not voting (closed meanwhile) gets no question.
    """
    moves = [(challenge, "voting", "closed")] if challenge.phase == "voting" else None
    context = control_context(
        forum, user, moves=moves, confirm_phase="closed", confirm_challenge=challenge
    )
    return render("forums/control.html", "confirm", **context)


@bp.post("/f/<slug>/phase")
def phase(slug: str):
    forum, user = staff_forum(slug)
    form = PhaseForm()
    if not form.validate_on_submit():
        abort(422)
    challenge = None
    if form.challenge.data is not None:
        challenge = challenge_in_forum(forum, form.challenge.data)
    try:
        with refusable(shown=False):  # rolled back when a confirmation is needed
            moved = change_phase(forum, form.phase.data, challenge, confirmed=form.confirm.data)
    except ConfirmationNeeded as needed:
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
    label = _phase_label(form.phase.data)
    if len(moved) == 1:
        message = _("Challenge %(num)d: %(phase)s.", num=moved[0].position, phase=label)
    else:
        message = _("All challenges: %(phase)s.", phase=label)
    return done_or_fragment(
        url_for(".control", slug=slug),
        message,
        lambda: render(
            "forums/control.html",
            "room",
            "confirm",
            **control_context(forum, user, done_message=message, oob=True),
        ),
    )


def _phase_label(phase: str) -> str:
    return str(PHASE_LABELS[phase])
