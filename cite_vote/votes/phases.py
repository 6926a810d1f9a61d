"""A phase change, whole: the forums' rule (``forums.services.move_phase``), then what closing
does to the dots (``votes.chain.close_ledger``), in one transaction.

Every caller (the control page, ``flask phase``, the demo, scripts and tests) changes a phase
here, so no challenge is closed without its receipts, its chain and its record sealed.
"""

from __future__ import annotations

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import move_phase
from cite_vote.votes.chain import close_ledger


def change_phase(
    forum: Forum, phase: str, challenge: Challenge | None = None, *, confirmed: bool = False
) -> list[Challenge]:
    """Move one challenge (or all) to ``phase`` (``forums.services.move_phase``: forward at
    once, backward only when confirmed) and seal the ledger of each challenge it closes.

    The seal is in the same transaction as the phase, under the lock ``move_phase`` took on the
    challenge rows: no vote lands between the receipts, the seal and the close, and none of
    them exists without the others. Returns the challenges named.
    """
    move = move_phase(forum, phase, challenge, confirmed=confirmed)
    if phase == "closed":
        for target in move.moved:
            close_ledger(target)
        db.session.flush()
    return move.targets


def set_phase(forum: Forum, phase: str, challenge: Challenge | None = None) -> list[Challenge]:
    """Setting up a forum (scripts, the demo, tests): ``change_phase`` with no question asked."""
    return change_phase(forum, phase, challenge, confirmed=True)
