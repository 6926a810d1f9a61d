"""The vote routes: the card as the server has it, asked for after a timeout or a reconnect."""

from __future__ import annotations


def test_card_for_htmx_is_the_card_fragment_with_the_saved_dots_and_the_counter(
    htmx_client, make_forum, make_participant, make_idea, as_participant, cast_dots
):
    forum = make_forum(slug="carte", phase="voting", dot_budget=5, dot_cap=3)
    idea = make_idea(forum.challenges[0], title="Un jardin")
    participant = make_participant(forum)
    cast_dots(participant, idea, 2)
    as_participant(htmx_client, participant)

    response = htmx_client.get(f"/f/carte/i/{idea.id}/card")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert f'id="idea-{idea.id}"' in html
    assert 'data-dots="2"' in html
    assert 'id="dots-left"' in html and 'hx-swap-oob="true"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_card_without_htmx_is_a_redirect_to_the_card_on_its_page(
    client, make_forum, make_participant, make_idea, as_participant
):
    forum = make_forum(slug="carte", phase="voting")
    idea = make_idea(forum.challenges[0])
    as_participant(client, make_participant(forum))

    response = client.get(f"/f/carte/i/{idea.id}/card")
    assert response.status_code == 303
    assert response.location.endswith(f"/f/carte/c/{forum.challenges[0].id}#idea-{idea.id}")

    response = client.get(f"/f/carte/i/{idea.id}/card?back=idea")
    assert response.status_code == 303
    assert response.location.endswith(f"/f/carte/i/{idea.id}")

    page = client.get(f"/f/carte/i/{idea.id}/card", follow_redirects=True)
    assert "<html" in page.get_data(as_text=True)


def test_card_of_a_draft_challenge_is_not_found(
    htmx_client, make_forum, make_participant, make_idea, as_participant
):
    forum = make_forum(slug="carte", phase="draft")
    idea = make_idea(forum.challenges[0])
    as_participant(htmx_client, make_participant(forum))
    assert htmx_client.get(f"/f/carte/i/{idea.id}/card").status_code == 404


def test_card_without_a_participant_cookie_sends_to_the_join_page(client, make_forum, make_idea):
    forum = make_forum(slug="carte", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = client.get(f"/f/carte/i/{idea.id}/card")
    assert response.status_code in (302, 303)
    assert f"/j/{forum.join_code}" in response.location
