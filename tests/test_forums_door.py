"""The join code stays in the room: a forum's address never hands it out.

The slug is in every link and often guessable (``cite-2018``); the code is what the room gives
(the screen, a ticket). A visit to any address of a forum by someone who is not in it leads to
the forum's door (``/f/<slug>/join``), which asks for the code; only an organiser who chose
"anyone with the link may join" lets the address lead on to the join page by itself, and with
the rotating code on it hands out the code of now, never the fixed one. Guesses at codes are
limited per address.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.forums.join_codes import JOIN_CODE_SECONDS, current_join_code
from cite_vote.timeutil import utcnow

CODE = "QWZ7K9"
DOOR = "/f/salle/join"


@pytest.fixture
def room(make_forum, make_idea, db):
    forum = make_forum(slug="salle", join_code=CODE, challenges=2, phase="voting")
    forum.challenges[1].phase = "closed"
    db.session.commit()
    idea = make_idea(forum.challenges[0], title="Une idée de la salle")
    return {"forum": forum, "challenge": forum.challenges[0], "idea": idea}


def forum_addresses(app, room) -> list[tuple[str, str]]:
    """Every (method, address) of the app under ``/f/<slug>``, its ids those of the room."""
    values = {
        "slug": "salle",
        "challenge_id": str(room["challenge"].id),
        "idea_id": str(room["idea"].id),
    }
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/f/<slug>"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m[1]], rule.rule)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def shown_anywhere(response, *codes: str) -> list[str]:
    """The codes found in the answer: its status line, any header, its body."""
    text = " ".join(
        [response.status, response.text, *(f"{k}: {v}" for k, v in response.headers.items())]
    )
    return [code for code in codes if code in text.upper()]


PARTICIPANT_PAGES = [
    "/f/salle",
    "/f/salle/c/{challenge}",
    "/f/salle/c/{challenge}/phase?seen=voting",
    "/f/salle/c/{challenge}/similar?title=idee",
    "/f/salle/i/{idea}",
    "/f/salle/i/{idea}/card",
    "/f/salle/me",
]


def test_the_room_fixture_covers_every_participant_page(app, room):
    addresses = {path.split("?")[0] for _method, path in forum_addresses(app, room)}
    for address in PARTICIPANT_PAGES:
        path = address.format(challenge=room["challenge"].id, idea=room["idea"].id)
        assert path.split("?")[0] in addresses


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_no_address_of_the_forum_shows_the_code_to_a_stranger(app, room, htmx):
    stranger = app.test_client()
    if htmx:
        stranger.environ_base["HTTP_HX_REQUEST"] = "true"
    addresses = forum_addresses(app, room)
    assert len(addresses) > 20
    for method, path in addresses:
        response = stranger.open(path, method=method, data={"dots": "1", "title": "x"})
        assert response.status_code < 500, (method, path)
        assert shown_anywhere(response, CODE) == [], (method, path, response.status)


@pytest.mark.parametrize("address", PARTICIPANT_PAGES)
def test_a_stranger_on_a_participant_page_is_sent_to_the_door(client, htmx_client, room, address):
    url = address.format(challenge=room["challenge"].id, idea=room["idea"].id)
    plain = client.get(url)
    assert plain.status_code == 303 and plain.location == DOOR
    fragment = htmx_client.get(url)
    assert fragment.status_code == 200 and fragment.headers["HX-Redirect"] == DOOR
    assert fragment.text == ""


def test_a_stranger_from_another_forum_is_sent_to_this_forums_door(
    client, room, make_forum, make_participant, as_participant
):
    as_participant(client, make_participant(make_forum(slug="ailleurs")))
    response = client.get("/f/salle")
    assert response.status_code == 303 and response.location == DOOR


def test_the_door_asks_for_the_code_and_never_shows_it(client, htmx_client, room):
    page = client.get(DOOR)
    assert page.status_code == 200 and "<html" in page.text
    assert "Forum de test" in page.text
    assert 'name="code"' in page.text and f'action="{DOOR}"' in page.text
    assert shown_anywhere(page, CODE) == []
    also = htmx_client.get(DOOR)  # an address: the full page, even asked by htmx
    assert also.status_code == 200 and "<html" in also.text
    assert shown_anywhere(also, CODE) == []


def test_the_door_of_an_unknown_forum_is_404(client):
    assert client.get("/f/nulle-part/join").status_code == 404


def test_the_code_typed_at_the_door_leads_to_the_join_page(client, htmx_client, room):
    response = client.post(DOOR, data={"code": " qwz-7k9 "})
    assert response.status_code == 303 and response.location == f"/j/{CODE}"
    response = htmx_client.post(DOOR, data={"code": CODE})
    assert response.headers["HX-Redirect"] == f"/j/{CODE}"


def test_a_wrong_code_at_the_door_says_so_and_stays_at_the_door(client, htmx_client, room):
    page = client.post(DOOR, data={"code": "NOPE99"})
    assert page.status_code == 422 and "Aucun forum n’a ce code" in page.text
    assert "<html" in page.text and shown_anywhere(page, CODE) == []
    fragment = htmx_client.post(DOOR, data={"code": ""})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="door-form"' in fragment.text


def test_a_participant_keeps_their_pages_and_the_door_sends_them_in(
    client, room, make_participant, as_participant
):
    as_participant(client, make_participant(room["forum"]))
    for address in PARTICIPANT_PAGES[:2] + PARTICIPANT_PAGES[4:5] + PARTICIPANT_PAGES[6:]:
        url = address.format(challenge=room["challenge"].id, idea=room["idea"].id)
        assert client.get(url).status_code == 200, url
    response = client.get(DOOR)
    assert response.status_code == 303 and response.location == "/f/salle"
    # Their own link to change their name still works (the fixed code, in their page).
    assert client.get(f"/j/{CODE}?edit=1").status_code == 200


def test_a_ticket_forums_door_says_to_scan_the_ticket(client, make_forum):
    make_forum(slug="billets", join_code=CODE, tickets_required=True, open_link=True)
    page = client.get("/f/billets")
    assert page.location == "/f/billets/join"
    door = client.get("/f/billets/join")
    assert door.status_code == 200 and "ticket imprimé" in door.text
    assert shown_anywhere(door, CODE) == []


# --- "anyone with the link may join", the organiser's choice ----------------------------------


def test_a_new_forum_asks_for_the_code(make_forum):
    assert make_forum().open_link is False


def test_with_the_open_link_the_address_leads_on_to_the_join_page(client, make_forum, db):
    make_forum(slug="ouvert", join_code=CODE, open_link=True)
    response = client.get("/f/ouvert")
    assert response.status_code == 303 and response.location == "/f/ouvert/join"
    onward = client.get(response.location)
    assert onward.status_code == 303 and onward.location == f"/j/{CODE}"
    joined = client.post(onward.location, data={"display_name": "Ana"})
    assert joined.status_code == 303 and joined.location == "/f/ouvert"
    assert client.get("/f/ouvert").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_with_the_open_link_and_rotation_the_address_hands_out_the_code_of_now(client, make_forum):
    forum = make_forum(slug="tournant", join_code=CODE, open_link=True, join_code_rotates=True)
    response = client.get("/f/tournant/join")
    now = current_join_code(forum)
    assert response.status_code == 303 and response.location == f"/j/{now}"
    assert shown_anywhere(response, CODE) == []
    assert client.get(response.location).status_code == 200  # newcomers are let in with it


def test_with_rotation_and_no_open_link_the_address_hands_out_no_code(client, make_forum):
    forum = make_forum(slug="tournant", join_code=CODE, join_code_rotates=True)
    codes = [
        CODE,
        current_join_code(forum),
        current_join_code(forum, utcnow() - timedelta(seconds=JOIN_CODE_SECONDS)),
    ]
    for url in ("/f/tournant", "/f/tournant/join"):
        response = client.get(url)
        assert shown_anywhere(response, *codes) == []


def test_the_organiser_opens_the_link_in_the_settings_and_is_told_the_risk(
    client, make_forum, make_staff, staff_login, db
):
    from tests.test_forums_manage import settings_of

    forum = make_forum(slug="mon-forum")
    staff_login(client, make_staff("organiser", owns=[forum]))
    page = client.get("/staff/f/mon-forum/settings").text
    assert 'name="open_link"' in page and "checked" not in page.split('name="open_link"')[1][:40]
    assert "n’importe qui" in page  # the help text says who may then join
    response = client.post("/staff/f/mon-forum/settings", data=settings_of(forum, open_link="y"))
    assert response.status_code == 303
    db.session.expire_all()
    assert forum.open_link is True
    client.post("/staff/f/mon-forum/settings", data=settings_of(forum))
    db.session.expire_all()
    assert forum.open_link is False


# --- guesses at codes, limited per address -----------------------------------------------------

LIMITED = {"RATELIMIT_ENABLED": True}
GUESSER = {"REMOTE_ADDR": "203.0.113.7"}


def without_csrf_token(page: str) -> str:
    return re.sub(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+', r"\1TOKEN", page)


def guess(client, n: int, method: str = "GET"):
    code = f"ZZ{n:04d}".translate(str.maketrans("01", "AB"))
    if method == "GET":
        return client.get(f"/j/{code}", environ_base=GUESSER)
    return client.post(f"/j/{code}", data={}, environ_base=GUESSER)


@pytest.mark.parametrize("app_config", [LIMITED])
def test_guessing_codes_is_stopped_with_a_message(app, room, app_config):
    from cite_vote.limits import WRONG_CODES_PER_MINUTE

    guesser = app.test_client()
    statuses = [guess(guesser, n).status_code for n in range(WRONG_CODES_PER_MINUTE)]
    assert statuses == [404] * WRONG_CODES_PER_MINUTE
    stopped = guess(guesser, WRONG_CODES_PER_MINUTE)
    assert stopped.status_code == 429
    assert "Trop de codes erronés" in stopped.text
    # The right code is refused as well: the limit tells nothing about which guess was right.
    right = guesser.get(f"/j/{CODE}", environ_base=GUESSER)
    wrong = guesser.get("/j/ZZZZZZ", environ_base=GUESSER)
    assert right.status_code == 429
    # The same page but for the address asked for, and the CSRF token (signed with the second).
    assert without_csrf_token(right.text.replace(CODE, "ZZZZZZ")) == without_csrf_token(wrong.text)
    # Another address is not held back.
    assert app.test_client().get(f"/j/{CODE}").status_code == 200


@pytest.mark.parametrize("app_config", [LIMITED])
def test_every_way_of_typing_a_code_counts_the_same_guesses(app, room, app_config):
    from cite_vote.limits import WRONG_CODES_PER_MINUTE

    guesser = app.test_client()
    # Each way with the status of its wrong code: an address that is no forum's is a 404, a
    # code typed into a form that does not open a forum a 422.
    ways = [
        (lambda n: guess(guesser, n, "POST"), 404),
        (lambda n: guesser.post("/", data={"code": f"ZY{n:04d}"}, environ_base=GUESSER), 422),
        (lambda n: guesser.post(DOOR, data={"code": f"ZX{n:04d}"}, environ_base=GUESSER), 422),
    ]
    for n in range(WRONG_CODES_PER_MINUTE):
        way, status = ways[n % 3]
        assert way(n).status_code == status
    htmx = {"HX-Request": "true"}
    for way in (
        lambda: guesser.get("/j/ZZZZZZ", environ_base=GUESSER),
        lambda: guesser.post("/", data={"code": CODE}, environ_base=GUESSER, headers=htmx),
        lambda: guesser.post(DOOR, data={"code": CODE}, environ_base=GUESSER),
    ):
        stopped = way()
        assert stopped.status_code == 429 and "Trop de codes erronés" in stopped.text
        assert shown_anywhere(stopped, CODE) == []


@pytest.mark.parametrize("app_config", [LIMITED])
def test_the_room_joining_with_the_right_code_is_not_counted_as_guesses(app, room, app_config):
    from cite_vote.limits import WRONG_CODES_PER_MINUTE

    for _ in range(WRONG_CODES_PER_MINUTE + 5):
        phone = app.test_client()
        assert phone.get(f"/j/{CODE}", environ_base=GUESSER).status_code == 200
        assert phone.post("/", data={"code": CODE}, environ_base=GUESSER).status_code == 303


@pytest.mark.parametrize("app_config", [LIMITED])
def test_a_phone_in_the_forum_is_not_held_back_by_guesses_from_its_address(
    app, room, make_participant, as_participant, app_config
):
    from cite_vote.limits import WRONG_CODES_PER_MINUTE

    guesser = app.test_client()
    for n in range(WRONG_CODES_PER_MINUTE + 1):
        guess(guesser, n)
    inside = as_participant(app.test_client(), make_participant(room["forum"]))
    assert inside.get(f"/j/{CODE}?edit=1", environ_base=GUESSER).status_code == 200
    assert inside.get("/f/salle", environ_base=GUESSER).status_code == 200
