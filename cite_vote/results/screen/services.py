"""The projection screen: what the room sees, and the token that tells a poll nothing changed.

The screen polls every second. Rendering it means ranking ideas, so a poll first compares the
version token it holds with the forum's version (``version_token``; ``cite_vote.polls`` does it
before Flask for the secret link); when the screen already shows that version the answer is
204 and nothing is rendered. Everything the screen shows is derived from the database and the
clock, so any worker on any host gives the same answer, including which challenge the rotation
is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import selectinload

from cite_vote.accounts.services import people_in_room
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.qr import qr_svg
from cite_vote.forums.services import (
    open_to_participants,
    open_to_participants_clause,
)
from cite_vote.forums.versions import mark_changed, version_of
from cite_vote.ideas.models import Idea
from cite_vote.refusals import RuleError
from cite_vote.results.screen.version import ROTATE_SECONDS, screen_version
from cite_vote.results.services import rank_ideas
from cite_vote.timeutil import seconds_since_epoch
from cite_vote.tokens import hash_token, new_token
from cite_vote.votes.chain import chain_head
from cite_vote.votes.models import Ballot

# What fits at 1920x1080 in type readable from the back of the room.
RANKING_ROWS = 6
LATEST_ROWS = 6
BLIND_ROWS = 10
# An idea this recent is highlighted as it arrives.
FRESH_SECONDS = 15
TIMER_MAX_MINUTES = 180
# A timed reveal shows one more idea every this many seconds.
REVEAL_EVERY_MIN, REVEAL_EVERY_MAX = 2, 600
QR_PIXELS = 420

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
    # A staged reveal has not reached it yet: the screen shows its rank and nothing else.
    hidden: bool = False
    # The row the last step revealed (the screen lets it arrive).
    revealing: bool = False


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
    # The ledger chain's head at closing (votes.chain), once the whole ranking is revealed.
    seal: object | None = None

    @property
    def timer_clock(self) -> str:
        return clock(self.timer_remaining or 0)


def clock(seconds: int) -> str:
    """3:07, or 1:05:00 past an hour (static/js/screen.js writes the same while it ticks)."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# --- which challenge is on screen -------------------------------------------------------------


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
            .where(Challenge.forum_id == forum.id, open_to_participants_clause())
            .order_by(Challenge.position, Challenge.id)
        )
    )


# --- the version token ------------------------------------------------------------------------


def version_token(forum: Forum, now: datetime) -> str:
    """What the screen shows, as a token: the forum's version (``forums.versions``, bumped by a
    vote, an idea, a phase, a join, the screen settings, the timer, ...), and the clock where the
    screen follows it (the rotation's turn, the rotating join code's window, the step of a timed
    reveal), signed.

    One statement; the projector's poll (``cite_vote.polls``) computes the same token from one
    indexed read before Flask, and answers 204 when the screen already shows it (a timed reveal
    sends it to this function instead: its steps follow the clock).
    """
    rows = db.session.execute(_version_and_timed_reveals(forum.id)).all()
    version = (rows[0].version if rows else None) or 0
    reveal = tuple(
        (row.id, revealed(row, now, min(RANKING_ROWS, row.total or 0)))
        for row in rows
        if row.id is not None
    )
    return screen_version(
        current_app.config["SECRET_KEY"],
        forum.id,
        version,
        forum.screen_rotate,
        forum.join_code_rotates,
        now,
        reveal,
    )


def _version_and_timed_reveals(forum_id: int):
    """The forum's version, with a row per challenge under a timed reveal (its columns and the
    number of ideas it ranks), or one row of NULLs beside the version when none is."""
    total = (
        select(func.count(Idea.id))
        .where(Idea.challenge_id == Challenge.id, Idea.status == "visible")
        .correlate(Challenge)
        .scalar_subquery()
    )
    return (
        select(
            version_of(Forum.id).label("version"),
            Challenge.id,
            Challenge.reveal_shown,
            Challenge.reveal_every,
            Challenge.reveal_since,
            total.label("total"),
        )
        .select_from(Forum)
        .outerjoin(
            Challenge,
            and_(Challenge.forum_id == Forum.id, Challenge.reveal_every.is_not(None)),
        )
        .where(Forum.id == forum_id)
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
    participants = db.session.scalar(people_in_room(forum))
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
        if view == RESULTS and challenge.reveal_shown is not None:
            ideas = _staged(ideas, revealed(challenge, now, len(ideas)))
        if view == RESULTS and not any(item.hidden for item in ideas):
            state["seal"] = chain_head(challenge)
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


# --- the staged reveal ----------------------------------------------------------------------------


def revealed(challenge, now: datetime, total: int) -> int:
    """How many of the ``total`` ideas on screen a staged reveal shows at ``now`` (all if none).

    ``challenge`` is a Challenge or a row of its columns: the version token computes it too.
    """
    if challenge.reveal_shown is None:
        return total
    shown = challenge.reveal_shown
    if challenge.reveal_every and challenge.reveal_since is not None:
        elapsed = max(0, int((now - challenge.reveal_since).total_seconds()))
        shown += elapsed // challenge.reveal_every
    return min(total, shown)


def _staged(ideas: list[ScreenIdea], shown: int) -> list[ScreenIdea]:
    """The ranking revealed from its last row up: the first rows keep only their rank."""
    first_shown = len(ideas) - shown
    return [
        replace(item, revealing=n == first_shown)
        if n >= first_shown
        else ScreenIdea(item.idea, rank=item.rank, hidden=True)
        for n, item in enumerate(ideas)
    ]


@dataclass(frozen=True)
class RevealState:
    """A challenge the staff page offers a staged reveal for, and where it stands."""

    challenge: Challenge
    total: int
    shown: int

    @property
    def staged(self) -> bool:
        return self.challenge.reveal_shown is not None


def reveal_states(forum: Forum, shown: list[Challenge], now: datetime) -> list[RevealState]:
    """Blind mode only: the challenges voting or closed, with how many ideas are revealed."""
    if forum.projection_mode != "blind":
        return []
    candidates = [c for c in shown if c.phase in ("voting", "closed")]
    if not candidates:
        return []
    counts = dict(
        db.session.execute(
            select(Idea.challenge_id, func.count(Idea.id))
            .where(Idea.challenge_id.in_([c.id for c in candidates]), Idea.status == "visible")
            .group_by(Idea.challenge_id)
        ).all()
    )
    states = []
    for c in candidates:
        total = min(RANKING_ROWS, counts.get(c.id, 0))
        states.append(RevealState(c, total, revealed(c, now, total)))
    return states


def _check_staging(forum: Forum, challenge: Challenge) -> None:
    if challenge.forum_id != forum.id or challenge.archived:
        raise RuleError(_l("This challenge is not part of this forum."))
    if forum.projection_mode != "blind":
        raise RuleError(
            _l("A staged reveal is for blind mode: in live mode the room saw the totals already.")
        )
    if challenge.phase not in ("voting", "closed"):
        raise RuleError(_l("Only a challenge being voted on or closed can be revealed."))


def stage_reveal(forum: Forum, challenge: Challenge) -> None:
    """Hide the ranking of ``challenge`` on the screen until revealed step by step.

    Set before closing, the room never sees the whole ranking at once; set after, it is hidden
    again. The screen stays on this challenge.
    """
    _check_staging(forum, challenge)
    challenge.reveal_shown = 0
    challenge.reveal_every = None
    challenge.reveal_since = None
    show_on_screen(forum, challenge)


def _shown_now(challenge: Challenge, now: datetime) -> int:
    return revealed(challenge, now, _stage_size(challenge))


def _stage_size(challenge: Challenge) -> int:
    """The ideas a staged reveal goes through: the rows of the ranking the screen shows."""
    return min(RANKING_ROWS, _count(challenge))


def _check_staged(forum: Forum, challenge: Challenge) -> None:
    _check_staging(forum, challenge)
    if challenge.reveal_shown is None:
        raise RuleError(_l("This ranking is not being revealed step by step."))


def reveal_step(forum: Forum, challenge: Challenge, now: datetime) -> int:
    """One more idea, from the last to the first; a running timer carries on from now."""
    _check_staged(forum, challenge)
    shown = min(_stage_size(challenge), _shown_now(challenge, now) + 1)
    challenge.reveal_shown = shown
    if challenge.reveal_every:
        challenge.reveal_since = now
    db.session.flush()
    return shown


def reveal_every(forum: Forum, challenge: Challenge, seconds: int, now: datetime) -> None:
    """One more idea every ``seconds``, from what is shown now."""
    _check_staged(forum, challenge)
    if not isinstance(seconds, int) or not REVEAL_EVERY_MIN <= seconds <= REVEAL_EVERY_MAX:
        raise RuleError(
            _l(
                "One idea every %(min)d to %(max)d seconds.",
                min=REVEAL_EVERY_MIN,
                max=REVEAL_EVERY_MAX,
            )
        )
    challenge.reveal_shown = _shown_now(challenge, now)
    challenge.reveal_every = seconds
    challenge.reveal_since = now
    db.session.flush()


def reveal_pause(forum: Forum, challenge: Challenge, now: datetime) -> None:
    """Stop the timer; what is revealed stays."""
    _check_staged(forum, challenge)
    challenge.reveal_shown = _shown_now(challenge, now)
    challenge.reveal_every = None
    challenge.reveal_since = None
    db.session.flush()


def reveal_all(forum: Forum, challenge: Challenge) -> None:
    """The whole ranking at once: the staging ends."""
    _check_staging(forum, challenge)
    challenge.reveal_shown = None
    challenge.reveal_every = None
    challenge.reveal_since = None
    db.session.flush()


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
    token = new_token(24)
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
