"""The phone's start (``phone/participant.py``): every phone page reads the forum, the person
holding the cookie and whether notices wait for them in one statement, and reads the notices
only when some wait. The card, "my dots" and a comment began with two statements (the forum,
then the person) and read the notices on every full page."""

from __future__ import annotations

import pytest

from cite_vote.votes.notices import notify
from tests.helpers import csrf_token_from


def starts(statements: list[str]) -> list[str]:
    """The statements that look the person up by their cookie."""
    return [s for s in statements if "token_hash = " in s]


def notices_read(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM notices" in s and "token_hash = " not in s]


@pytest.fixture
def voting_scene(phone_scene, make_idea, db):
    forum, challenge, person = phone_scene
    challenge.phase = "voting"
    db.session.commit()
    return forum, make_idea(challenge, title="Un fablab"), person


@pytest.mark.parametrize("route", ["my dots", "card", "comment"])
def test_a_phone_route_starts_with_one_statement(
    route, client, htmx_client, voting_scene, count_queries
):
    forum, idea, _ = voting_scene
    csrf = csrf_token_from(client.get(f"/f/{forum.slug}/c/{idea.challenge_id}").text)
    with count_queries() as run:
        if route == "my dots":
            response = client.get(f"/f/{forum.slug}/me")
        elif route == "card":
            response = htmx_client.get(f"/f/{forum.slug}/i/{idea.id}/card")
        else:
            response = htmx_client.post(
                f"/f/{forum.slug}/i/{idea.id}/comments",
                data={"body": "Oui !"},
                headers={"X-CSRFToken": csrf},
            )
    assert response.status_code == 200
    first = starts(run.statements)
    assert len(first) == 1 and "forums" in first[0], "\n".join(run.statements)
    # No second look-up of the forum by its address, and no notices read when none wait.
    again = [s for s in run.statements if "forums.slug = " in s and s not in first]
    assert again == [], "\n".join(run.statements)
    assert notices_read(run.statements) == [], "\n".join(run.statements)
    # Each route read its forum, then its person, and "my dots" its notices: 7, 7 and 16.
    most = {"my dots": 4, "card": 6, "comment": 15}[route]
    assert run.count <= most, "\n".join(run.statements)


def test_my_dots_shows_the_notices_waiting_once(client, voting_scene, db):
    forum, idea, person = voting_scene
    notify(person.id, "hide", idea=idea.id, refunded=2)
    db.session.commit()
    shown = "2 points rendus : l’idée « Un fablab » a été retirée"
    assert shown in client.get(f"/f/{forum.slug}/me").text
    assert shown not in client.get(f"/f/{forum.slug}/me").text  # shown once
