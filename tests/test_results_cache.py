"""The results page's rankings are rendered once per forum version, never stale."""

import re

import pytest

from cite_vote.ideas.moderation import edit_idea
from cite_vote.results import views
from cite_vote.votes.services import set_dots


def without_token(page) -> str:
    """The page without its CSRF token (signed with the second it was made)."""
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page.text)


@pytest.fixture
def results(facilitator, scene):
    views.RANKINGS.clear()
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
