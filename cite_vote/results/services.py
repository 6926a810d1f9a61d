"""Ranking: one function decides the order that every view and export shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.ideas.models import Idea
from cite_vote.votes.services import idea_totals


@dataclass(frozen=True)
class RankedIdea:
    idea: Idea
    rank: int
    tied: bool
    dots: int
    supporters: int


def rank_ideas(challenge: Challenge) -> list[RankedIdea]:
    """Total dots, then distinct supporters, then earliest proposed.

    Ideas equal on dots and supporters share a rank (and say so); among them the earlier
    proposal is listed first, so the order is deterministic.
    """
    ideas = db.session.scalars(
        select(Idea)
        .options(selectinload(Idea.author))
        .where(Idea.challenge_id == challenge.id, Idea.status == "visible")
    ).all()
    totals = idea_totals([challenge.id])

    def score(idea: Idea) -> tuple[int, int]:
        return totals.get(idea.id, (0, 0))

    ordered = sorted(ideas, key=lambda i: (-score(i)[0], -score(i)[1], i.created_at, i.id))
    ranked: list[RankedIdea] = []
    for position, idea in enumerate(ordered, start=1):
        dots, supporters = score(idea)
        previous = ranked[-1] if ranked else None
        same = previous is not None and (previous.dots, previous.supporters) == (dots, supporters)
        rank = previous.rank if same else position
        ranked.append(RankedIdea(idea, rank, same, dots, supporters))
    # The first of a tied group is tied too: mark it once the group is known.
    tied_ranks = {r.rank for r in ranked if r.tied}
    return [RankedIdea(r.idea, r.rank, r.rank in tied_ranks, r.dots, r.supporters) for r in ranked]
