"""Facilitator pages over HTTP: who may do what, bad input, fragments, polling, notices."""

import re

import pytest
from sqlalchemy import event, func, select

from cite_vote.accounts.services import create_assisted_participant
from cite_vote.forums.room import room_state
from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.models import LedgerEntry, Notice, Vote
from cite_vote.votes.services import ledger_differences, set_dots
from tests.conftest import STAFF_PASSWORD


@pytest.fixture
def scene(make_forum, make_participant, make_idea, make_comment, make_staff, db):
    forum = make_forum(slug="salle", phase="voting", dot_budget=5, dot_cap=3)
    other_forum = make_forum(slug="ailleurs", phase="voting")
    challenge = forum.challenges[0]
    voter = make_participant(forum, category="citoyen·ne")
    dup = make_idea(challenge, title="Créer un tiers-lieu pour les jeunes")
    kept = make_idea(challenge, title="tiers lieux jeunes : en créer un")
    comment = make_comment(dup, body="Bonne idée")
    set_dots(voter, dup, 2)
    assisted = create_assisted_participant(forum, display_name="Mme Martin")
    db.session.commit()
    return {
        "forum": forum,
        "other_forum": other_forum,
        "challenge": challenge,
        "voter": voter,
        "dup": dup,
        "kept": kept,
        "comment": comment,
        "assisted": assisted,
        "facilitator": make_staff("facilitator", forums=[forum]),
        "organiser": make_staff("organiser", owns=[forum]),
        "stranger": make_staff("facilitator", forums=[other_forum]),
    }


def actions(s):
    """(method, url, data) for each staff action of this area."""
    f, dup, kept = "/staff/f/salle", s["dup"].id, s["kept"].id
    return {
        "control": ("get", f, None),
        "poll": ("get", f + "?v=stale", None),
        "phase": ("post", f + "/phase", {"phase": "closed", "challenge": s["challenge"].id}),
        "moderation": ("get", f + "/moderation", None),
        "idea page": ("get", f"{f}/moderation/i/{dup}", None),
        "hide": ("post", f"{f}/moderation/i/{dup}/hide", {}),
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


def snapshot(db):
    """Everything a staff action could change."""
    return (
        db.session.scalar(select(func.count()).select_from(LedgerEntry)),
        tuple(db.session.scalars(select(Idea.status).order_by(Idea.id))),
        tuple(db.session.scalars(select(Idea.title).order_by(Idea.id))),
        tuple(db.session.scalars(select(Comment.status).order_by(Comment.id))),
        db.session.scalar(select(func.count()).select_from(Notice)),
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
        assert response.status_code in (200, 303), response.text[:500]
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


# --- control page and phases ---------------------------------------------------------------------


@pytest.fixture
def facilitator(client, scene, staff_login):
    staff_login(client, scene["facilitator"])
    return client


@pytest.fixture
def facilitator_htmx(htmx_client, scene):
    """Logged in through the real form; with htmx the login answers HX-Redirect, not 303."""
    response = htmx_client.post(
        "/staff/login", data={"email": scene["facilitator"].email, "password": STAFF_PASSWORD}
    )
    assert response.headers.get("HX-Redirect"), response.text
    return htmx_client


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


# --- moderation ----------------------------------------------------------------------------------


def test_moderation_page_lists_duplicates_with_a_merge_link(facilitator, scene):
    page = facilitator.get("/staff/f/salle/moderation")
    assert page.status_code == 200
    assert "Doublons probables" in page.text
    dup, kept = scene["dup"].id, scene["kept"].id
    assert f"/staff/f/salle/moderation/i/{kept}/merge?into={dup}" in page.text
    assert "ne les lui redonne pas" in page.text  # restoring does not give dots back


def test_hide_with_htmx_answers_the_row_and_refunds(facilitator_htmx, scene, db):
    idea = scene["dup"]
    response = facilitator_htmx.post(f"/staff/f/salle/moderation/i/{idea.id}/hide")
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="mod-idea-{idea.id}"' in response.text and "2 points rendus" in response.text
    assert db.session.scalar(select(func.sum(Vote.dots))) == 0
    assert ledger_differences([scene["challenge"].id]) == []


def test_hide_without_js_redirects(facilitator, scene, db):
    response = facilitator.post(f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide")
    assert response.status_code == 303 and response.location.endswith("/moderation")
    db.session.expire_all()
    assert scene["dup"].status == "hidden"


def test_hide_twice_is_409_with_a_message(facilitator, facilitator_htmx, scene):
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide"
    facilitator.post(url)
    page = facilitator.post(url)
    assert page.status_code == 409 and "<html" in page.text and "déjà masquée" in page.text
    fragment = facilitator_htmx.post(url)
    assert fragment.status_code == 409 and "<html" not in fragment.text


def test_hide_on_a_closed_challenge_is_refused(facilitator, scene, db):
    scene["challenge"].phase = "closed"
    db.session.commit()
    response = facilitator.post(f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide")
    assert response.status_code == 409 and "figés" in response.text
    db.session.expire_all()
    assert scene["dup"].status == "visible"
    assert db.session.scalar(select(func.sum(Vote.dots))) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/moderation/i/99999/hide",
        "/moderation/i/{foreign}/hide",
        "/moderation/i/{dup}/explode",
        "/moderation/c/99999/hide",
        "/moderation/c/{foreign_comment}/hide",
        "/moderation/i/{foreign}",
        "/moderation/i/{foreign}/edit",
        "/assisted/99999",
        "/assisted/{voter}",
    ],
)
def test_unknown_or_foreign_ids_are_404(facilitator, scene, make_idea, make_comment, db, path):
    foreign = make_idea(scene["other_forum"].challenges[0], title="Ailleurs")
    foreign_comment = make_comment(foreign)
    before = snapshot(db)
    url = "/staff/f/salle" + path.format(
        foreign=foreign.id,
        dup=scene["dup"].id,
        foreign_comment=foreign_comment.id,
        voter=scene["voter"].id,
    )
    method = facilitator.get if path.startswith("/assisted") or path.count("/") == 3 else None
    response = (method or facilitator.post)(url, data={"title": "x"})
    assert response.status_code == 404
    db.session.expire_all()
    assert snapshot(db) == before


def test_pending_idea_is_approved_with_htmx(facilitator_htmx, scene, make_idea, db):
    waiting = make_idea(scene["challenge"], title="En attente", status="pending")
    response = facilitator_htmx.post(f"/staff/f/salle/moderation/i/{waiting.id}/approve")
    assert response.status_code == 200 and "<html" not in response.text
    assert "Publiée" in response.text
    db.session.expire_all()
    assert waiting.status == "visible"


def test_comment_actions_both_ways(facilitator, facilitator_htmx, scene, db):
    url = f"/staff/f/salle/moderation/c/{scene['comment'].id}"
    fragment = facilitator_htmx.post(url + "/hide")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="mod-comment-{scene["comment"].id}"' in fragment.text
    page = facilitator.post(url + "/restore")
    assert page.status_code == 303
    db.session.expire_all()
    assert scene["comment"].status == "visible"


def test_edit_keeps_the_original_both_ways(facilitator, facilitator_htmx, scene, db):
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/edit"
    assert facilitator.post(url, data={"title": "Titre corrigé"}).status_code == 303
    fragment = facilitator_htmx.post(url, data={"title": "Corrigé deux fois"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Formulation d’origine" in fragment.text and "Créer un tiers-lieu" in fragment.text
    db.session.expire_all()
    assert scene["dup"].title == "Corrigé deux fois"
    assert scene["dup"].original_title == "Créer un tiers-lieu pour les jeunes"


@pytest.mark.parametrize(
    "data", [{"title": "x" * 121}, {"title": ""}, {"title": "ok", "description": "x" * 1001}]
)
def test_edit_bad_input_is_422_and_nothing_stored(facilitator, facilitator_htmx, scene, db, data):
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/edit"
    page = facilitator.post(url, data=data)
    assert page.status_code == 422 and "<html" in page.text
    fragment = facilitator_htmx.post(url, data=data)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    db.session.expire_all()
    assert scene["dup"].title == "Créer un tiers-lieu pour les jeunes"
    assert scene["dup"].original_title is None


def test_merge_preview_then_merge(facilitator, scene, make_comment, db):
    dup, kept = scene["dup"], scene["kept"]
    preview = facilitator.get(f"/staff/f/salle/moderation/i/{dup.id}/merge?into={kept.id}")
    assert preview.status_code == 200
    assert "1 personne a des points sur le doublon." in preview.text
    assert "2 points passent sur l’idée conservée." in preview.text
    response = facilitator.post(
        f"/staff/f/salle/moderation/i/{dup.id}/merge", data={"into": kept.id}
    )
    assert response.status_code == 303
    page = facilitator.get(response.location)
    assert f"Idée n° {dup.id} fusionnée avec l’idée n° {kept.id}." in page.text
    db.session.expire_all()
    assert dup.status == "merged" and dup.merged_into_id == kept.id
    assert scene["comment"].idea_id == kept.id
    assert ledger_differences([scene["challenge"].id]) == []


@pytest.mark.parametrize(
    "into,status",
    [
        ("{dup}", 409),
        ("{other_challenge}", 409),
        ("{foreign}", 404),
        ("99999", 404),
        ("abc", 422),
        ("", 422),
        ("-3", 422),
    ],
)
def test_merge_bad_input(facilitator, scene, make_idea, db, into, status):
    other_challenge = make_idea(scene["forum"].challenges[1], title="Autre défi")
    foreign = make_idea(scene["other_forum"].challenges[0], title="Ailleurs")
    target = into.format(
        dup=scene["dup"].id, other_challenge=other_challenge.id, foreign=foreign.id
    )
    before = snapshot(db)
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/merge"
    assert facilitator.get(url, query_string={"into": target}).status_code == status
    assert facilitator.post(url, data={"into": target}).status_code == status
    db.session.expire_all()
    assert snapshot(db) == before


def test_merge_on_a_closed_challenge_is_refused(facilitator, scene, db):
    scene["challenge"].phase = "closed"
    db.session.commit()
    before = snapshot(db)
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/merge"
    response = facilitator.post(url, data={"into": scene["kept"].id})
    assert response.status_code == 409 and "figés" in response.text
    db.session.expire_all()
    assert snapshot(db) == before


# --- notices on the participant's phone ----------------------------------------------------------


def test_participant_sees_the_merge_notice_once(
    client, facilitator, scene, as_participant, app, db
):
    dup, kept = scene["dup"], scene["kept"]
    facilitator.post(f"/staff/f/salle/moderation/i/{dup.id}/merge", data={"into": kept.id})
    phone = app.test_client()
    as_participant(phone, scene["voter"])
    first = phone.get("/f/salle")
    assert f"2 points déplacés de l’idée n° {dup.id} vers la n° {kept.id}" in first.text
    second = phone.get("/f/salle")
    assert "déplacés" not in second.text


def test_notice_is_not_consumed_by_an_htmx_request(facilitator, scene, as_participant, app, db):
    facilitator.post(f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide")
    phone = app.test_client()
    as_participant(phone, scene["voter"])
    phone.get(f"/f/salle/c/{scene['challenge'].id}/similar?title=x", headers={"HX-Request": "true"})
    assert "2 points rendus" in phone.get("/f/salle").text


# --- assisted voting -----------------------------------------------------------------------------


def test_assisted_participant_created_then_dots_placed_both_ways(
    facilitator, facilitator_htmx, scene, db
):
    response = facilitator.post(
        "/staff/f/salle/assisted", data={"display_name": "M. Diallo", "category": "association"}
    )
    assert response.status_code == 303
    pid = int(response.location.rsplit("/", 1)[1])
    url = f"/staff/f/salle/assisted/{pid}/i/{scene['kept'].id}/dots"
    assert facilitator.post(url, data={"dots": 1}).status_code == 303
    fragment = facilitator_htmx.post(url, data={"dots": 2})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="assisted-idea-{scene["kept"].id}"' in fragment.text
    assert 'hx-swap-oob="true"' in fragment.text and 'data-left="3"' in fragment.text
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.participant_id == pid)).all()
    assert [e.delta for e in entries] == [1, 1]
    assert all(e.assisted and e.staff_id == scene["facilitator"].id for e in entries)
    page = facilitator.get(f"/staff/f/salle/assisted/{pid}")
    assert "<html" in page.text and "M. Diallo" in page.text


@pytest.mark.parametrize(
    "data,status", [({"dots": "x"}, 422), ({"dots": 4}, 409), ({}, 422), ({"dots": -1}, 422)]
)
def test_assisted_dots_bad_input(facilitator, scene, db, data, status):
    url = f"/staff/f/salle/assisted/{scene['assisted'].id}/i/{scene['kept'].id}/dots"
    before = snapshot(db)
    assert facilitator.post(url, data=data).status_code == status
    assert snapshot(db) == before


def test_assisted_dots_on_another_forums_idea_is_404(facilitator, scene, make_idea, db):
    foreign = make_idea(scene["other_forum"].challenges[0], title="Ailleurs")
    url = f"/staff/f/salle/assisted/{scene['assisted'].id}/i/{foreign.id}/dots"
    assert facilitator.post(url, data={"dots": 1}).status_code == 404


@pytest.mark.parametrize("data", [{"display_name": "x" * 81}, {"category": "martien"}])
def test_assisted_participant_bad_input_both_ways(facilitator, facilitator_htmx, db, data):
    page = facilitator.post("/staff/f/salle/assisted", data=data)
    assert page.status_code == 422 and "<html" in page.text
    fragment = facilitator_htmx.post("/staff/f/salle/assisted", data=data)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="assisted-form"' in fragment.text


# --- participant side: similar ideas, phase watch ------------------------------------------------


@pytest.fixture
def phone(client, scene, as_participant, db):
    scene["challenge"].phase = "proposing"
    db.session.commit()
    return as_participant(client, scene["voter"])


def test_similar_ideas_fragment_and_full_page(phone, scene, htmx_client, as_participant):
    url = f"/f/salle/c/{scene['challenge'].id}/similar"
    query = {"title": "un tiers lieu pour jeunes"}
    page = phone.get(url, query_string=query)
    assert page.status_code == 200 and "<html" in page.text
    assert "Des idées proches existent déjà" in page.text
    assert 'value="un tiers lieu pour jeunes"' in page.text
    as_participant(htmx_client, scene["voter"])
    fragment = htmx_client.get(url, query_string=query)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="similar-ideas"' in fragment.text and "tiers lieux jeunes" in fragment.text
    nothing = htmx_client.get(url, query_string={"title": "bus gratuit"})
    assert "Des idées proches" not in nothing.text


def test_challenge_page_asks_for_similar_ideas_while_typing(phone, scene):
    page = phone.get(f"/f/salle/c/{scene['challenge'].id}")
    assert 'hx-trigger="input changed delay:400ms"' in page.text
    assert f"/f/salle/c/{scene['challenge'].id}/similar" in page.text


def test_phase_watch_204_until_the_phase_changes(phone, scene, htmx_client, as_participant, db):
    as_participant(htmx_client, scene["voter"])
    url = f"/f/salle/c/{scene['challenge'].id}/phase"
    same = htmx_client.get(url, query_string={"seen": "proposing"})
    assert same.status_code == 204
    changed = htmx_client.get(url, query_string={"seen": "draft"})
    assert changed.status_code == 200 and changed.headers["HX-Refresh"] == "true"
    assert phone.get(url).status_code == 303


@pytest.mark.parametrize("seen", ["voting", "proposing"])
def test_phase_watch_of_a_participant_runs_one_statement_and_loads_no_object(
    scene, htmx_client, as_participant, count_queries, seen
):
    """Every open phone polls every 5 s: the answer must cost one small statement, no ORM."""
    from cite_vote.extensions import Base

    as_participant(htmx_client, scene["voter"])
    url = f"/f/salle/c/{scene['challenge'].id}/phase"
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    event.listen(Base, "load", on_load, propagate=True)
    try:
        with count_queries() as queries:
            response = htmx_client.get(url, query_string={"seen": seen})
    finally:
        event.remove(Base, "load", on_load)
    assert response.status_code == (204 if seen == "voting" else 200)
    assert queries.count == 1 and loaded == []


@pytest.mark.parametrize("seen", ["draft", "proposing"])
@pytest.mark.parametrize("who", ["nobody", "other forum"])
def test_phase_watch_tells_outsiders_nothing(
    scene, htmx_client, as_participant, make_participant, db, who, seen
):
    scene["challenge"].phase = "draft"
    db.session.commit()
    if who == "other forum":
        as_participant(htmx_client, make_participant(scene["other_forum"]))
    response = htmx_client.get(
        f"/f/salle/c/{scene['challenge'].id}/phase", query_string={"seen": seen}
    )
    assert response.status_code == 200 and "HX-Refresh" not in response.headers
    assert response.headers["HX-Redirect"] == f"/j/{scene['forum'].join_code}"


def test_phase_watch_of_a_draft_challenge_is_404_for_a_participant(
    scene, htmx_client, as_participant, db
):
    scene["challenge"].phase = "draft"
    db.session.commit()
    as_participant(htmx_client, scene["voter"])
    url = f"/f/salle/c/{scene['challenge'].id}/phase"
    assert htmx_client.get(url, query_string={"seen": "proposing"}).status_code == 404
    assert htmx_client.get(url, query_string={"seen": "draft"}).status_code == 404


def test_phase_watch_of_another_forums_challenge_is_404(scene, htmx_client, as_participant):
    as_participant(htmx_client, scene["voter"])
    other = scene["other_forum"].challenges[0]
    assert htmx_client.get(f"/f/salle/c/{other.id}/phase").status_code == 404


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


# --- join bursts: the facilitator sees scripted joins -------------------------------------------


def joined_minutes_ago(db, participants, minutes: float) -> None:
    from datetime import timedelta

    from cite_vote.timeutil import utcnow

    for participant in participants:
        participant.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_room_counts_joins_per_minute_for_the_last_ten_minutes(scene, make_participant, db):
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(3)], 0.2)
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(2)], 4.5)
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(4)], 30)
    make_participant(scene["other_forum"])
    joins = room_state(scene["forum"]).joins
    # The scene's voter joined just now too; assisted participants are not joins.
    assert joins == [4, 0, 0, 0, 2, 0, 0, 0, 0, 0]


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


def test_new_joins_change_the_control_page_version(scene, make_participant, db):
    before = room_state(scene["forum"]).version
    make_participant(scene["forum"])
    assert room_state(scene["forum"]).version != before
