"""Assisted voting's reads: the person a facilitator votes for, and the ballot they fill in.

The dots are placed by ``votes.services.set_dots`` (``assisted=True``), as a phone's are; the
pages are ``votes/manage.py``; an assisted participant is made by
``accounts.services.create_assisted_participant``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import active_challenges
from cite_vote.ideas.models import Idea
from cite_vote.votes.services import dots_of, spent_by_challenge


def assisted_in_forum(forum: Forum, participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.forum_id != forum.id or not participant.assisted:
        abort(404)
    return participant


@dataclass(frozen=True)
class AssistedBallot:
    """The challenges in voting, their visible ideas in order, and the person's dots."""

    challenges: list[Challenge]
    by_challenge: dict[int, list[Idea]]
    mine: dict[int, int]
    spent: dict[int, int]


def ballot_of(forum: Forum, person: Participant) -> AssistedBallot:
    challenges = [c for c in db.session.scalars(active_challenges(forum)) if c.phase == "voting"]
    ideas = db.session.scalars(
        select(Idea)
        .where(Idea.challenge_id.in_([c.id for c in challenges]), Idea.status == "visible")
        .order_by(Idea.challenge_id, Idea.created_at, Idea.id)
    ).all()
    by_challenge: dict[int, list[Idea]] = {c.id: [] for c in challenges}
    for idea in ideas:
        by_challenge[idea.challenge_id].append(idea)
    return AssistedBallot(challenges, by_challenge, dots_of(person), spent_by_challenge(person))
