"""The forum page's frame is rendered once and reused, with each person's name, category and
dots left their own, and never shows what is no longer so.

Each test loads the page (the frame goes to the cache), changes one thing the page shows, then
compares the page served from the cache with the same page rendered with the cache emptied.
"""

import pytest

from cite_vote.forums import pages
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
    forum = make_forum(slug="salle", challenges=2, phase="proposing", dot_budget=5)
    forum.idea = make_idea(forum.challenges[0], title="Une idée")
    alice = make_participant(forum, category="association", name="Alice")
    as_participant(client, alice)
    return forum, alice, "/f/salle"


def same_page(client, url: str) -> str:
    page = same_as_fresh(client, url, pages.PAGES)
    assert pages.NAME_MARK not in page and pages.CATEGORY_MARK not in page
    return page


def test_the_second_load_renders_no_frame(room, client, frames):
    *_, url = room
    first = client.get(url).text
    second = client.get(url).text
    assert len(frames) == 1
    assert "Alice" in second and "association" in second
    assert second.replace(csrf_token_from(second), "T") == first.replace(
        csrf_token_from(first), "T"
    )


def test_each_person_sees_their_own_name_and_category_escaped(
    room, app, client, make_participant, as_participant, frames
):
    forum, _alice, url = room
    client.get(url)
    bob = make_participant(forum, category="citoyen·ne", name="<b>Bob</b> & co")
    page = as_participant(app.test_client(), bob).get(url).text
    assert len(frames) == 1  # the same frame: both have a name and a category
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; co" in page and "<b>Bob</b>" not in page
    assert "citoyen·ne" in page and "Alice" not in page and "association" not in page
    nobody = make_participant(forum)
    page = same_page(as_participant(app.test_client(), nobody), url)
    assert 'class="tag"' not in page and "Alice" not in page


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda forum: setattr(forum, "title", "Forum renommé"), "Forum renommé"),
        (lambda forum: setattr(forum, "join_code", "NOUVEAU"), "NOUVEAU"),
        (lambda forum: setattr(forum, "results_public_early", True), "results-link"),
        (lambda forum: setattr(forum, "languages", "fr"), None),
        (lambda forum: setattr(forum.challenges[0], "title", "Défi renommé"), "Défi renommé"),
        (lambda forum: setattr(forum.challenges[0], "question", "Et demain ?"), "Et demain ?"),
        (lambda forum: setattr(forum.challenges[1], "position", 9), "9</span>"),
        (lambda forum: setattr(forum.challenges[1], "phase", "draft"), None),
    ],
)
def test_a_change_of_the_forum_or_its_challenges_shows_at_once(
    room, client, db, frames, change, shown
):
    forum, _alice, url = room
    before = client.get(url).text
    change(forum)
    db.session.commit()
    page = same_page(client, url)
    assert page != before
    if shown:
        assert shown in page


def test_ideas_phases_and_the_person_s_dots_left(room, client, db, make_idea, frames):
    forum, alice, url = room
    client.get(url)
    make_idea(forum.challenges[0], title="Une autre idée")
    assert "2 idées" in same_page(client, url)
    set_phase(forum, "voting", forum.challenges[0])
    db.session.commit()
    assert "5 points restants" in same_page(client, url)
    set_dots(alice, forum.idea, 2)
    db.session.commit()
    assert "3 points restants" in same_page(client, url)
    forum.dot_budget = 8
    db.session.commit()
    assert "6 points restants" in same_page(client, url)
    set_phase(forum, "closed", forum.challenges[0])
    db.session.commit()
    assert "results-link" in same_page(client, url)


def test_the_person_s_name_and_category_come_and_go(room, client, db, frames):
    _forum, alice, url = room
    client.get(url)
    alice.display_name = None
    db.session.commit()
    assert "Alice" not in same_page(client, url)
    alice.category = None
    db.session.commit()
    assert 'class="tag"' not in same_page(client, url)


def test_the_language_and_the_address_asked_for(room, client, frames):
    *_, url = room
    client.get(url)
    client.get("/?lang=en")
    assert '<html lang="en">' in same_page(client, url)
    assert "from=qr" in same_page(client, url + "?from=qr")


def test_a_flashed_message_is_shown_once_and_never_kept(room, client, frames):
    *_, url = room
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Bienvenue, Alice")]
    assert "Bienvenue, Alice" in client.get(url).text
    assert len(frames) == 1
    assert "Bienvenue, Alice" not in client.get(url).text


def test_a_head_request_leaves_no_frame(room, client, frames):
    *_, url = room
    assert client.head(url).status_code == 200
    assert f"{url}?lang=en" in client.get(url).text
