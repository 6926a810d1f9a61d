"""Forged or missing CSRF tokens, wrong types, unknown ids: a 4xx, never a 500, nothing stored."""

import json

import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.models import LedgerEntry
from tests.helpers import STAFF_PASSWORD, csrf_token_from
from tests.test_forums_manage import VALID_FORUM


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
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


@pytest.mark.parametrize(
    "path, get, post",
    [
        ("/f/{slug}/c/abc", 404, 404),  # no route: an id is a number
        ("/f/{slug}/c/99999", 404, 405),  # a page: GET only
        ("/f/{slug}/i/-1", 404, 404),
        ("/f/{slug}/i/99999/dots", 405, 400),  # POST only, and no post passes without its token
        ("/f/nope/c/1", 404, 405),
        ("/j/ZZZZZZ", 404, 400),
        ("/f/{slug}/i/99999999999999999999999", 404, 405),
    ],
)
def test_unknown_ids_are_404_and_a_wrong_method_405(client, proposing_scene, path, get, post):
    forum, _, _ = proposing_scene
    url = path.format(slug=forum.slug)
    assert client.get(url).status_code == get
    assert client.post(url, data={}).status_code == post


@pytest.mark.parametrize("idea", ["99999", "99999999999999999999999"])
def test_dots_on_an_unknown_idea_with_a_real_token_are_404(client, proposing_scene, db, idea):
    forum, challenge, _ = proposing_scene
    challenge.phase = "voting"
    db.session.commit()
    token = csrf_token_from(client.get(f"/f/{forum.slug}/c/{challenge.id}").text)
    response = client.post(
        f"/f/{forum.slug}/i/{idea}/dots", data={"dots": "1", "csrf_token": token}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


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

# Each page with its status for the participant of the scene (who has joined: the join link
# leads them on to the forum).
PAGES = [
    ("/", 200),
    ("/staff/login", 200),
    ("/j/{code}", 303),
    ("/f/{slug}", 200),
    ("/f/{slug}/c/{challenge}", 200),
    ("/f/{slug}/i/{idea}", 200),
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
@pytest.mark.parametrize("page, status", PAGES)
def test_any_query_string_on_a_page_changes_nothing(client, proposing_scene, page, status, query):
    forum, challenge, idea = proposing_scene
    url = page.format(code=forum.join_code, slug=forum.slug, challenge=challenge.id, idea=idea.id)
    response = client.get(f"{url}?{query}")
    assert response.status_code == status, response.text


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


# --- control characters: refused in every form a person types into, nothing stored ----------


def stored_with(db, needle: str) -> list[str]:
    """Every value of every table that holds ``needle`` (a refused text left no trace)."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            for value in row:
                text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
                if isinstance(text, str) and needle in text:
                    found.append(f"{table.name}: {text!r}")
    return found


@pytest.fixture
def typing_scene(make_forum, make_participant, make_idea, make_staff, as_participant, client, db):
    """A proposing forum with two ideas; its organiser and a participant on ``client``."""
    from cite_vote.accounts.services import create_assisted_participant
    from cite_vote.accounts.tickets import generate_tickets

    forum = make_forum(slug="saisie", phase="proposing")
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title="Une idée"), make_idea(challenge, title="Une autre")]
    organiser = make_staff("organiser", forums=[forum], owns=[forum])
    ticket = generate_tickets(forum, 1)[0]
    assisted = create_assisted_participant(forum)
    db.session.commit()
    # The login goes through the real form, with its token (this module checks CSRF).
    page = client.get("/staff/login").text
    response = client.post(
        "/staff/login",
        data={
            "email": organiser.email,
            "password": STAFF_PASSWORD,
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 303, response.text[:300]
    as_participant(client, make_participant(forum))
    return {
        "forum": forum,
        "challenge": challenge,
        "idea": ideas[0],
        "other": ideas[1],
        "ticket": ticket,
        "assisted": assisted,
        "token": csrf_token_from(client.get("/staff/forums/new").text),
    }


def typed_forms(s):
    """(url, fields, the field that carries the text) of each form a person types text into."""
    f, c, i = s["forum"].slug, s["challenge"].id, s["idea"].id
    staff = f"/staff/f/{f}"
    forum_fields = {**VALID_FORUM, "slug": "saisie-2"}
    challenge_fields = {"title": "Nouveau défi", "question": "", "description": ""}
    return {
        "idea title": (f"/f/{f}/c/{c}/ideas", {"title": "Une idée"}, "title"),
        "idea description": (f"/f/{f}/c/{c}/ideas", {"title": "Une idée"}, "description"),
        "comment": (f"/f/{f}/i/{i}/comments", {"body": "Oui"}, "body"),
        "display name": (f"/j/{s['forum'].join_code}", {"display_name": "Ana"}, "display_name"),
        "display name on a ticket": (f"/t/{s['ticket'].code}", {}, "display_name"),
        "staff edit title": (f"{staff}/moderation/i/{i}/edit", {"title": "Idée"}, "title"),
        "staff edit description": (
            f"{staff}/moderation/i/{i}/edit",
            {"title": "Idée"},
            "description",
        ),
        "hide note": (f"{staff}/moderation/i/{i}/hide", {"reason": "other"}, "note"),
        "merge note": (f"{staff}/moderation/i/{i}/merge", {"into": s["other"].id}, "note"),
        "new forum title": ("/staff/forums/new", forum_fields, "title"),
        "new forum description": ("/staff/forums/new", forum_fields, "description"),
        "new forum categories": ("/staff/forums/new", forum_fields, "categories"),
        "forum settings title": (f"{staff}/settings", {**VALID_FORUM, "slug": f}, "title"),
        "new challenge title": (f"{staff}/challenges", challenge_fields, "title"),
        "challenge question": (f"{staff}/challenges/{c}", challenge_fields, "question"),
        "challenge description": (f"{staff}/challenges/{c}", challenge_fields, "description"),
        "assisted name": (f"{staff}/assisted", {"category": ""}, "display_name"),
        "token label": (f"/staff/f/{f}/tokens", {}, "label"),
    }


FORM_NAMES = [
    "idea title",
    "idea description",
    "comment",
    "display name",
    "display name on a ticket",
    "staff edit title",
    "staff edit description",
    "hide note",
    "merge note",
    "new forum title",
    "new forum description",
    "new forum categories",
    "forum settings title",
    "new challenge title",
    "challenge question",
    "challenge description",
    "assisted name",
    "token label",
]
# What each kind of refusal says (fr): a control character, or a line break in one line.
REFUSED = ("caractère invisible", "une seule ligne")


# Each form with one control character; the other kinds (DEL, C1, a bidirectional override)
# in two forms, one field of each kind (tests/test_text.py checks every kind of character).
TYPED_CASES = [(form, "Texte\x01caché") for form in FORM_NAMES] + [
    (form, text)
    for form in ("idea title", "comment")
    for text in ("Texte\x7f", "Texte\x85", "Texte\u202eenvers")
]


@pytest.mark.parametrize("form, text", TYPED_CASES)
def test_every_typed_text_refuses_control_characters_and_stores_nothing(
    app, client, typing_scene, db, form, text
):
    url, fields, field = typed_forms(typing_scene)[form]
    if form == "display name on a ticket":  # a phone not in the forum yet
        client.delete_cookie(app.config["PARTICIPANT_COOKIE_NAME"], domain="cite.test")
    response = client.post(url, data={**fields, field: text, "csrf_token": typing_scene["token"]})
    assert response.status_code == 422, response.text[:500]
    assert any(message in response.text for message in REFUSED), response.text[:2000]
    db.session.expire_all()
    assert stored_with(db, text) == []


ONE_LINE_FIELDS = ["idea title", "display name", "new forum title", "new challenge title"]


@pytest.mark.parametrize("text", ["Une\nidée", "Une\ridée", "Une\u2028idée", "Une\tidée"])
@pytest.mark.parametrize("form", ONE_LINE_FIELDS)
def test_a_one_line_field_refuses_line_breaks_and_tabs(client, typing_scene, db, form, text):
    url, fields, field = typed_forms(typing_scene)[form]
    response = client.post(url, data={**fields, field: text, "csrf_token": typing_scene["token"]})
    assert response.status_code == 422
    assert any(message in response.text for message in REFUSED)
    db.session.expire_all()
    assert stored_with(db, text) == []


def test_a_text_area_keeps_its_line_breaks_and_tabs(client, typing_scene, db):
    url, fields, field = typed_forms(typing_scene)["comment"]
    body = "Première ligne\r\n\tdeuxième ligne"
    response = client.post(url, data={"body": body, "csrf_token": typing_scene["token"]})
    assert response.status_code == 303
    assert db.session.scalar(select(Comment).where(Comment.body == body)) is not None


def test_a_category_is_one_line_even_in_the_text_area(client, typing_scene, db):
    url, fields, field = typed_forms(typing_scene)["new forum categories"]
    data = {
        **fields,
        "categories": "chercheur·e\nasso\tciation",
        "csrf_token": typing_scene["token"],
    }
    response = client.post(url, data=data)
    assert response.status_code == 422 and "caractère invisible" in response.text
    assert stored_with(db, "asso\tciation") == []


def test_a_title_of_invisible_characters_only_is_refused(client, typing_scene, db):
    url, fields, field = typed_forms(typing_scene)["idea title"]
    title = "\u200b\u2060\ufeff"
    response = client.post(url, data={"title": title, "csrf_token": typing_scene["token"]})
    assert response.status_code == 422 and "n’affiche rien" in response.text
    assert stored_with(db, title) == []
