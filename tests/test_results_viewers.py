"""results/viewers.py: who is asking for a forum's results (staff of the forum, a read-only
token, a participant) and what each may see; anyone else is refused."""

from __future__ import annotations

import pytest
from flask import g
from werkzeug.exceptions import HTTPException

from cite_vote.refusals import NotAllowed
from cite_vote.results.services import create_read_token, revoke_read_token
from cite_vote.results.viewers import (
    BadToken,
    Viewer,
    organiser_viewer,
    results_viewer,
    token_viewer,
)


@pytest.fixture
def room(make_forum, make_participant, make_staff, db):
    forum = make_forum(slug="salle", challenges=4)
    draft, proposing, voting, closed = forum.challenges
    draft.phase, proposing.phase, voting.phase, closed.phase = (
        "draft",
        "proposing",
        "voting",
        "closed",
    )
    other = make_forum(slug="ailleurs")
    people = {
        "participant": make_participant(forum),
        "stranger": make_participant(other),
        "organiser": make_staff("organiser", owns=[forum]),
        "facilitator": make_staff("facilitator", forums=[forum]),
        "other organiser": make_staff("organiser", owns=[other]),
    }
    db.session.commit()
    return forum, other, people


def asking(app, *, staff=None, participant=None, bearer=None, method="GET"):
    """A request from staff (as logged in), a phone with a participant's cookie, or a bearer."""
    headers = {}
    if participant is not None:
        headers["Cookie"] = f"{app.config['PARTICIPANT_COOKIE_NAME']}={participant.token}"
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    context = app.test_request_context("/f/salle/results", method=method, headers=headers)
    context.push()
    g.staff = staff
    return context


@pytest.mark.parametrize("who", ["organiser", "facilitator"])
def test_staff_of_the_forum_see_every_challenge_but_archived_ones(app, room, db, who):
    forum, _, people = room
    context = asking(app, staff=people[who])
    try:
        viewer = results_viewer(forum)
    finally:
        context.pop()
    assert viewer.staff.id == people[who].id and viewer.participant is None
    assert viewer.sees_everything
    assert viewer.is_organiser is (who == "organiser")
    assert [viewer.may_see(forum, c) for c in forum.challenges] == [True, True, True, True]
    forum.challenges[3].archived = True
    assert viewer.may_see(forum, forum.challenges[3]) is False


def test_a_participant_sees_closed_challenges_only(app, room, db):
    forum, _, people = room
    context = asking(app, participant=people["participant"])
    try:
        viewer = results_viewer(forum)
    finally:
        context.pop()
    assert viewer.participant.id == people["participant"].id
    assert not viewer.sees_everything and not viewer.is_organiser
    assert [viewer.may_see(forum, c) for c in forum.challenges] == [False, False, False, True]
    forum.results_public_early = True  # then every challenge open to participants
    assert [viewer.may_see(forum, c) for c in forum.challenges] == [False, True, True, True]
    forum.challenges[3].archived = True
    assert viewer.may_see(forum, forum.challenges[3]) is False


@pytest.mark.parametrize("who", ["nobody", "stranger", "other organiser"])
def test_anyone_else_is_refused_with_a_403_that_says_to_join(app, room, who):
    forum, _, people = room
    person = people.get(who)
    staff = person if who == "other organiser" else None
    participant = person if who == "stranger" else None
    context = asking(app, staff=staff, participant=participant)
    try:
        with pytest.raises(NotAllowed) as refused:
            results_viewer(forum)
    finally:
        context.pop()
    assert refused.value.status == 403
    assert "rejoignez-le d’abord" in str(refused.value.message)  # French by default


def test_a_live_token_sees_everything_as_an_organiser_and_only_when_allowed(app, room, db):
    forum, _, people = room
    _token, clear = create_read_token(forum, "mairie", people["organiser"])
    db.session.commit()
    context = asking(app, bearer=clear)
    try:
        assert token_viewer(forum).token.forum_id == forum.id
        viewer = results_viewer(forum, allow_token=True)
        with pytest.raises(NotAllowed):
            results_viewer(forum)  # a page that takes no token ignores the header
    finally:
        context.pop()
    assert viewer.token is not None and viewer.staff is None
    assert viewer.sees_everything and viewer.is_organiser
    assert viewer.may_see(forum, forum.challenges[0])


def test_no_bearer_header_is_no_token_viewer(app, room):
    forum, _, _ = room
    with app.test_request_context("/", headers={"Authorization": "Basic abc"}):
        assert token_viewer(forum) is None


def test_a_bad_revoked_or_foreign_token_is_a_401(app, room, db):
    forum, other, people = room
    revoked, revoked_clear = create_read_token(forum, "ancien", people["organiser"])
    revoke_read_token(forum, revoked.id)
    _, foreign = create_read_token(other, "ailleurs", people["other organiser"])
    db.session.commit()
    for bearer in ("nonsense", revoked_clear, foreign):
        context = asking(app, bearer=bearer, participant=people["participant"])
        try:
            with pytest.raises(BadToken) as refused:
                results_viewer(forum, allow_token=True)
        finally:
            context.pop()
        assert refused.value.status == 401, bearer


def test_downloads_take_an_organiser_of_the_forum_or_a_token(app, room, db):
    forum, _, people = room
    _token, clear = create_read_token(forum, "mairie", people["organiser"])
    db.session.commit()
    context = asking(app, staff=people["organiser"])
    try:
        assert organiser_viewer(forum) == Viewer(staff=people["organiser"])
    finally:
        context.pop()
    context = asking(app, bearer=clear)
    try:
        assert organiser_viewer(forum).token is not None
    finally:
        context.pop()


@pytest.mark.parametrize(
    "who, method, status",
    [
        ("facilitator", "GET", 403),
        ("other organiser", "GET", 403),
        ("participant", "POST", 403),
        ("nobody", "GET", 303),  # to the login page
    ],
)
def test_downloads_refuse_everyone_else(app, room, who, method, status):
    forum, _, people = room
    person = people.get(who)
    staff = person if who in ("facilitator", "other organiser") else None
    participant = person if who == "participant" else None
    context = asking(app, staff=staff, participant=participant, method=method)
    try:
        with pytest.raises(HTTPException) as refused:
            organiser_viewer(forum)
    finally:
        context.pop()
    assert refused.value.get_response().status_code == status
