"""A phone whose participant cookie is gone is sent to the forum's join page, never shown a form
fragment in place of the card it was acting on."""

from sqlalchemy import func, select

from cite_vote.votes.models import Vote


def test_lost_cookie_on_a_plain_vote_is_a_303_to_the_join_page(client, make_forum, make_idea, db):
    forum = make_forum(slug="sans-cookie", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": "1"})
    assert response.status_code == 303
    assert response.location.endswith(f"/j/{forum.join_code}")
    assert "HX-Redirect" not in response.headers
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_lost_cookie_on_an_htmx_vote_tells_htmx_to_go_to_the_join_page(
    htmx_client, make_forum, make_idea, db
):
    forum = make_forum(slug="sans-cookie", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = htmx_client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": "1"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith(f"/j/{forum.join_code}")
    assert response.text == ""  # nothing to swap into the idea card
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_lost_cookie_on_an_htmx_page_load_is_also_an_hx_redirect(
    htmx_client, make_forum, make_idea
):
    forum = make_forum(slug="sans-cookie", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = htmx_client.get(f"/f/{forum.slug}/i/{idea.id}")
    assert response.status_code == 200 and "<form" not in response.text
    assert response.headers["HX-Redirect"].endswith(f"/j/{forum.join_code}")
