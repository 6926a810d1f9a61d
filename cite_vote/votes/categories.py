"""A participant's category in their dots: a corrected category counts for the dots of the
challenges still open; the results of closed challenges stay as they were counted.

Joining a forum (``join_forum``) lives here for that reason: joining again with another
category moves the person's dots in the open challenges. Who the person is (the token, the
profile's checks, the one place a participant is made) stays in ``accounts``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from cite_vote.accounts.models import Participant
from cite_vote.accounts.services import clean_profile, new_participant, participant_for_token
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.versions import mark_changed
from cite_vote.refusals import NotAllowed
from cite_vote.votes.models import Vote


def recategorise_open_votes(participant: Participant, category: str | None) -> None:
    """Give the participant's dots in the forum's open challenges (not closed) ``category``."""
    open_challenges = select(Challenge.id).where(
        Challenge.forum_id == participant.forum_id, Challenge.phase != "closed"
    )
    db.session.execute(
        update(Vote)
        .where(Vote.participant_id == participant.id, Vote.challenge_id.in_(open_challenges))
        .values(category=category)
    )
    mark_changed(participant.forum_id)


def join_forum(
    forum: Forum,
    token: str,
    *,
    display_name: str | None = None,
    category: str | None = None,
    via_ticket: bool = False,
) -> Participant:
    """The participant this token is in the forum, created on first join.

    Joining again with the same token updates the profile instead of creating a second
    participant, so a person who rejoins keeps their dots.
    """
    if forum.tickets_required and not via_ticket:
        raise NotAllowed(_l("This forum is joined with a printed ticket: scan its QR code."))
    name, category = clean_profile(forum, display_name, category)
    participant = participant_for_token(forum, token)
    if participant is None:
        participant = new_participant(forum, token=token, display_name=name, category=category)
    if participant.id is not None and participant.category != category:
        recategorise_open_votes(participant, category)
    participant.display_name = name
    participant.category = category
    db.session.flush()
    return participant
