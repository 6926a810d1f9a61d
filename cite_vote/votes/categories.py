"""A participant's category in their dots: a corrected category counts for the dots of the
challenges still open; the results of closed challenges stay as they were counted."""

from __future__ import annotations

from sqlalchemy import select, update

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.forums.versions import mark_changed
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
