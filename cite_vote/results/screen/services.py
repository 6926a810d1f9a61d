"""The projection screen: what the room sees, and the token that tells a poll nothing changed.

The screen polls every second. Rendering it means ranking ideas, so a poll first compares the
version token it holds with the forum's version (``version_token``; ``cite_vote.polls`` does it
before Flask for the secret link); when the screen already shows that version the answer is
204 and nothing is rendered. Everything the screen shows is derived from the database and the
clock, so any worker on any host gives the same answer, including which challenge the rotation
is on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from cite_vote.accounts.services import hash_token
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.qr import qr_svg
from cite_vote.forums.room import participants_in_room
from cite_vote.forums.services import (
    open_to_participants,
    open_to_participants_clause,
)
from cite_vote.forums.versions import forum_version, mark_changed
from cite_vote.ideas.models import Idea
from cite_vote.polls import screen_version
from cite_vote.refusals import RuleError
from cite_vote.results.services import rank_ideas
from cite_vote.votes.models import Ballot

ROTATE_SECONDS = 20
# What fits at 1920x1080 in type readable from the back of the room.
RANKING_ROWS = 6
LATEST_ROWS = 6
BLIND_ROWS = 10
# An idea this recent is highlighted as it arrives.
FRESH_SECONDS = 15
TIMER_MAX_MINUTES = 180
QR_PIXELS = 420
EPOCH = datetime(1970, 1, 1)

# What the main area of the screen shows.
WAITING = "waiting"  # no challenge open yet: only the invitation to join
LATEST = "latest"  # proposing: the latest ideas as they arrive
BLIND = "blind"  # voting, blind mode: the ideas in alphabetical order, no numbers
RANKING = "ranking"  # voting, live mode: the ranking with dots
RESULTS = "results"  # closed: the ranking, revealed in both modes


@dataclass(frozen=True)
class ScreenIdea:
    idea: Idea
    rank: int | None = None
    tied: bool = False
    dots: int | None = None
    # Width of its bar, in percent of the leading idea's dots.
    share: int = 0
    fresh: bool = False


@dataclass(frozen=True)
class RoomMeter:
    """Counted per shown challenge: people joined the forum, ideas, and dots of this challenge.

    ``dots_available`` is participants × budget: what the room could place in this challenge.
    """

    participants: int
    ideas: int
    voters: int = 0
    dots_spent: int = 0
    dots_available: int = 0

    @property
    def percent(self) -> int:
        if not self.dots_available:
            return 0
        return min(100, round(100 * self.dots_spent / self.dots_available))


@dataclass(frozen=True)
class ScreenState:
    forum: Forum
    token: str
    view: str
    challenge: Challenge | None
    # Every challenge the screen may show (not draft, not archived), for the strip at the bottom.
    challenges: list[Challenge]
    rotating: bool
    ideas: list[ScreenIdea] = field(default_factory=list)
    # Visible ideas not listed for lack of room.
    more: int = 0
    meter: RoomMeter | None = None
    timer_ends_at: datetime | None = None
    # Whole seconds left at ``now`` (0 once the time is up); None without a timer.
    timer_remaining: int | None = None

    @property
    def timer_clock(self) -> str:
        return clock(self.timer_remaining or 0)


def clock(seconds: int) -> str:
    """3:07, or 1:05:00 past an hour (static/js/screen.js writes the same while it ticks)."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# --- which challenge is on screen -------------------------------------------------------------


def seconds_since_epoch(now: datetime) -> int:
    return int((now - EPOCH).total_seconds())


def _rotating(forum: Forum, shown: list) -> bool:
    return forum.screen_rotate and len(shown) > 1


def _pick(forum: Forum, shown: list, now: datetime):
    """The challenge (or its row) on screen: the pinned one, or the rotation's turn, by the clock.

    ``shown`` holds objects with ``on_screen``: challenges, or rows of their columns.
    """
    if not shown:
        return None
    if _rotating(forum, shown):
        return shown[(seconds_since_epoch(now) // ROTATE_SECONDS) % len(shown)]
    pinned = [c for c in shown if c.on_screen]
    return pinned[0] if pinned and not forum.screen_rotate else shown[0]


def shown_challenges(forum: Forum) -> list[Challenge]:
    """The challenges the screen can show: not archived, not draft, in their order."""
    return list(
        db.session.scalars(
            select(Challenge)
            .where(Challenge.forum_id == forum.id, *open_to_participants_clause())
            .order_by(Challenge.position, Challenge.id)
        )
    )


# --- the version token ------------------------------------------------------------------------


def version_token(forum: Forum, now: datetime) -> str:
    """What the screen shows, as a token: the forum's version (``forums.versions``, bumped by a
    vote, an idea, a phase, a join, the screen settings, the timer, ...), and the clock where the
    screen follows it (the rotation's turn, the rotating join code's window), signed.

    One statement; the projector's poll (``cite_vote.polls``) computes the same token from one
    indexed read before Flask, and answers 204 when the screen already shows it.
    """
    return screen_version(
        current_app.config["SECRET_KEY"],
        forum.id,
        forum_version(forum.id),
        forum.screen_rotate,
        forum.join_code_rotates,
        now,
    )


# --- what the screen shows ----------------------------------------------------------------------


def screen_state(forum: Forum, now: datetime, token: str | None = None) -> ScreenState:
    """Everything the projection shows at ``now``.

    Blind mode hides totals while a challenge is voting, and hides the order too: ideas are
    listed alphabetically, without numbers. Closing the challenge reveals the ranking.
    """
    token = token or version_token(forum, now)
    shown = shown_challenges(forum)
    challenge = _pick(forum, shown, now)
    remaining = None
    if forum.timer_ends_at is not None:
        remaining = max(0, int((forum.timer_ends_at - now).total_seconds() + 0.999))
    state = {
        "forum": forum,
        "token": token,
        "challenge": challenge,
        "challenges": shown,
        "rotating": _rotating(forum, shown),
        "timer_ends_at": forum.timer_ends_at,
        "timer_remaining": remaining,
    }
    participants = db.session.scalar(participants_in_room(forum))
    if challenge is None:
        meter = RoomMeter(participants=participants, ideas=0)
        return ScreenState(view=WAITING, meter=meter, **state)

    if challenge.phase == "proposing":
        view = LATEST
        ideas, count = _latest(challenge, now)
    elif challenge.phase == "voting" and forum.projection_mode == "blind":
        view = BLIND
        ideas, count = _alphabetical(challenge)
    else:
        view = RANKING if challenge.phase == "voting" else RESULTS
        ideas, count = _ranking(challenge)
    meter = RoomMeter(participants=participants, ideas=count)
    if challenge.phase in ("voting", "closed"):
        spent, voters = db.session.execute(
            select(func.coalesce(func.sum(Ballot.dots_spent), 0), func.count(Ballot.id)).where(
                Ballot.challenge_id == challenge.id, Ballot.dots_spent > 0
            )
        ).one()
        meter = RoomMeter(
            participants=participants,
            ideas=count,
            voters=int(voters),
            dots_spent=int(spent),
            dots_available=participants * forum.dot_budget,
        )
    return ScreenState(view=view, ideas=ideas, more=count - len(ideas), meter=meter, **state)


def _visible(challenge: Challenge):
    return select(Idea).where(Idea.challenge_id == challenge.id, Idea.status == "visible")


def _count(challenge: Challenge) -> int:
    return db.session.scalar(
        select(func.count(Idea.id)).where(
            Idea.challenge_id == challenge.id, Idea.status == "visible"
        )
    )


def _latest(challenge: Challenge, now: datetime) -> tuple[list[ScreenIdea], int]:
    ideas = db.session.scalars(
        _visible(challenge)
        .options(selectinload(Idea.author))
        .order_by(Idea.created_at.desc(), Idea.id.desc())
        .limit(LATEST_ROWS)
    ).all()
    fresh_since = now - timedelta(seconds=FRESH_SECONDS)
    listed = [ScreenIdea(idea, fresh=idea.created_at >= fresh_since) for idea in ideas]
    return listed, _count(challenge)


def _alphabetical(challenge: Challenge) -> tuple[list[ScreenIdea], int]:
    """A neutral order that says nothing about the votes; the id only breaks equal titles."""
    ideas = db.session.scalars(_visible(challenge)).all()
    ordered = sorted(ideas, key=lambda i: (i.title.casefold(), i.id))
    return [ScreenIdea(idea) for idea in ordered[:BLIND_ROWS]], len(ideas)


def _ranking(challenge: Challenge) -> tuple[list[ScreenIdea], int]:
    ranked = rank_ideas(challenge)
    top = ranked[:RANKING_ROWS]
    lead = max((r.dots for r in top), default=0)
    listed = [
        ScreenIdea(
            r.idea,
            rank=r.rank,
            tied=r.tied,
            dots=r.dots,
            share=round(100 * r.dots / lead) if lead else 0,
        )
        for r in top
    ]
    return listed, len(ranked)


# --- the join code as the room sees it ----------------------------------------------------------


def join_qr(url: str, title: str | None = None) -> Markup:
    """The join QR code at about ``QR_PIXELS`` wide, whatever the length of the address.

    A viewBox is added so that CSS can shrink it on a smaller projector without cropping it.
    """
    modules = segno.make(url, error="m").symbol_size(scale=1, border=4)[0]
    scale = max(4, QR_PIXELS // modules)
    size = modules * scale
    svg = str(qr_svg(url, scale=scale, title=title))
    return Markup(svg.replace("<svg ", f'<svg viewBox="0 0 {size} {size}" ', 1))


# --- settings the staff change ----------------------------------------------------------------


def regenerate_screen_token(forum: Forum) -> str:
    """A new secret screen link; the old one stops working. Only the hash is kept."""
    token = secrets.token_urlsafe(24)
    forum.screen_token_hash = hash_token(token)
    db.session.flush()
    return token


def revoke_screen_token(forum: Forum) -> None:
    forum.screen_token_hash = None
    db.session.flush()


def forum_by_screen_token(token: str) -> Forum | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Forum).where(Forum.screen_token_hash == hash_token(token)))


def show_on_screen(forum: Forum, challenge: Challenge | None) -> None:
    """Stay on ``challenge``, or rotate through the open challenges when it is None.

    At most one challenge of a forum is pinned: one UPDATE sets it and clears the others.
    """
    if challenge is not None:
        if challenge.forum_id != forum.id or challenge.archived:
            raise RuleError(_l("This challenge is not part of this forum."))
        if not open_to_participants(challenge):
            raise RuleError(_l("This challenge is not open yet: the screen cannot show it."))
    pinned = (Challenge.id == challenge.id) if challenge is not None else False
    db.session.execute(
        update(Challenge)
        .where(Challenge.forum_id == forum.id)
        .values(on_screen=pinned)
        .execution_options(synchronize_session="fetch")
    )
    mark_changed(forum.id)
    forum.screen_rotate = challenge is None
    db.session.flush()


def start_timer(forum: Forum, minutes: int, now: datetime) -> datetime:
    """Start (or restart) the countdown shown on the screen; the server's clock is the truth."""
    if not isinstance(minutes, int) or not 1 <= minutes <= TIMER_MAX_MINUTES:
        raise RuleError(_l("A countdown lasts from 1 to %(max)d minutes.", max=TIMER_MAX_MINUTES))
    forum.timer_ends_at = now + timedelta(minutes=minutes)
    db.session.flush()
    return forum.timer_ends_at


def stop_timer(forum: Forum) -> None:
    forum.timer_ends_at = None
    db.session.flush()
