"""A phone whose participant cookie is gone is sent to the forum's door (which asks for the code,
never hands it out), never shown a form fragment in place of the card it was acting on."""

from sqlalchemy import func, select

from cite_vote.votes.models import Vote


def test_lost_cookie_on_a_plain_vote_is_a_303_to_the_door(client, make_forum, make_idea, db):
    forum = make_forum(slug="sans-cookie", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": "1"})
    assert response.status_code == 303
    assert response.location == "/f/sans-cookie/join"
    assert forum.join_code not in response.text
    assert "HX-Redirect" not in response.headers
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_lost_cookie_on_an_htmx_vote_tells_htmx_to_go_to_the_door(
    htmx_client, make_forum, make_idea, db
):
    forum = make_forum(slug="sans-cookie", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = htmx_client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": "1"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/f/sans-cookie/join"
    assert response.text == ""  # nothing to swap into the idea card
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_lost_cookie_on_an_htmx_page_load_is_also_an_hx_redirect(
    htmx_client, make_forum, make_idea
):
    forum = make_forum(slug="sans-cookie", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = htmx_client.get(f"/f/{forum.slug}/i/{idea.id}")
    assert response.status_code == 200 and "<form" not in response.text
    assert response.headers["HX-Redirect"] == "/f/sans-cookie/join"
