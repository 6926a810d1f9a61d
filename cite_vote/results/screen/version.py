"""The projection screen's version token: what the screen shows, as one signed value.

The view computes it (``services.version_token``) and so does the projector's poll before
Flask (``cite_vote.polls``), from the same arguments: an unchanged token is a 204.
"""

from __future__ import annotations

from datetime import datetime

from cite_vote.forums.join_codes import join_window
from cite_vote.timeutil import seconds_since_epoch
from cite_vote.tokens import sign

# A rotating screen shows the next challenge every this many seconds.
ROTATE_SECONDS = 20


def screen_version(
    secret: str | bytes,
    forum_id: int,
    version: int,
    screen_rotate: bool,
    code_rotates: bool,
    now: datetime,
    reveal: tuple = (),
) -> str:
    """The screen's version token: the forum's version, and the clock where the screen follows
    it (the rotation's turn, the rotating join code's window, the steps of a timed reveal:
    ``(challenge id, ideas revealed)`` pairs, computed by the view only: a screen under a timed
    reveal holds a token the poll before Flask never computes, so its polls always reach the
    view)."""
    turn = seconds_since_epoch(now) // ROTATE_SECONDS if screen_rotate else None
    window = join_window(now) if code_rotates else None
    if reveal:
        return sign(secret, "screen", forum_id, version, turn, window, reveal)
    return sign(secret, "screen", forum_id, version, turn, window)
