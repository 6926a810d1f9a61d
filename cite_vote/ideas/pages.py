"""What the participant's challenge and idea pages show, built once for the views of ideas and
of votes (a vote re-renders the card it changed): a fixed number of queries per page."""

from __future__ import annotations

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import can_comment, can_propose, can_vote, totals_visible
from cite_vote.ideas.forms import CommentForm, IdeaForm
from cite_vote.ideas.models import Idea
from cite_vote.ideas.services import (
    comment_counts,
    own_pending_ideas,
    personal_order,
    visible_comments,
    visible_ideas,
)
from cite_vote.results.services import rank_ideas
from cite_vote.votes.chain import receipt_of
from cite_vote.votes.services import dots_spent, idea_totals, my_dots


def cards_context(
    forum: Forum,
    challenge: Challenge,
    participant: Participant,
    ideas: list[Idea],
    spent: int | None = None,
    mine: dict[int, int] | None = None,
):
    """What an idea card needs, for a list of ideas, in a fixed number of queries.

    ``spent`` and ``mine`` (the person's dots on the ideas shown) are given when the caller
    already knows them (a vote just returned them).
    """
    ids = [idea.id for idea in ideas]
    show = totals_visible(challenge)
    return {
        "forum": forum,
        "challenge": challenge,
        "participant": participant,
        "mine": my_dots(participant, challenge) if mine is None else mine,
        "totals": idea_totals([challenge.id]) if show else {},
        "show_totals": show,
        "comment_counts": comment_counts(ids),
        "voting": can_vote(challenge),
        "spent": dots_spent(participant, challenge) if spent is None else spent,
    }


def challenge_context(forum, challenge, participant, form=None, notice=None):
    ranked = None
    if challenge.phase == "closed":
        ranked = {r.idea.id: r for r in rank_ideas(challenge)}
        ideas = [r.idea for r in ranked.values()]
    else:
        ideas = list(db.session.scalars(visible_ideas(challenge)))
        if challenge.phase == "voting":
            ideas = personal_order(ideas, participant)
    pending = list(db.session.scalars(own_pending_ideas(challenge, participant)))
    receipt = receipt_of(participant.id, challenge.id) if challenge.phase == "closed" else None
    return {
        "receipts": {challenge.id: receipt} if receipt else {},
        **cards_context(forum, challenge, participant, ideas),
        "ideas": ideas,
        "pending": pending,
        "ranked": ranked,
        "form": form or IdeaForm(formdata=None),
        "proposing": can_propose(challenge),
        "notice": notice,
        "back": "challenge",
    }


def idea_context(forum, idea, participant, form=None, notice=None):
    challenge = idea.challenge
    return {
        **cards_context(forum, challenge, participant, [idea]),
        "idea": idea,
        "comments": visible_comments(idea, participant),
        "form": form or CommentForm(formdata=None),
        "commenting": can_comment(challenge) and idea.status == "visible",
        "notice": notice,
        "back": "idea",
    }
