"""The challenge page's idea cards are rendered once per content and reused, never stale."""

import re

import pytest

from cite_vote.ideas import pages
from cite_vote.ideas.moderation import edit_idea
from cite_vote.rendered import CSRF_MARK, RenderedCache
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots
from tests.conftest import csrf_token_from


@pytest.fixture
def renders(rendered_into):
    """The cards rendered (not taken from the cache)."""
    return rendered_into(pages.CARDS)


@pytest.fixture
def room(make_forum, make_participant, make_idea, client, as_participant, db):
    forum = make_forum(slug="salle", phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    alice, bob = make_participant(forum), make_participant(forum)
    as_participant(client, alice)
    url = f"/f/salle/c/{challenge.id}"
    return forum, challenge, ideas, alice, bob, url


def card_of(page: str, idea) -> str:
    match = re.search(rf'<li id="idea-{idea.id}".*?</li>', page, re.S)
    assert match, f"no card for idea {idea.id}"
    return match.group(0)


def test_the_second_page_load_renders_no_card(room, client, renders):
    *_, url = room
    assert client.get(url).status_code == 200
    assert len(renders) == 3
    assert client.get(url).status_code == 200
    assert len(renders) == 3


def test_another_person_gets_the_cached_cards_with_their_own_token(
    room, app, client, as_participant, renders
):
    forum, _challenge, ideas, _alice, bob, url = room
    client.get(url)
    other = app.test_client()
    as_participant(other, bob)
    page = other.get(url).text
    assert len(renders) == 3  # the same three cards: nobody holds dots yet
    token = csrf_token_from(page)
    assert f'"X-CSRFToken": "{token}"' in page
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) == {token}
    assert CSRF_MARK not in page
    vote = other.post(
        f"/f/salle/i/{ideas[0].id}/dots", data={"csrf_token": token, "dots": 1, "back": "challenge"}
    )
    assert vote.status_code == 303


def test_the_person_s_own_dots_are_theirs(room, client, renders, db):
    _forum, _challenge, ideas, alice, bob, url = room
    set_dots(bob, ideas[0], 2)
    db.session.commit()
    client.get(url)
    set_dots(alice, ideas[0], 1)
    db.session.commit()
    card = card_of(client.get(url).text, ideas[0])
    assert 'data-dots="1"' in card


def test_an_edited_idea_shows_at_the_next_load(room, client, renders, db):
    _forum, _challenge, ideas, *_, url = room
    client.get(url)
    edit_idea(ideas[1], "Un titre corrigé", "Et décrit")
    db.session.commit()
    card = card_of(client.get(url).text, ideas[1])
    assert "Un titre corrigé" in card and "Et décrit" in card


def test_a_new_comment_shows_at_the_next_load(room, client, make_comment, renders):
    _forum, _challenge, ideas, *_, url = room
    assert "0 commentaire" in card_of(client.get(url).text, ideas[2])
    make_comment(ideas[2], body="Oui")
    assert "1 commentaire" in card_of(client.get(url).text, ideas[2])
    make_comment(ideas[2], body="Caché", status="hidden")
    assert "1 commentaire" in card_of(client.get(url).text, ideas[2])


def test_totals_shown_during_voting_follow_the_votes(room, client, renders, db):
    forum, _challenge, ideas, _alice, bob, url = room
    forum.show_totals_during_voting = True
    db.session.commit()
    assert "0 point" in card_of(client.get(url).text, ideas[0])
    set_dots(bob, ideas[0], 2)
    db.session.commit()
    card = card_of(client.get(url).text, ideas[0])
    assert "2 points" in card and "1 soutien" in card


def test_a_phase_change_shows_at_the_next_load(room, client, renders, db):
    forum, challenge, ideas, *_, url = room
    assert "dot-button" in client.get(url).text
    set_phase(forum, "closed", challenge)
    db.session.commit()
    page = client.get(url).text
    assert "dot-button" not in page and "N° 1" in card_of(page, ideas[0])


def test_the_language_is_part_of_the_card(room, client, renders):
    _forum, _challenge, ideas, *_, url = room
    assert "0 commentaire" in card_of(client.get(url).text, ideas[0])
    assert "0 comments" in card_of(client.get(url + "?lang=en").text, ideas[0])
    assert "0 commentaire" in card_of(client.get(url + "?lang=fr").text, ideas[0])


def test_the_cache_keeps_a_bounded_number_of_cards():
    cache = RenderedCache(size=2)
    for n in range(5):
        cache.put((n,), f"card {n}")
    assert cache.get((0,)) is None and cache.get((4,)) == "card 4"
    cache.get((3,))
    cache.put((5,), "card 5")
    assert cache.get((3,)) == "card 3" and cache.get((4,)) is None


def test_a_vote_answers_the_cached_card_with_the_voter_s_token(
    room, app, client, htmx_client, as_participant, renders
):
    _forum, _challenge, ideas, alice, bob, url = room
    other = app.test_client()
    as_participant(other, bob)
    token = csrf_token_from(other.get(url).text)
    bob_vote = other.post(
        f"/f/salle/i/{ideas[0].id}/dots",
        data={"csrf_token": token, "dots": 1, "back": "challenge"},
        headers={"HX-Request": "true"},
    )
    assert bob_vote.status_code == 200 and len(renders) == 4  # the card with one dot on it
    as_participant(htmx_client, alice)
    mine = csrf_token_from(client.get(url).text)
    answer = htmx_client.post(
        f"/f/salle/i/{ideas[0].id}/dots",
        data={"csrf_token": mine, "dots": 1, "back": "challenge"},
    )
    assert answer.status_code == 200 and len(renders) == 4
    assert 'data-dots="1"' in answer.text and 'hx-swap-oob="true"' in answer.text
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', answer.text)) == {
        re.search(r'name="csrf_token" value="([^"]+)"', answer.text).group(1)
    }
    assert token not in answer.text and CSRF_MARK not in answer.text
