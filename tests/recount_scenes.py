"""Forums with votes, a hide and a merge, then closed: what the recount tests start from."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea
from cite_vote.votes.moderation import hide_idea, merge_ideas
from cite_vote.votes.phases import set_phase


class ClosedScene(NamedTuple):
    forum: Forum
    challenge: Challenge
    people: dict[str, Participant]
    ideas: dict[str, Idea]


NAMES = {
    "ana": ("Ana Dupont", "chercheur·e"),
    "bruno": ("Bruno Martin", "entrepreneur·e"),
    "chloe": ("Chloé Petit", "association"),
    "driss": ("Driss Benali", "citoyen·ne"),
    "eve": ("Ève Laurent", None),
}


def vote_and_close(db, forum, challenge, people, ideas, staff, cast_dots) -> None:
    """Votes on five ideas, "hors-sujet" hidden, "doublon" merged into "tiers-lieu"; closed."""
    plan = {
        "ana": {"tiers-lieu": 3, "doublon": 2},
        "bruno": {"tiers-lieu": 1, "doublon": 3, "mentorat": 1},
        "chloe": {"mentorat": 3, "hors-sujet": 2},
        "driss": {"observatoire": 2, "mentorat": 2, "hors-sujet": 1},
        "eve": {"observatoire": 3, "tiers-lieu": 2},
    }
    for who, dots in plan.items():
        for idea, n in dots.items():
            cast_dots(people[who], ideas[idea], n)
    hide_idea(ideas["hors-sujet"], staff, "off_topic")
    db.session.commit()
    merge_ideas(ideas["doublon"], ideas["tiers-lieu"], staff)
    db.session.commit()
    set_phase(forum, "closed", challenge)
    db.session.commit()


@pytest.fixture
def closed_scene(make_forum, make_participant, make_idea, make_staff, cast_dots, db):
    """Forum "recompte", first challenge voted on by five named people and closed; the second
    challenge still in voting."""
    forum = make_forum(slug="recompte", challenges=2, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    people = {
        key: make_participant(forum, category=cat, name=name) for key, (name, cat) in NAMES.items()
    }
    ideas = {
        key: make_idea(challenge, title=title)
        for key, title in [
            ("tiers-lieu", "Un tiers-lieu pour les jeunes"),
            ("doublon", "Créer un tiers lieu jeunesse"),
            ("mentorat", "Du mentorat entre générations"),
            ("observatoire", "Un observatoire des métiers"),
            ("hors-sujet", "Hors sujet"),
        ]
    }
    staff = make_staff("facilitator", forums=[forum])
    vote_and_close(db, forum, challenge, people, ideas, staff, cast_dots)
    return ClosedScene(forum, challenge, people, ideas)
