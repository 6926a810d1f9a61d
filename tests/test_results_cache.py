"""The results page's rankings are rendered once per forum version, never stale."""

import re

import pytest

from cite_vote import page_caches
from cite_vote.ideas.moderation import edit_idea
from cite_vote.votes.services import set_dots
from tests.conftest import same_page as same_as_fresh


def without_token(page) -> str:
    """The page without its CSRF token (signed with the second it was made)."""
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page.text)


@pytest.fixture
def results(facilitator, scene):
    page_caches.RESULTS_RANKINGS.clear()
    return "/f/salle/results"


def test_the_second_load_reads_no_ranking(facilitator, results, count_queries):
    with count_queries() as first:
        page = facilitator.get(results)
    with count_queries() as second:
        again = facilitator.get(results)
    assert page.status_code == again.status_code == 200
    assert without_token(again) == without_token(page)
    assert second.count <= first.count - 4, "\n".join(second.statements)


def test_a_vote_shows_at_the_next_load(facilitator, results, scene, db):
    assert "2 points placés" in facilitator.get(results).text
    set_dots(scene["voter"], scene["kept"], 1)
    db.session.commit()
    assert "3 points placés" in facilitator.get(results).text


def test_an_edited_idea_shows_at_the_next_load(facilitator, results, scene, db):
    facilitator.get(results)
    edit_idea(scene["kept"], "Un titre tout neuf", None)
    db.session.commit()
    assert "Un titre tout neuf" in facilitator.get(results).text


def test_the_language_is_part_of_the_key(facilitator, results):
    assert "points placés" in facilitator.get(results).text
    assert "dots placed" in facilitator.get(results + "?lang=en").text
    assert "points placés" in facilitator.get(results + "?lang=fr").text


def test_the_view_options_are_part_of_the_key(facilitator, results):
    whole = without_token(facilitator.get(results))
    shortlist = without_token(facilitator.get(results + "?scope=shortlist"))
    assert whole != shortlist
    assert without_token(facilitator.get(results)) == whole


# The whole page around the rankings is rendered once too (page_caches.RESULTS_PAGES): after
# each change the page served must equal the page rendered with both caches emptied.


def same_page(client, url: str) -> str:
    return same_as_fresh(client, url, page_caches.RESULTS_PAGES, page_caches.RESULTS_RANKINGS)


def test_the_second_load_renders_no_page(facilitator, results, rendered_into):
    rendered = rendered_into(page_caches.RESULTS_PAGES)
    facilitator.get(results)
    same = facilitator.get(results)
    assert same.status_code == 200 and len(rendered) == 1


@pytest.mark.parametrize(
    "change, shown",
    [
        (lambda forum: setattr(forum, "title", "Forum renommé"), "Forum renommé"),
        (lambda forum: setattr(forum, "shortlist_size", 7), "7 premières"),
        (lambda forum: setattr(forum, "languages", "fr"), None),
        (lambda forum: setattr(forum.challenges[0], "title", "Défi renommé"), "Défi renommé"),
    ],
)
def test_a_change_of_the_forum_shows_at_the_next_load(
    facilitator, results, scene, db, change, shown
):
    before = facilitator.get(results).text
    change(scene["forum"])
    db.session.commit()
    page = same_page(facilitator, results)
    assert page != before
    if shown:
        assert shown in page


def test_each_role_sees_its_own_panels(client, app, results, scene, staff_login):
    staff_login(client, scene["facilitator"])
    facilitator = same_page(client, results)
    organiser = app.test_client()
    staff_login(organiser, scene["organiser"])
    page = same_page(organiser, results)
    assert 'id="downloads"' in page
    assert 'id="downloads"' not in facilitator
    assert 'id="downloads"' not in client.get(results).text


def test_the_address_and_a_flashed_message(facilitator, results):
    facilitator.get(results)
    assert "order=cross" in same_page(facilitator, results + "?order=cross")
    with facilitator.session_transaction() as session:
        session["_flashes"] = [("info", "Un message")]
    assert "Un message" in facilitator.get(results).text
    assert "Un message" not in facilitator.get(results).text


def test_a_head_request_leaves_no_page(facilitator, results):
    assert facilitator.head(results).status_code == 200
    assert f"{results}?lang=en" in facilitator.get(results).text
