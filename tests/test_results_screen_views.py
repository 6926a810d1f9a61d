"""The projection screen over HTTP: who may see it, its secret link, its polling, its staff page."""

from __future__ import annotations

import re
from contextlib import contextmanager

import flask
import pytest
from jinja2_fragments import flask as fragments

from cite_vote.extensions import db as _db
from cite_vote.forums.models import Forum
from cite_vote.results.screen.services import regenerate_screen_token
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots


def version_in(html: str) -> str:
    match = re.search(r'data-version="([0-9a-f]+)"', html)
    assert match, "no version token in the screen"
    return match.group(1)


@contextmanager
def templates_rendered(app):
    """Every template or block rendered while inside, by Flask or jinja2-fragments."""
    seen: list[str] = []

    def record(_sender, **extra):
        seen.append(extra.get("template_name") or getattr(extra.get("template"), "name", "?"))

    signals = [
        flask.before_render_template,
        fragments.before_render_template_block,
        fragments.before_render_template_blocks,
    ]
    for signal in signals:
        signal.connect(record, app)
    try:
        yield seen
    finally:
        for signal in signals:
            signal.disconnect(record, app)


# --- who sees the screen --------------------------------------------------------------------------


def test_staff_of_the_forum_see_the_whole_screen(client, screen_scene, staff_login):
    forum, _ideas, _p, facilitator = screen_scene
    staff_login(client, facilitator)
    response = client.get(f"/f/{forum.slug}/screen")
    assert response.status_code == 200
    html = response.text
    assert "<html" in html and 'id="screen-live"' in html
    assert forum.join_code in html and 'class="qr"' in html
    assert f"http://cite.test/j/{forum.join_code}" not in html  # the URL is in the QR, not text
    assert "Un observatoire des métiers" in html and "Comment pourrions-nous 1 ?" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_owner_organiser_sees_the_screen(client, screen_scene, make_staff, staff_login):
    forum = screen_scene[0]
    staff_login(client, make_staff("organiser", owns=[forum]))
    assert client.get(f"/f/{forum.slug}/screen").status_code == 200


@pytest.mark.parametrize("path", ["/f/salle/screen", "/f/salle/screen/live"])
def test_a_participant_or_anonymous_is_sent_to_the_staff_login(
    client, screen_scene, as_participant, path
):
    _forum, _ideas, participant, _f = screen_scene
    assert client.get(path).status_code == 303
    as_participant(client, participant)
    response = client.get(path)
    assert response.status_code == 303 and "/staff/login" in response.headers["Location"]


def test_a_participant_poll_is_refused_not_redirected(htmx_client, screen_scene, as_participant):
    as_participant(htmx_client, screen_scene[2])
    response = htmx_client.get("/f/salle/screen/live?v=x")
    assert response.status_code == 403 and "<html" not in response.text


def test_a_facilitator_of_another_forum_is_refused(
    client, screen_scene, make_forum, make_staff, staff_login
):
    other = make_forum()
    staff_login(client, make_staff("facilitator", forums=[other]))
    assert client.get("/f/salle/screen").status_code == 403
    assert client.get("/staff/f/salle/screen").status_code == 403


def test_the_secret_link_opens_the_screen_without_login(client, screen_scene, db):
    forum = screen_scene[0]
    token = regenerate_screen_token(forum)
    db.session.commit()
    response = client.get(f"/s/{token}")
    assert response.status_code == 200 and forum.join_code in response.text
    assert f"/s/{token}/live?v=" in response.text


def test_the_secret_link_is_read_only(client, screen_scene, db):
    token = regenerate_screen_token(screen_scene[0])
    db.session.commit()
    html = client.get(f"/s/{token}").text
    assert "<form" not in html and "hx-post" not in html
    assert client.post(f"/s/{token}").status_code == 405
    # It is not a staff login either.
    assert client.get("/staff/f/salle/screen").status_code == 303


def test_the_old_link_is_refused_after_regeneration(client, htmx_client, screen_scene, db):
    forum = screen_scene[0]
    old = regenerate_screen_token(forum)
    new = regenerate_screen_token(forum)
    db.session.commit()
    assert client.get(f"/s/{old}").status_code == 404
    poll = htmx_client.get(f"/s/{old}/live?v=x")
    assert poll.status_code == 404 and poll.headers["HX-Retarget"] == "#messages"
    assert "lien" in poll.text
    assert client.get(f"/s/{new}").status_code == 200


def test_an_unknown_or_absurd_link_is_404(client, screen_scene):
    assert client.get("/s/nope").status_code == 404
    assert client.get("/s/" + "x" * 300).status_code == 404


# --- polling ------------------------------------------------------------------------------------


@pytest.fixture
def screen_link(screen_scene, db):
    token = regenerate_screen_token(screen_scene[0])
    db.session.commit()
    return token


def test_an_unchanged_poll_is_204_and_renders_nothing(
    app, client, htmx_client, screen_scene, screen_link, count_queries
):
    version = version_in(client.get(f"/s/{screen_link}").text)
    with templates_rendered(app) as rendered, count_queries() as queries:
        response = htmx_client.get(f"/s/{screen_link}/live?v={version}")
    assert response.status_code == 204 and response.data == b""
    assert rendered == []
    assert queries.count <= 2  # the forum with the token's aggregates, then its challenges


def test_a_poll_after_a_vote_gets_the_live_block_with_a_new_version(
    app, client, htmx_client, screen_scene, screen_link
):
    forum, ideas, participant, _f = screen_scene
    version = version_in(client.get(f"/s/{screen_link}").text)
    set_dots(participant, ideas[1], 2)
    _db.session.commit()
    with templates_rendered(app) as rendered:
        response = htmx_client.get(f"/s/{screen_link}/live?v={version}")
    assert response.status_code == 200 and rendered
    fragment = response.text
    assert "<html" not in fragment
    # Nothing around the section: stray text nodes would pile up at each outerHTML swap.
    assert fragment.startswith('<section id="screen-live"') and fragment.endswith("</section>")
    assert version_in(fragment) != version
    assert f"/s/{screen_link}/live?v={version_in(fragment)}" in fragment
    # Live mode: the voted idea now leads, with its dots.
    assert fragment.index("Des binômes") < fragment.index("Un observatoire")
    # The next poll with the new version is quiet again.
    assert htmx_client.get(f"/s/{screen_link}/live?v={version_in(fragment)}").status_code == 204


def test_the_live_url_in_the_address_bar_gives_the_whole_page(client, screen_scene, screen_link):
    response = client.get(f"/s/{screen_link}/live?v=old")
    assert (
        response.status_code == 200 and "<html" in response.text and 'class="qr"' in response.text
    )


HX = {"HX-Request": "true"}


def test_staff_poll_works_and_is_quiet_when_unchanged(client, screen_scene, staff_login):
    forum, _ideas, _p, facilitator = screen_scene
    staff_login(client, facilitator)
    fragment = client.get(f"/f/{forum.slug}/screen/live?v=none", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    version = version_in(fragment.text)
    assert client.get(f"/f/{forum.slug}/screen/live?v={version}", headers=HX).status_code == 204


def test_a_poll_after_the_staff_session_ends_is_refused_not_redirected(
    client, screen_scene, staff_login
):
    staff_login(client, screen_scene[3])
    assert client.get("/f/salle/screen/live?v=x", headers=HX).status_code == 200
    client.post("/staff/logout")
    response = client.get("/f/salle/screen/live?v=x", headers=HX)
    assert response.status_code == 403 and "<html" not in response.text


def test_blind_mode_shows_no_dots_and_no_rank_on_the_screen(client, screen_scene, screen_link, db):
    forum, ideas, participant, _f = screen_scene
    forum.projection_mode = "blind"
    set_dots(participant, ideas[0], 3)
    db.session.commit()
    html = client.get(f"/s/{screen_link}").text
    assert "idea-rank" not in html and "idea-dots" not in html
    # Alphabetical: "Des binômes" before "Un observatoire", though the latter has the dots.
    assert html.index("Des binômes") < html.index("Un observatoire")
    set_phase(forum, "closed")
    db.session.commit()
    html = client.get(f"/s/{screen_link}").text
    assert "idea-rank" in html and html.index("Un observatoire") < html.index("Des binômes")


def test_the_screen_shows_the_countdown(client, screen_scene, screen_link, staff_login):
    staff_login(client, screen_scene[3])
    client.post("/staff/f/salle/screen/timer", data={"minutes": 5})
    html = client.get(f"/s/{screen_link}").text
    assert 'data-remaining="300"' in html or 'data-remaining="299"' in html


# --- the staff page -----------------------------------------------------------------------------


@pytest.fixture
def staff(client, screen_scene, staff_login):
    staff_login(client, screen_scene[3])
    return client


def test_the_staff_page_opens_for_the_forum_s_facilitator(staff, screen_scene):
    response = staff.get("/staff/f/salle/screen")
    assert response.status_code == 200 and "<html" in response.text
    assert "/f/salle/screen" in response.text and "Projection" in response.text


def test_the_staff_page_refuses_a_participant(client, screen_scene, as_participant):
    as_participant(client, screen_scene[2])
    assert client.get("/staff/f/salle/screen").status_code == 303
    assert client.post("/staff/f/salle/screen/link").status_code == 403


def test_a_new_link_is_shown_once_after_regeneration(staff, screen_scene):
    response = staff.post("/staff/f/salle/screen/link")
    assert response.status_code == 303
    page = staff.get("/staff/f/salle/screen").text
    link = re.search(r'value="(http://cite\.test/s/[^"]+)"', page)
    assert link, "the new link is shown"
    assert _db.session.get(Forum, screen_scene[0].id).screen_token_hash
    assert link.group(1) not in staff.get("/staff/f/salle/screen").text
    assert staff.get(link.group(1).removeprefix("http://cite.test")).status_code == 200


def test_regenerating_with_htmx_answers_the_link_panel(staff, screen_scene):
    staff.environ_base["HTTP_HX_REQUEST"] = "true"
    response = staff.post("/staff/f/salle/screen/link")
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="screen-link"' in response.text and "http://cite.test/s/" in response.text


def test_disabling_the_link_refuses_it(staff, screen_scene):
    staff.post("/staff/f/salle/screen/link")
    link = re.search(
        r'value="http://cite\.test(/s/[^"]+)"', staff.get("/staff/f/salle/screen").text
    )
    assert staff.post("/staff/f/salle/screen/link/off").status_code == 303
    assert staff.get(link.group(1)).status_code == 404


def test_staying_on_a_challenge_then_rotating_again(staff, screen_scene):
    forum = screen_scene[0]
    second = forum.challenges[1].id
    response = staff.post(
        "/staff/f/salle/screen/display", data={"mode": "stay", "challenge": second}
    )
    assert response.status_code == 303
    stored = _db.session.get(Forum, forum.id)
    _db.session.refresh(stored)
    assert not stored.screen_rotate
    assert [c.on_screen for c in stored.challenges] == [False, True]
    staff.environ_base["HTTP_HX_REQUEST"] = "true"
    fragment = staff.post("/staff/f/salle/screen/display", data={"mode": "rotate"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="screen-display"' in fragment.text
    _db.session.refresh(stored)
    for challenge in stored.challenges:
        _db.session.refresh(challenge)
    assert stored.screen_rotate and not any(c.on_screen for c in stored.challenges)


@pytest.mark.parametrize(
    "data",
    [{"mode": "stay"}, {"mode": "stay", "challenge": "999"}, {"mode": "sideways"}, {}],
)
def test_a_bad_display_choice_is_422(staff, screen_scene, data):
    response = staff.post("/staff/f/salle/screen/display", data=data)
    assert response.status_code == 422


def test_a_challenge_not_open_yet_is_not_offered(staff, screen_scene, db):
    forum = screen_scene[0]
    set_phase(forum, "draft", forum.challenges[1])
    db.session.commit()
    draft_id = forum.challenges[1].id
    response = staff.post(
        "/staff/f/salle/screen/display", data={"mode": "stay", "challenge": draft_id}
    )
    assert response.status_code == 422


def test_starting_and_stopping_the_countdown(staff, screen_scene):
    forum = screen_scene[0]
    assert staff.post("/staff/f/salle/screen/timer", data={"minutes": 10}).status_code == 303
    stored = _db.session.get(Forum, forum.id)
    _db.session.refresh(stored)
    assert stored.timer_ends_at is not None
    assert "Compte à rebours" in staff.get("/staff/f/salle/screen").text
    staff.environ_base["HTTP_HX_REQUEST"] = "true"
    stop = staff.post("/staff/f/salle/screen/timer/stop")
    assert stop.status_code == 200 and "<html" not in stop.text and 'id="screen-timer"' in stop.text
    _db.session.refresh(stored)
    assert stored.timer_ends_at is None


@pytest.mark.parametrize("minutes", ["0", "181", "abc", ""])
def test_a_bad_countdown_is_422_and_changes_nothing(staff, screen_scene, minutes):
    response = staff.post("/staff/f/salle/screen/timer", data={"minutes": minutes})
    assert response.status_code == 422
    stored = _db.session.get(Forum, screen_scene[0].id)
    _db.session.refresh(stored)
    assert stored.timer_ends_at is None


# --- the staged reveal ----------------------------------------------------------------------------


@pytest.fixture
def blind_closing(screen_scene, db):
    """Blind mode, the first challenge voting with dots on the observatory."""
    forum, ideas, participant, _f = screen_scene
    forum.projection_mode = "blind"
    set_dots(participant, ideas[0], 3)
    db.session.commit()
    return screen_scene


def reveal(client, challenge_id, action, **data):
    return client.post(
        "/staff/f/salle/screen/reveal", data={"challenge": challenge_id, "action": action, **data}
    )


def test_the_facilitator_reveals_the_ranking_step_by_step_without_js(
    staff, blind_closing, screen_link, client, db
):
    forum, ideas, *_ = blind_closing
    challenge = forum.challenges[0]
    assert "Dévoiler pas à pas" in staff.get("/staff/f/salle/screen").text
    assert reveal(staff, challenge.id, "stage").status_code == 303
    set_phase(forum, "closed", challenge)
    db.session.commit()
    screen = client.get(f"/s/{screen_link}").text
    assert "Un observatoire" not in screen and "Des binômes" not in screen
    assert screen.count("is-hidden") == 2
    version = version_in(screen)
    assert reveal(staff, challenge.id, "next").status_code == 303
    poll = client.get(f"/s/{screen_link}/live?v={version}", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Des binômes" in poll.text
    assert "Un observatoire" not in poll.text
    assert version_in(poll.text) != version
    reveal(staff, challenge.id, "next")
    screen = client.get(f"/s/{screen_link}").text
    assert screen.index("Un observatoire") < screen.index("Des binômes")
    assert "is-hidden" not in screen
    page = staff.get("/staff/f/salle/screen").text
    assert "2 sur 2" in page


def test_the_reveal_panel_answers_its_fragment_with_htmx(staff, blind_closing, db):
    forum, *_ = blind_closing
    challenge = forum.challenges[0]
    staff.environ_base["HTTP_HX_REQUEST"] = "true"
    response = reveal(staff, challenge.id, "stage")
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="screen-reveal"' in response.text
    response = reveal(staff, challenge.id, "auto", seconds=10)
    assert response.status_code == 200 and "toutes les 10 secondes" in response.text


@pytest.mark.parametrize(
    "data, status",
    [
        ({"action": "explode"}, 422),
        ({"action": "auto", "seconds": "1"}, 422),
        ({"action": "auto", "seconds": "abc"}, 422),
        ({"action": "next"}, 409),  # not staged
        ({"challenge": "99999", "action": "stage"}, 404),
        ({"challenge": "", "action": "stage"}, 422),
    ],
)
def test_bad_reveal_requests_are_refused_and_change_nothing(staff, blind_closing, data, status):
    forum, *_ = blind_closing
    challenge = forum.challenges[0]
    response = staff.post("/staff/f/salle/screen/reveal", data={"challenge": challenge.id, **data})
    assert response.status_code == status
    from cite_vote.forums.models import Challenge

    stored = _db.session.get(Challenge, challenge.id)
    _db.session.refresh(stored)
    assert stored.reveal_shown is None


def test_a_live_mode_forum_is_not_offered_a_staged_reveal(staff, screen_scene):
    page = staff.get("/staff/f/salle/screen").text
    assert "Dévoiler pas à pas" not in page
    response = reveal(staff, screen_scene[0].challenges[0].id, "stage")
    assert response.status_code == 409 and "mode aveugle" in response.text


def test_the_screen_prints_the_chain_head_once_the_ranking_is_revealed(
    staff, blind_closing, screen_link, client, db
):
    from cite_vote.votes.chain import chain_head

    forum, *_ = blind_closing
    challenge = forum.challenges[0]
    reveal(staff, challenge.id, "stage")
    set_phase(forum, "closed", challenge)
    db.session.commit()
    head = chain_head(challenge).record_hash
    assert head not in client.get(f"/s/{screen_link}").text  # nothing revealed yet
    reveal(staff, challenge.id, "next")
    assert head not in client.get(f"/s/{screen_link}").text  # one row still hidden
    reveal(staff, challenge.id, "next")
    screen = client.get(f"/s/{screen_link}").text
    assert "Sceau des résultats" in screen
    assert head in screen
