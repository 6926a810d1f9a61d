"""The join code: how a room's phones find their forum, and how it rotates on the screen.

A forum has a fixed code (typed, in its QR code and links). With rotation on, the projection
screen shows a code derived from the fixed one and the current window instead, and newcomers
must use that one (docs/security.md). The door (``phone.forum``) asks for a code; only where
the organiser opened the link does it hand one out (``open_link_code``).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.timeutil import seconds_since_epoch, utcnow

# No O/0, I/1/L: a code read aloud or off a screen at the back of the room must not be misread.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def normalise_code(code: str) -> str:
    """Codes are typed on phones: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Forum.id).where(Forum.join_code == code)) is None:
            return code


def forum_by_join_code(code: str, now: datetime | None = None) -> Forum | None:
    """The forum of a fixed join code, or of a rotating code shown now or just before."""
    code = normalise_code(code)
    if not code:
        return None
    forum = db.session.scalar(select(Forum).where(Forum.join_code == code))
    if forum is not None:
        return forum
    window = join_window(now or utcnow())
    # Few forums rotate, and only those are hashed: one HMAC per window kept alive.
    for forum in db.session.scalars(select(Forum).where(Forum.join_code_rotates.is_(True))):
        if any(code == _rotating_code(forum, w) for w in range(window - 1, window + 1)):
            return forum
    return None


# A rotating code is shown for JOIN_CODE_SECONDS and accepted for as long again after it
# leaves the screen, so a person who read it just before it changed still gets in.
JOIN_CODE_SECONDS = 300


def join_window(now: datetime) -> int:
    """The rotating join code's window: the number of JOIN_CODE_SECONDS since the epoch."""
    return seconds_since_epoch(now) // JOIN_CODE_SECONDS


def _rotating_code(forum: Forum, window: int) -> str:
    """Derived, never stored: the app's secret, the forum (its fixed code too) and the window.

    Renewing the fixed code in the settings also changes every rotating code to come.
    """
    message = f"join:{forum.id}:{forum.join_code}:{window}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, "sha256").digest()
    return "".join(
        JOIN_CODE_ALPHABET[b % len(JOIN_CODE_ALPHABET)] for b in digest[:JOIN_CODE_LENGTH]
    )


def current_join_code(forum: Forum, now: datetime | None = None) -> str:
    """The code to show in the room now: the fixed one, or this window's rotating one."""
    if not forum.join_code_rotates:
        return forum.join_code
    return _rotating_code(forum, join_window(now or utcnow()))


def code_admits_newcomers(forum: Forum, code: str) -> bool:
    """Whether a person not yet in the forum may join with this code.

    With rotation, the fixed code (in old links, a photo of the screen, a script) only serves
    people already in the forum, to change their name or category.
    """
    return not forum.join_code_rotates or normalise_code(code) != forum.join_code


def open_link_code(forum: Forum, now: datetime | None = None) -> str | None:
    """The code a stranger opening the forum's address is sent on with, or None: the door asks
    for the code the room gives (the screen, a ticket).

    Only when the organiser chose "anyone with the link may join" and joining needs no ticket.
    With rotation on, the code of now: the fixed code, which newcomers are refused, never.
    """
    if not forum.open_link or forum.tickets_required:
        return None
    return current_join_code(forum, now)
