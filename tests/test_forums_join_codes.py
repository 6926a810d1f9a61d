"""Join codes: unambiguous, typed any way; and the code that changes every few minutes on the
screen, so that only the room can join.

An open forum's fixed code can be passed around (or scripted) long after it was on the screen;
with rotation on, newcomers need the code shown now (or the one just before), while people
already in the forum keep their cookie and their links.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.forums.join_codes import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_SECONDS,
    current_join_code,
    forum_by_join_code,
    new_join_code,
    normalise_code,
)
from cite_vote.timeutil import utcnow


def test_join_codes_avoid_ambiguous_characters(app):
    for _ in range(50):
        code = new_join_code()
        assert len(code) == 6
        assert not set(code) & set("O0I1L")
        assert set(code) <= set(JOIN_CODE_ALPHABET)


def test_join_code_is_found_whatever_the_case_and_spacing(make_forum):
    forum = make_forum(join_code="ABC234")
    assert normalise_code(" abc-234 ") == "ABC234"
    assert forum_by_join_code("abc 234") == forum
    assert forum_by_join_code("") is None
    assert forum_by_join_code("ZZZZZZ") is None


@pytest.fixture
def rotating(make_forum, db):
    forum = make_forum(slug="salle", join_code_rotates=True)
    return forum


def participants(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Participant))


def test_the_code_shown_now_lets_a_newcomer_join(client, rotating, db):
    code = current_join_code(rotating)
    assert code != rotating.join_code
    assert client.get(f"/j/{code}").status_code == 200
    response = client.post(f"/j/{code}", data={"display_name": "Ana"})
    assert response.status_code == 303 and response.location == "/f/salle"
    assert participants(db) == 1


def test_the_join_form_posts_back_to_the_code_it_was_opened_with(client, rotating):
    code = current_join_code(rotating)
    page = client.get(f"/j/{code}").text
    assert f'action="/j/{code}"' in page


def test_the_fixed_code_no_longer_lets_a_newcomer_in(client, rotating, db):
    page = client.get(f"/j/{rotating.join_code}")
    assert page.status_code == 403 and "change toutes les quelques minutes" in page.text
    response = client.post(f"/j/{rotating.join_code}", data={"display_name": "Ana"})
    assert response.status_code == 403 and participants(db) == 0


def test_the_previous_code_still_works_for_a_while(client, rotating, db):
    earlier = current_join_code(rotating, utcnow() - timedelta(seconds=JOIN_CODE_SECONDS))
    assert client.post(f"/j/{earlier}", data={}).status_code == 303


def test_an_older_code_is_unknown(client, rotating, db):
    old = current_join_code(rotating, utcnow() - timedelta(seconds=3 * JOIN_CODE_SECONDS))
    assert forum_by_join_code(old) is None
    assert client.post(f"/j/{old}", data={}).status_code == 404
    assert participants(db) == 0


def test_the_code_changes_with_the_window_and_the_forum(make_forum, rotating):
    now = utcnow()
    later = now + timedelta(seconds=JOIN_CODE_SECONDS)
    assert current_join_code(rotating, now) != current_join_code(rotating, later)
    other = make_forum(join_code_rotates=True)
    assert current_join_code(rotating, now) != current_join_code(other, now)


def test_the_home_form_finds_the_forum_by_the_code_shown_now(client, rotating):
    code = current_join_code(rotating)
    response = client.post("/", data={"code": code.lower()})
    assert response.status_code == 303 and response.location == f"/j/{code}"


def test_a_participant_already_in_keeps_the_fixed_link(
    client, rotating, make_participant, as_participant
):
    as_participant(client, make_participant(rotating))
    assert client.get(f"/j/{rotating.join_code}?edit=1").status_code == 200
    response = client.post(f"/j/{rotating.join_code}", data={"display_name": "Bea", "category": ""})
    assert response.status_code == 303


def test_a_forum_without_rotation_keeps_its_fixed_code(client, make_forum, db):
    forum = make_forum()
    assert current_join_code(forum) == forum.join_code
    assert client.post(f"/j/{forum.join_code}", data={}).status_code == 303


def test_the_screen_and_the_control_page_show_the_code_of_now(
    client, rotating, make_staff, staff_login, monkeypatch
):
    from cite_vote.results.screen import views as screen

    encoded = []
    monkeypatch.setattr(screen, "join_qr", lambda url, *a, **k: encoded.append(url) or "")
    staff_login(client, make_staff("facilitator", forums=[rotating]))
    code = current_join_code(rotating)
    page = client.get("/f/salle/screen").text
    assert code in page and rotating.join_code not in page
    assert encoded == [f"http://cite.test/j/{code}"]
    control = client.get("/staff/f/salle").text
    assert code in control


def test_the_screen_swaps_in_the_new_code_when_it_changes(
    client, rotating, make_staff, staff_login
):
    staff_login(client, make_staff("facilitator", forums=[rotating]))
    live = client.get("/f/salle/screen/live", headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert 'id="screen-join"' in live.text and 'hx-swap-oob="true"' in live.text
    assert current_join_code(rotating) in live.text


def test_the_organiser_turns_rotation_on_in_the_settings(
    client, make_forum, make_staff, staff_login, db
):
    from tests.test_forums_manage import settings_of

    forum = make_forum(slug="mon-forum")
    staff_login(client, make_staff("organiser", owns=[forum]))
    page = client.get("/staff/f/mon-forum/settings").text
    assert 'name="join_code_rotates"' in page
    response = client.post(
        "/staff/f/mon-forum/settings", data=settings_of(forum, join_code_rotates="y")
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert forum.join_code_rotates is True


def test_the_staff_pages_say_the_fixed_code_only_serves_people_already_in(
    client, rotating, make_staff, staff_login
):
    staff_login(client, make_staff("organiser", owns=[rotating]))
    note = "les nouveaux venus tapent le code affiché à l’écran"
    assert note in client.get("/staff/").text
    assert note in client.get("/staff/f/salle/settings").text


def test_the_screen_version_changes_when_the_code_does(make_forum):
    from cite_vote.results.screen.services import version_token

    forum = make_forum(join_code_rotates=True, screen_rotate=False)
    now = utcnow()
    later = now + timedelta(seconds=JOIN_CODE_SECONDS)
    assert version_token(forum, now) != version_token(forum, later)
