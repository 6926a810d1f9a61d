"""The projection screen, its live poll, its secret link, and the staff page that runs it.

The screen is open to the forum's staff when logged in, and to anyone holding the secret screen
link (a projector laptop need not log in). Both are read-only: every change goes through the
staff page, which facilitators and organisers of the forum may use.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, session, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from cite_vote.accounts.staff import current_staff, staff_forum
from cite_vote.forums.join_codes import current_join_code
from cite_vote.forums.models import Forum
from cite_vote.forums.services import challenge_in_forum
from cite_vote.htmx import done, is_htmx, refusable, render, seen, unchanged
from cite_vote.links import public_url
from cite_vote.refusals import NotAllowed, RuleError
from cite_vote.results.screen.forms import DisplayForm, RevealForm, TimerForm
from cite_vote.results.screen.services import (
    RANKING_ROWS,
    REVEAL_EVERY_MAX,
    REVEAL_EVERY_MIN,
    TIMER_MAX_MINUTES,
    ScreenState,
    clock,
    forum_by_screen_token,
    join_qr,
    regenerate_screen_token,
    reveal_all,
    reveal_every,
    reveal_pause,
    reveal_states,
    reveal_step,
    revoke_screen_token,
    screen_state,
    show_on_screen,
    shown_challenges,
    stage_reveal,
    start_timer,
    stop_timer,
    version_token,
)
from cite_vote.results.screen.version import ROTATE_SECONDS
from cite_vote.timeutil import utcnow

bp = Blueprint("screen", __name__)

SCREEN = "results/screen.html"
CONTROL = "results/screen_control.html"
# The clear screen link travels from the POST to the next GET in the (signed) session, once.
FRESH_LINK_KEY = "screen_link"


class ScreenLinkInvalid(RuleError):
    status = 404


LINK_INVALID = _l(
    "This screen link is not valid (any more). Open the new link from the staff screen page."
)
SESSION_ENDED = _l("Your staff session has ended: log in again, or open the secret screen link.")


# --- the screen ---------------------------------------------------------------------------------


def _screen(forum: Forum, state: ScreenState, live_endpoint: str, live_args: dict):
    """The whole screen (the join code and QR around the live block), or the live block alone."""
    context = {}
    # A rotating join code changes under a screen that stays open: its block comes along.
    rotates = forum.join_code_rotates
    if not is_htmx() or rotates:
        code = current_join_code(forum)
        join_url = public_url("forums.join", code=code)
        context = {
            "join_url": join_url,
            "join_code": code,
            "join_host": Markup("<strong>{}</strong>").format(urlsplit(join_url).netloc),
            "qr": join_qr(join_url),
            "join_oob": is_htmx(),
        }
    response = render(
        SCREEN,
        *(("live", "join") if rotates else ("live",)),
        state=state,
        live_endpoint=live_endpoint,
        live_args=live_args,
        rotate_seconds=ROTATE_SECONDS,
        **context,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _unchanged():
    """Nothing to swap: htmx keeps the live block it has (a 304 would be swapped as empty)."""
    response = unchanged()
    response.headers["Cache-Control"] = "no-store"
    return response


def _live(forum: Forum, live_endpoint: str, live_args: dict):
    """204 when the screen already shows this version (nothing rendered), else the live block."""
    now = utcnow()
    token = version_token(forum, now)
    if seen(token):
        return _unchanged()
    return _screen(forum, screen_state(forum, now, token=token), live_endpoint, live_args)


@bp.get("/f/<slug>/screen")
def show(slug: str):
    forum, _user = staff_forum(slug)
    return _screen(forum, screen_state(forum, utcnow()), ".live", {"slug": forum.slug})


@bp.get("/f/<slug>/screen/live")
def live(slug: str):
    # A poll must never follow a redirect to the login page and project it.
    if is_htmx() and current_staff() is None:
        raise NotAllowed(SESSION_ENDED)
    forum, _user = staff_forum(slug)
    return _live(forum, ".live", {"slug": forum.slug})


def _forum_for_link(token: str) -> Forum:
    forum = forum_by_screen_token(token)
    if forum is None:
        raise ScreenLinkInvalid(LINK_INVALID)
    return forum


@bp.get("/s/<token>")
def by_link(token: str):
    forum = _forum_for_link(token)
    return _screen(forum, screen_state(forum, utcnow()), ".live_by_link", {"token": token})


@bp.get("/s/<token>/live")
def live_by_link(token: str):
    # An unchanged poll was answered 204 before Flask (cite_vote.polls): this one changed.
    forum = _forum_for_link(token)
    return _live(forum, ".live_by_link", {"token": token})


# --- the staff page -------------------------------------------------------------------------------


def _control(forum: Forum, *blocks: str, status: int = 200, **forms):
    shown = shown_challenges(forum)
    display = forms.pop("display", None)
    if display is None:
        pinned = next((c for c in shown if c.on_screen), None)
        display = DisplayForm(
            formdata=None,
            mode="rotate" if forum.screen_rotate or pinned is None else "stay",
            challenge=pinned.id if pinned else None,
        )
    display.set_challenges(shown)
    now = utcnow()
    left = (forum.timer_ends_at - now).total_seconds() if forum.timer_ends_at else 0
    return render(
        CONTROL,
        *blocks,
        status=status,
        forum=forum,
        shown=shown,
        display=display,
        timer=forms.pop("timer", None) or TimerForm(formdata=None),
        reveal=forms.pop("reveal", None) or RevealForm(formdata=None),
        reveals=reveal_states(forum, shown, now),
        ranking_rows=RANKING_ROWS,
        reveal_min=REVEAL_EVERY_MIN,
        reveal_max=REVEAL_EVERY_MAX,
        fresh_link=forms.pop("fresh_link", None),
        now=now,
        timer_left=clock(math.ceil(left)),
        timer_max=TIMER_MAX_MINUTES,
        rotate_seconds=ROTATE_SECONDS,
    )


def _here(forum: Forum) -> str:
    return url_for(".control", slug=forum.slug)


@bp.get("/staff/f/<slug>/screen")
def control(slug: str):
    forum, _user = staff_forum(slug)
    token = session.pop(FRESH_LINK_KEY, None)
    fresh_link = public_url("screen.by_link", token=token) if token else None
    return _control(forum, fresh_link=fresh_link)


@bp.post("/staff/f/<slug>/screen/link")
def regenerate(slug: str):
    forum, _user = staff_forum(slug)
    with refusable(shown=False):
        token = regenerate_screen_token(forum)
    if not is_htmx():
        session[FRESH_LINK_KEY] = token
        return done(_here(forum))
    fresh_link = public_url("screen.by_link", token=token)
    return _control(forum, "link_panel", fresh_link=fresh_link)


@bp.post("/staff/f/<slug>/screen/link/off")
def revoke(slug: str):
    forum, _user = staff_forum(slug)
    with refusable(shown=False):
        revoke_screen_token(forum)
    return done(_here(forum)) if not is_htmx() else _control(forum, "link_panel")


@bp.post("/staff/f/<slug>/screen/display")
def display(slug: str):
    forum, _user = staff_forum(slug)
    form = DisplayForm()
    form.set_challenges(shown_challenges(forum))
    if not form.validate_on_submit():
        return _control(forum, "display_panel", status=422, display=form)
    pinned = challenge_in_forum(forum, form.challenge.data) if form.mode.data == "stay" else None
    with refusable(shown=False):
        show_on_screen(forum, pinned)
    return done(_here(forum)) if not is_htmx() else _control(forum, "display_panel")


@bp.post("/staff/f/<slug>/screen/timer")
def timer(slug: str):
    forum, _user = staff_forum(slug)
    form = TimerForm()
    if not form.validate_on_submit():
        return _control(forum, "timer_panel", status=422, timer=form)
    with refusable(shown=False):
        start_timer(forum, form.minutes.data, utcnow())
    return done(_here(forum)) if not is_htmx() else _control(forum, "timer_panel")


@bp.post("/staff/f/<slug>/screen/timer/stop")
def timer_stop(slug: str):
    forum, _user = staff_forum(slug)
    with refusable(shown=False):
        stop_timer(forum)
    return done(_here(forum)) if not is_htmx() else _control(forum, "timer_panel")


@bp.post("/staff/f/<slug>/screen/reveal")
def reveal(slug: str):
    """A staged reveal: stage it, one more idea, one every N seconds, pause, or all at once."""
    forum, _user = staff_forum(slug)
    form = RevealForm()
    if not form.validate_on_submit():
        return _control(forum, "reveal_panel", status=422, reveal=form)
    challenge = challenge_in_forum(forum, form.challenge.data)
    now = utcnow()
    action = form.action.data
    with refusable(shown=False):
        if action == "stage":
            stage_reveal(forum, challenge)
        elif action == "next":
            reveal_step(forum, challenge, now)
        elif action == "auto":
            reveal_every(forum, challenge, form.seconds.data, now)
        elif action == "pause":
            reveal_pause(forum, challenge, now)
        else:
            reveal_all(forum, challenge)
    return (
        done(_here(forum) + "#screen-reveal") if not is_htmx() else _control(forum, "reveal_panel")
    )
