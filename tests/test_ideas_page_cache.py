"""The challenge page's frame is rendered once and reused, and never shows what is no longer so.

Each test loads the page (the frame goes to the cache), changes one thing the page shows, then
compares the page served from the cache with the same page rendered with the cache emptied.
"""

import re

import pytest

from cite_vote.ideas import pages
from cite_vote.rendered import CSRF_MARK
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots
from tests.conftest import page_token as csrf_token_from
from tests.conftest import same_page as same_as_fresh


@pytest.fixture
def frames(rendered_into):
    """The keys of the frames rendered (not taken from the cache)."""
    return rendered_into(pages.PAGES)


@pytest.fixture
def room(make_forum, make_participant, make_idea, client, as_participant):
    forum = make_forum(slug="salle", phase="proposing", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    alice = make_participant(forum)
    as_participant(client, alice)
    return forum, challenge, ideas, alice, f"/f/salle/c/{challenge.id}"


def same_page(client, url: str) -> str:
    page = same_as_fresh(client, url, pages.PAGES)
    assert pages.CARDS_MARK not in page
    return page


def test_the_second_load_renders_no_frame_and_gets_the_same_page(room, client, frames):
    *_, url = room
    first = client.get(url).text
    assert len(frames) == 1
    second = client.get(url).text
    assert len(frames) == 1
    assert second.replace(csrf_token_from(second), "T") == first.replace(
        csrf_token_from(first), "T"
    )


def test_another_person_gets_the_frame_with_their_own_token_and_order(
    room, app, db, make_participant, as_participant, client, frames
):
    forum, _challenge, ideas, _alice, url = room
    set_phase(forum, "voting")
    db.session.commit()
    client.get(url)
    bob = make_participant(forum)
    other = as_participant(app.test_client(), bob)
    page = other.get(url).text
    assert len(frames) == 1
    token = csrf_token_from(page)
    assert f'"X-CSRFToken": "{token}"' in page
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) == {token}
    shown = [int(n) for n in re.findall(r'<li id="idea-(\d+)"', page)]
    assert shown == [idea.id for idea in pages.personal_order(ideas, bob)]
    assert CSRF_MARK not in page and pages.CARDS_MARK not in page


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda forum, challenge: setattr(challenge, "title", "Défi renommé"), "Défi renommé"),
        (lambda forum, challenge: setattr(challenge, "question", "Et demain ?"), "Et demain ?"),
        (lambda forum, challenge: setattr(challenge, "position", 7), "Défi 7"),
        (lambda forum, challenge: setattr(forum, "title", "Forum renommé"), "Forum renommé"),
        (lambda forum, challenge: setattr(forum, "languages", "fr"), None),
    ],
)
def test_a_change_of_the_forum_or_challenge_shows_at_once(room, client, db, frames, change, shown):
    forum, challenge, _ideas, _alice, url = room
    before = client.get(url).text
    change(forum, challenge)
    db.session.commit()
    page = same_page(client, url)
    assert page != before
    if shown:
        assert shown in page


def test_the_budget_and_cap_the_page_states_follow_the_forum(room, client, db, frames):
    forum, _challenge, _ideas, _alice, url = room
    set_phase(forum, "voting")
    db.session.commit()
    client.get(url)
    forum.dot_budget = 8
    db.session.commit()
    assert 'data-left="8"' in same_page(client, url)
    forum.dot_cap = 2
    db.session.commit()
    assert "au plus 2 sur une même idée" in same_page(client, url)


def test_each_phase_and_the_person_s_dots_left(room, client, db, frames):
    forum, _challenge, ideas, alice, url = room
    proposing = same_page(client, url)
    assert 'id="propose"' in proposing
    set_phase(forum, "voting")
    db.session.commit()
    voting = same_page(client, url)
    assert 'id="propose"' not in voting and 'data-left="5"' in voting
    set_dots(alice, ideas[0], 2)
    db.session.commit()
    assert 'data-left="3"' in same_page(client, url)
    set_dots(alice, ideas[0], 0)
    db.session.commit()
    set_phase(forum, "closed")
    db.session.commit()
    closed = same_page(client, url)
    assert "data-left" not in closed


def test_the_person_s_pending_ideas_and_name(room, client, db, make_idea, frames):
    forum, challenge, _ideas, alice, url = room
    client.get(url)
    make_idea(challenge, author=alice, title="Mon idée en attente", status="pending")
    assert "Mon idée en attente" in same_page(client, url)
    alice.display_name = "Alice"
    db.session.commit()
    assert 'name="show_name"' in same_page(client, url)


def test_no_idea_yet(room, client, db, frames):
    _forum, _challenge, ideas, _alice, url = room
    client.get(url)
    for idea in ideas:
        db.session.delete(idea)
    db.session.commit()
    assert 'class="empty"' in same_page(client, url)


def test_the_language_and_the_address_asked_for(room, client, frames):
    *_, url = room
    client.get(url)
    client.get("/?lang=en")  # the person chose English on another page
    english = same_page(client, url)
    assert '<html lang="en">' in english and "Ideas" in english
    # The link to the other language keeps the address's own query.
    assert "from=qr" in same_page(client, url + "?from=qr")


def test_a_flashed_message_is_shown_once_and_never_kept(room, client, frames):
    *_, url = room
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Un message pour Alice seule")]
    page = client.get(url).text
    assert "Un message pour Alice seule" in page
    assert len(frames) == 1  # the page with the message was rendered whole, not kept
    assert "Un message pour Alice seule" not in client.get(url).text


def test_each_person_sees_their_own_receipt(
    room, app, db, client, make_participant, as_participant
):
    forum, _challenge, ideas, alice, url = room
    bob = make_participant(forum)
    set_phase(forum, "voting")
    db.session.commit()
    set_dots(alice, ideas[0], 1)
    set_dots(bob, ideas[1], 1)
    db.session.commit()
    set_phase(forum, "closed")
    db.session.commit()
    other = as_participant(app.test_client(), bob)
    codes = [
        set(re.findall(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", who.get(url).text))
        for who in (client, other)
    ]
    assert all(len(found) == 1 for found in codes) and codes[0] != codes[1]


def test_a_head_request_leaves_no_frame(room, client, frames):
    """HEAD runs the GET view, but the language links of a page answered to HEAD point home
    (``language_url``): such a page must not become everyone's frame."""
    *_, url = room
    assert client.head(url).status_code == 200
    assert f"{url}?lang=en" in client.get(url).text
