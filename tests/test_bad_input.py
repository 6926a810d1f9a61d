"""Forged or missing CSRF tokens, wrong types, unknown ids: a 4xx, never a 500, nothing stored."""

import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.models import LedgerEntry
from tests.conftest import csrf_token_from


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def counts(db):
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Idea, Comment, LedgerEntry, Participant)
    ]


def posts(forum, challenge, idea):
    return [
        ("/", {"code": forum.join_code}),
        (f"/j/{forum.join_code}", {"display_name": "Ana"}),
        (f"/f/{forum.slug}/c/{challenge.id}/ideas", {"title": "Une idée"}),
        (f"/f/{forum.slug}/i/{idea.id}/comments", {"body": "Oui"}),
        (f"/f/{forum.slug}/i/{idea.id}/dots", {"dots": "1"}),
        ("/staff/login", {"email": "a@b.c", "password": "x"}),
    ]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_form_refuses_a_missing_or_forged_csrf_token(client, proposing_scene, db, token):
    before = counts(db)
    for url, data in posts(*proposing_scene):
        if token:
            data = {**data, "csrf_token": token}
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "Rechargez la page" in response.text
    assert counts(db) == before


def test_htmx_csrf_refusal_is_shown_in_the_message_area(client, proposing_scene):
    forum, challenge, _ = proposing_scene
    response = client.post(
        f"/f/{forum.slug}/c/{challenge.id}/ideas",
        data={"title": "x"},
        headers={"HX-Request": "true", "X-CSRFToken": "forged"},
    )
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"
    assert "<html" not in response.text


def test_a_real_token_from_the_page_is_accepted_in_the_header(client, proposing_scene, db):
    forum, challenge, _ = proposing_scene
    page = client.get(f"/f/{forum.slug}/c/{challenge.id}").text
    response = client.post(
        f"/f/{forum.slug}/c/{challenge.id}/ideas",
        data={"title": "Avec jeton"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token_from(page)},
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Idea).where(Idea.title == "Avec jeton")) is not None


@pytest.mark.parametrize("dots", ["", "abc", "1.5", "-1", "100", "9" * 30])
def test_wrong_dot_values_are_422_without_a_ledger_entry(client, proposing_scene, db, dots):
    forum, challenge, idea = proposing_scene
    challenge.phase = "voting"
    db.session.commit()
    page = client.get(f"/f/{forum.slug}/c/{challenge.id}").text
    token = csrf_token_from(page)
    response = client.post(
        f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": dots, "csrf_token": token}
    )
    assert response.status_code in (409, 422)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/f/{slug}/c/abc",
        "/f/{slug}/c/99999",
        "/f/{slug}/i/-1",
        "/f/{slug}/i/99999/dots",
        "/f/nope/c/1",
        "/j/ZZZZZZ",
        "/f/{slug}/i/99999999999999999999999",
    ],
)
def test_unknown_ids_are_404(client, proposing_scene, path):
    forum, _, _ = proposing_scene
    url = path.format(slug=forum.slug)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data={}).status_code in (400, 404, 405)


def test_oversized_request_is_413(client, proposing_scene):
    forum, challenge, _ = proposing_scene
    response = client.post(
        f"/f/{forum.slug}/c/{challenge.id}/ideas", data={"title": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("field", ["title", "description"])
def test_nul_character_in_a_form_is_400_and_nothing_stored(client, proposing_scene, db, field):
    forum, challenge, _ = proposing_scene
    page = client.get(f"/f/{forum.slug}/c/{challenge.id}").text
    data = {"title": "Une idée", "csrf_token": csrf_token_from(page), field: "avant\x00après"}
    response = client.post(f"/f/{forum.slug}/c/{challenge.id}/ideas", data=data)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 1  # the fixture's


@pytest.mark.parametrize("url", ["/f/%00", "/j/%00", "/?lang=%00", "/staff/login?next=%00"])
def test_nul_character_in_an_address_is_400(client, url):
    assert client.get(url).status_code == 400


def test_nul_character_in_the_login_is_400(client):
    page = client.get("/staff/login").text
    response = client.post(
        "/staff/login",
        data={"email": "a\x00@b.c", "password": "x", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 400


# --- the query string is data, never arguments to the app's own code ---------------------------

PAGES = [
    "/",
    "/staff/login",
    "/j/{code}",
    "/f/{slug}",
    "/f/{slug}/c/{challenge}",
    "/f/{slug}/i/{idea}",
]
HOSTILE_QUERIES = [
    "endpoint=x",
    "_method=POST",
    "_external=1",
    "_scheme=javascript",
    "_anchor=x",
    "values=x",
    "slug=other",
    "challenge_id=abc",
    "idea_id=abc",
    "code=ZZZ",
    "lang=en&lang=fr",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
@pytest.mark.parametrize("page", PAGES)
def test_any_query_string_on_a_page_is_not_a_500(client, proposing_scene, page, query):
    forum, challenge, idea = proposing_scene
    url = page.format(code=forum.join_code, slug=forum.slug, challenge=challenge.id, idea=idea.id)
    response = client.get(f"{url}?{query}")
    assert response.status_code < 500, response.text


def test_the_language_link_keeps_the_page_and_its_query(client, proposing_scene):
    forum, challenge, _ = proposing_scene
    page = client.get(f"/f/{forum.slug}/c/{challenge.id}?challenge_id=abc&x=%C3%A9").text
    assert (
        f'href="/f/{forum.slug}/c/{challenge.id}?challenge_id=abc&amp;x=%C3%A9&amp;lang=en"' in page
    )


def test_the_language_link_cannot_be_pointed_at_another_page(client, proposing_scene):
    forum, challenge, _ = proposing_scene
    page = client.get(f"/f/{forum.slug}/c/{challenge.id}?slug=elsewhere&challenge_id=1").text
    assert 'href="/f/elsewhere' not in page
