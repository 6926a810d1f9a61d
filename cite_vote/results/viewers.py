"""Who is asking for results: staff of the forum, a read-only token, or a participant.

Request-aware on purpose (headers, cookie, session), like accounts/staff.py; the rule of what a
participant may see lives in results/services.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l

from cite_vote.accounts.identity import current_participant
from cite_vote.accounts.models import Participant, StaffUser
from cite_vote.accounts.services import can_access
from cite_vote.accounts.staff import current_staff, staff_forum
from cite_vote.forums.models import Challenge, Forum
from cite_vote.refusals import NotAllowed, RuleError
from cite_vote.results.models import ReadToken
from cite_vote.results.services import participant_may_see, token_for_bearer


class BadToken(RuleError):
    """A bearer token that is unknown, revoked or of another forum."""

    status = 401


@dataclass
class Viewer:
    staff: StaffUser | None = None
    token: ReadToken | None = None
    participant: Participant | None = None

    @property
    def sees_everything(self) -> bool:
        """Staff and tokens see every challenge whatever its phase."""
        return self.staff is not None or self.token is not None

    @property
    def sees_order_bias(self) -> bool:
        """Staff see the order bias beside each ranking (the pages and their cached rankings):
        a participant reading it could learn how screens ordered the ideas for others."""
        return self.staff is not None

    @property
    def is_organiser(self) -> bool:
        return self.token is not None or (self.staff is not None and self.staff.role == "organiser")

    def may_see(self, forum: Forum, challenge: Challenge) -> bool:
        if challenge.archived:
            return False
        return self.sees_everything or participant_may_see(forum, challenge)


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def token_viewer(forum: Forum) -> Viewer | None:
    """A viewer from the Authorization header, None without one; 401 for a bad one."""
    clear = bearer()
    if clear is None:
        return None
    token = token_for_bearer(forum, clear)
    if token is None:
        raise BadToken(_l("This read-only token is not valid for this forum (or was revoked)."))
    return Viewer(token=token)


def results_viewer(forum: Forum, *, allow_token: bool = False) -> Viewer:
    """Who may see this forum's results page: staff of the forum, or a participant.

    Anyone else gets a 403 that says what to do.
    """
    if allow_token and (viewer := token_viewer(forum)) is not None:
        return viewer
    user = current_staff()
    if user is not None and can_access(user, forum):
        return Viewer(staff=user)
    participant = current_participant(forum)
    if participant is not None:
        return Viewer(participant=participant)
    raise NotAllowed(_l("The results are shown to the participants of this forum: join it first."))


def organiser_viewer(forum: Forum) -> Viewer:
    """For downloads: a read-only token of this forum, or an organiser of it (else login/403)."""
    viewer = token_viewer(forum)
    if viewer is not None:
        return viewer
    _forum, user = staff_forum(forum.slug, roles=("organiser",))
    return Viewer(staff=user)
