"""Every staff page of a forum: who may do what, and a fixed number of queries per page."""

import pytest

from tests.helpers import snapshot
from tests.test_room import joined_minutes_ago


def actions(s):
    """(method, url, data) for each staff action of this area."""
    f, dup, kept = "/staff/f/salle", s["dup"].id, s["kept"].id
    return {
        "control": ("get", f, None),
        "poll": ("get", f + "?v=stale", None),
        "phase": ("post", f + "/phase", {"phase": "closed", "challenge": s["challenge"].id}),
        "moderation": ("get", f + "/moderation", None),
        "idea page": ("get", f"{f}/moderation/i/{dup}", None),
        "hide": ("post", f"{f}/moderation/i/{dup}/hide", {"reason": "duplicate"}),
        "hide comment": ("post", f"{f}/moderation/c/{s['comment'].id}/hide", {}),
        "edit": ("post", f"{f}/moderation/i/{dup}/edit", {"title": "Nouveau", "description": ""}),
        "merge preview": ("get", f"{f}/moderation/i/{dup}/merge?into={kept}", None),
        "merge": ("post", f"{f}/moderation/i/{dup}/merge", {"into": kept}),
        "assisted": ("get", f + "/assisted", None),
        "add assisted": ("post", f + "/assisted", {"display_name": "M. Diallo", "category": ""}),
        "ballot": ("get", f"{f}/assisted/{s['assisted'].id}", None),
        "assisted dots": ("post", f"{f}/assisted/{s['assisted'].id}/i/{kept}/dots", {"dots": 1}),
    }


ACTIONS = (
    list(actions.__code__.co_consts[-1])
    if False
    else [
        "control",
        "poll",
        "phase",
        "moderation",
        "idea page",
        "hide",
        "hide comment",
        "edit",
        "merge preview",
        "merge",
        "assisted",
        "add assisted",
        "ballot",
        "assisted dots",
    ]
)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    "who", ["anonymous", "participant", "facilitator of another forum", "facilitator", "organiser"]
)
def test_authorization_matrix(
    client, scene, staff_login, as_participant, db, who, action, make_participant
):
    if who == "participant":
        as_participant(client, scene["voter"])
    elif who != "anonymous":
        key = {"facilitator of another forum": "stranger"}.get(who, who)
        staff_login(client, scene[key])
    method, url, data = actions(scene)[action]
    before = snapshot(db)
    response = getattr(client, method)(url, data=data)
    db.session.expire_all()
    if who in ("facilitator", "organiser"):
        # A page is shown, a change done leads on to another page.
        assert response.status_code == {"get": 200, "post": 303}[method], response.text[:500]
        if method == "post" and action != "add assisted":
            assert snapshot(db) != before or action == "phase"
        return
    if who == "facilitator of another forum":
        assert response.status_code == 403
    elif method == "get":
        assert response.status_code == 303 and "/staff/login" in response.location
    else:
        assert response.status_code == 403
    assert snapshot(db) == before
    assert scene["challenge"].phase == "voting"


@pytest.mark.parametrize("path", ["", "/moderation"])
def test_staff_pages_run_a_fixed_number_of_queries(
    facilitator, scene, make_idea, make_comment, make_participant, count_queries, db, path
):
    def statements() -> int:
        with count_queries() as counter:
            assert facilitator.get("/staff/f/salle" + path).status_code == 200
        return counter.count

    def grow(n: int) -> None:
        for challenge in scene["forum"].challenges:
            for k in range(n):
                idea = make_idea(challenge, title=f"Idée numéro {k} sur {challenge.title}")
                make_comment(idea, status="pending" if k % 2 else "visible")
            make_participant(scene["forum"])

    grow(2)
    small = statements()
    grow(10)
    assert statements() == small


# --- join bursts on the control page ------------------------------------------------------


def test_a_burst_of_joins_is_pointed_out_on_the_control_page(
    facilitator, scene, make_participant, db
):
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(40)], 0.5)
    page = facilitator.get("/staff/f/salle").text
    assert 'class="room-joins"' in page
    assert "41 arrivées en une minute" in page


def test_a_steady_room_has_no_burst_warning(facilitator, scene, make_participant, db):
    for minutes in range(10):
        joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(5)], minutes + 0.5)
    page = facilitator.get("/staff/f/salle").text
    assert 'class="room-joins"' in page and "arrivées en une minute" not in page
