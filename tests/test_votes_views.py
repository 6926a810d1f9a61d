"""Placing dots over HTTP: what a vote answers and what it costs; the card as the server has
it, asked for after a timeout or a reconnect."""

from __future__ import annotations

import pytest

from tests.helpers import csrf_token_from


@pytest.fixture
def booth(make_forum, make_participant, make_idea, as_participant, client, htmx_client, db):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    person = make_participant(forum, category="association")
    as_participant(htmx_client, person)
    as_participant(client, person)
    csrf = csrf_token_from(client.get(f"/f/{forum.slug}/c/{challenge.id}").text)
    return forum, [idea.id for idea in ideas], csrf


def vote(htmx_client, forum, idea_id: int, dots: int, csrf: str):
    return htmx_client.post(
        f"/f/{forum.slug}/i/{idea_id}/dots",
        data={"dots": dots, "back": "challenge"},
        headers={"X-CSRFToken": csrf},
    )


def test_a_vote_answers_the_card_and_the_dots_left_out_of_band(htmx_client, booth):
    forum, ideas, csrf = booth
    response = vote(htmx_client, forum, ideas[1], 2, csrf)
    assert response.status_code == 200 and "<html" not in response.text
    card, dots_left = response.text.split('<p id="dots-left"')
    assert card.lstrip().startswith(f'<li id="idea-{ideas[1]}" class="idea supported"')
    assert 'data-dots="2"' in card and "Idée 1" in card
    assert 'hx-swap-oob="true"' in dots_left and 'data-left="3"' in dots_left


@pytest.mark.parametrize("dots", [[1], [1, 2], [2, 0]], ids=["first", "more", "back to 0"])
def test_a_vote_runs_at_most_eight_statements(htmx_client, booth, count_queries, dots):
    """The forum, person and idea in one; the lock, the rule reads and the writes; one for
    the card's comment count. Reading the objects again after the commit is not needed."""
    forum, ideas, csrf = booth
    for target in dots[:-1]:
        assert vote(htmx_client, forum, ideas[0], target, csrf).status_code == 200
    with count_queries() as queries:
        response = vote(htmx_client, forum, ideas[0], dots[-1], csrf)
    assert response.status_code == 200
    assert f'data-dots="{dots[-1]}"' in response.text
    assert queries.count <= 8, "\n".join(queries.statements)


@pytest.mark.parametrize("dots", [[1], [1, 2], [2, 0]], ids=["first", "more", "back to 0"])
def test_a_vote_takes_six_round_trips_on_postgresql(
    htmx_client, booth, count_queries, count_round_trips, dots
):
    """On PostgreSQL a vote is the pool's check, which is the BEGIN (extensions.
    ping_with_begin), four statements and COMMIT: the forum, person and idea in one read; the
    challenge's shared hold and the ballot's lock in one upsert (votes.services.lock_ballot: the
    hold was a FOR SHARE of its own before, on the challenge row every vote of the room
    rewrote); the rule read under that lock; then the ballot, the vote, the ledger and the
    forum's version (its slot: forums.versions) in one statement (votes.services.move_dots).
    11 round trips at first, 9 with the writes as four statements of their own."""
    forum, ideas, csrf = booth
    for target in dots[:-1]:
        assert vote(htmx_client, forum, ideas[0], target, csrf).status_code == 200
    vote(htmx_client, forum, ideas[1], 1, csrf)  # the pool holds a used connection
    with count_queries() as queries, count_round_trips() as trips:
        response = vote(htmx_client, forum, ideas[0], dots[-1], csrf)
    assert response.status_code == 200
    assert f'data-dots="{dots[-1]}"' in response.text
    assert queries.count <= 4, "\n".join(queries.statements)
    assert trips.count <= 6, trips.sent
    assert "FOR SHARE" not in trips.sent and "FOR UPDATE" not in trips.sent


def test_a_vote_loads_no_orm_object(htmx_client, booth, db):
    """A phone's vote reads plain values (votes.target), not model instances: loading the
    forum, the person, the idea and its challenge as ORM objects cost more than the writes
    (5.2 ms a vote in-process before, 2.5 ms after: docs/performance.md)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Mapper

    forum, ideas, csrf = booth
    assert vote(htmx_client, forum, ideas[0], 1, csrf).status_code == 200
    loaded = []

    def on_load(target, _context):
        loaded.append(type(target).__name__)

    event.listen(Mapper, "load", on_load)
    try:
        response = vote(htmx_client, forum, ideas[1], 2, csrf)
        refused = vote(htmx_client, forum, ideas[2], 3, csrf)  # 1 + 2 + 3 > the budget of 5
    finally:
        event.remove(Mapper, "load", on_load)
    assert response.status_code == 200 and 'data-dots="2"' in response.text
    assert refused.status_code == 409 and "data-left" in refused.text
    assert loaded == []


def test_a_vote_for_an_idea_of_another_forum_is_404(htmx_client, booth, make_forum, make_idea):
    forum, _ideas, csrf = booth
    other = make_idea(make_forum(phase="voting").challenges[0])
    assert vote(htmx_client, forum, other.id, 1, csrf).status_code == 404


def test_a_vote_without_the_cookie_goes_to_the_door(app, htmx_client, booth):
    forum, ideas, csrf = booth
    htmx_client.delete_cookie(app.config["PARTICIPANT_COOKIE_NAME"], domain="cite.test")
    response = vote(htmx_client, forum, ideas[0], 1, csrf)
    assert response.headers["HX-Redirect"] == f"/f/{forum.slug}/join"
    assert forum.join_code not in response.text


def test_a_vote_in_an_unknown_forum_is_404(htmx_client, booth):
    _forum, ideas, csrf = booth
    response = htmx_client.post(
        f"/f/nowhere/i/{ideas[0]}/dots", data={"dots": 1}, headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 404


# --- the card as the server has it ----------------------------------------------------------


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


def test_card_without_a_participant_cookie_sends_to_the_door(client, make_forum, make_idea):
    forum = make_forum(slug="carte", phase="voting")
    idea = make_idea(forum.challenges[0])
    response = client.get(f"/f/carte/i/{idea.id}/card")
    assert response.status_code == 303
    assert response.location == "/f/carte/join"
    assert forum.join_code not in response.text


def test_the_vote_s_card_counts_the_visible_comments_only(htmx_client, booth, make_comment, db):
    from cite_vote.ideas.models import Idea

    forum, ideas, csrf = booth
    idea = db.session.get(Idea, ideas[2])
    make_comment(idea, body="Oui")
    make_comment(idea, body="Non")
    make_comment(idea, body="Caché", status="hidden")
    response = vote(htmx_client, forum, ideas[2], 1, csrf)
    assert "2 commentaires" in response.text
    assert "0 commentaire" in vote(htmx_client, forum, ideas[1], 1, csrf).text
