"""The room's control page and the phases over HTTP (control/forum.py): fragments, polling."""

import re

import pytest

from cite_vote.room import room_state


def test_control_page_shows_counts_and_phases(facilitator, scene):
    page = facilitator.get("/staff/f/salle")
    assert page.status_code == 200 and "<html" in page.text
    assert "Ouvrir le vote" not in page.text  # the first challenge is voting already
    assert "Clore le vote" in page.text and "Revenir à : Propositions d’idées" in page.text
    # two participants (one on a phone, one assisted) with a budget of 5 each
    assert re.search(r'data-count="dots">2</span> / 10', page.text)
    assert 'hx-trigger="every 3s"' in page.text


def test_polling_answers_204_when_nothing_changed(facilitator_htmx, scene, app, db):
    version = room_state(scene["forum"]).version
    response = facilitator_htmx.get(f"/staff/f/salle?v={version}")
    assert response.status_code == 204 and response.text == ""


def test_polling_answers_the_fragment_when_something_changed(
    facilitator_htmx, scene, make_participant, db
):
    version = room_state(scene["forum"]).version
    make_participant(scene["forum"])
    response = facilitator_htmx.get(f"/staff/f/salle?v={version}")
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="room"' in response.text
    new_version = room_state(scene["forum"]).version
    assert f"v={new_version}" in response.text


def test_phase_forward_without_js_redirects_with_a_message(facilitator, scene, db):
    response = facilitator.post(
        "/staff/f/salle/phase", data={"phase": "closed", "challenge": scene["challenge"].id}
    )
    assert response.status_code == 303
    page = facilitator.get(response.location)
    assert "Défi 1 : Clos." in page.text
    db.session.expire_all()
    assert scene["challenge"].phase == "closed"


def test_phase_forward_with_htmx_answers_the_room_fragment(facilitator_htmx, scene, db):
    response = facilitator_htmx.post(
        "/staff/f/salle/phase", data={"phase": "closed", "challenge": scene["challenge"].id}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="room"' in response.text and "Défi 1 : Clos." in response.text
    assert 'id="phase-confirm" hx-swap-oob="true"' in response.text


def test_phase_back_asks_for_confirmation_both_ways(facilitator, facilitator_htmx, scene, db):
    data = {"phase": "proposing", "challenge": scene["challenge"].id}
    page = facilitator.post("/staff/f/salle/phase", data=data)
    assert page.status_code == 200 and "<html" in page.text
    assert "Oui, revenir en arrière" in page.text and 'name="confirm" value="y"' in page.text
    fragment = facilitator_htmx.post("/staff/f/salle/phase", data=data)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.headers["HX-Retarget"] == "#phase-confirm"
    db.session.expire_all()
    assert scene["challenge"].phase == "voting"
    confirmed = facilitator.post("/staff/f/salle/phase", data={**data, "confirm": "y"})
    assert confirmed.status_code == 303
    db.session.expire_all()
    assert scene["challenge"].phase == "proposing"


def test_set_all_challenges_at_once(facilitator, scene, db):
    response = facilitator.post("/staff/f/salle/phase", data={"phase": "closed"})
    assert response.status_code == 303
    db.session.expire_all()
    assert {c.phase for c in scene["forum"].challenges} == {"closed"}
    assert scene["other_forum"].challenges[0].phase == "voting"


@pytest.mark.parametrize(
    "data,status",
    [
        ({"phase": "brainstorm"}, 422),
        ({"phase": "closed", "challenge": "abc"}, 422),
        ({"phase": "closed", "challenge": "99999"}, 404),
        ({"phase": "closed", "challenge": "99999999999999999999"}, 422),
        ({}, 422),
    ],
)
def test_phase_bad_input(facilitator, scene, db, data, status):
    response = facilitator.post("/staff/f/salle/phase", data=data)
    assert response.status_code == status
    db.session.expire_all()
    assert {c.phase for c in scene["forum"].challenges} == {"voting"}


def test_phase_of_another_forums_challenge_is_404(facilitator, scene, db):
    foreign = scene["other_forum"].challenges[0]
    response = facilitator.post(
        "/staff/f/salle/phase", data={"phase": "closed", "challenge": foreign.id}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert foreign.phase == "voting"


def test_unknown_forum_is_404(facilitator):
    assert facilitator.get("/staff/f/nulle-part").status_code == 404


def test_every_phase_change_is_recorded_with_its_time(make_forum, db):
    from sqlalchemy import select

    from cite_vote.forums.models import PhaseChange
    from cite_vote.votes.phases import change_phase, set_phase

    forum = make_forum(challenges=2, phase="draft")
    first, second = forum.challenges
    set_phase(forum, "proposing")
    set_phase(forum, "voting", first)
    set_phase(forum, "voting", first)  # unchanged: nothing recorded
    change_phase(forum, "proposing", first, confirmed=True)
    db.session.commit()
    rows = db.session.execute(
        select(
            PhaseChange.challenge_id, PhaseChange.previous, PhaseChange.phase, PhaseChange.at
        ).order_by(PhaseChange.id)
    ).all()
    assert [r[:3] for r in rows] == [
        (first.id, "draft", "proposing"),
        (second.id, "draft", "proposing"),
        (first.id, "proposing", "voting"),
        (first.id, "voting", "proposing"),
    ]
    assert all(r.at is not None for r in rows)
    assert rows[-1].at == first.phase_changed_at


def test_a_challenge_created_open_records_its_first_phase(make_forum, db):
    from sqlalchemy import select

    from cite_vote.forums.models import PhaseChange

    make_forum(challenges=1, phase="voting")
    assert db.session.execute(select(PhaseChange.previous, PhaseChange.phase)).all() == [
        (None, "voting")
    ]


def test_close_voting_asks_first_as_a_page_without_js(facilitator, scene, db):
    challenge = scene["challenge"]
    page = facilitator.get(f"/staff/f/salle?close={challenge.id}")
    assert page.status_code == 200 and "<html" in page.text
    assert 'role="alertdialog"' in page.text and "Clore le vote ?" in page.text
    assert 'name="confirm" value="y"' in page.text
    db.session.refresh(challenge)
    assert challenge.phase == "voting"  # asking changes nothing


def test_close_voting_asks_first_as_a_fragment_with_htmx(facilitator_htmx, scene, db):
    challenge = scene["challenge"]
    response = facilitator_htmx.get(f"/staff/f/salle?close={challenge.id}")
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="phase-confirm"')
    assert "Oui, clore le vote" in response.text and 'id="room"' not in response.text
    db.session.refresh(challenge)
    assert challenge.phase == "voting"


def test_the_close_button_is_a_question_not_a_post(facilitator, scene):
    page = facilitator.get("/staff/f/salle").text
    form = re.search(r'<form method="get"[^>]*>\s*<input type="hidden" name="close" [^>]*>', page)
    assert form and f'value="{scene["challenge"].id}"' in form.group(0)
    assert "phase-close" in page


def test_close_question_for_a_challenge_not_voting_or_unknown(facilitator, scene, db):
    challenge = scene["challenge"]
    challenge.phase = "closed"
    db.session.commit()
    page = facilitator.get(f"/staff/f/salle?close={challenge.id}")
    assert page.status_code == 200 and 'role="alertdialog"' not in page.text
    assert facilitator.get("/staff/f/salle?close=999999").status_code == 404
    other = scene["other_forum"].challenges[0].id
    assert facilitator.get(f"/staff/f/salle?close={other}").status_code == 404
    page = facilitator.get("/staff/f/salle?close=abc")
    assert page.status_code == 200 and 'role="alertdialog"' not in page.text
