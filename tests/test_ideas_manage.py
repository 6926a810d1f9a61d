"""Moderation over HTTP (control/moderation.py): hide, approve, edit, merge, both ways; notices."""

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from cite_vote.votes.models import Vote
from cite_vote.votes.services import ledger_differences
from tests.helpers import snapshot

REASON = {"reason": "duplicate"}

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
    response = facilitator_htmx.post(f"/staff/f/salle/moderation/i/{idea.id}/hide", data=REASON)
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="mod-idea-{idea.id}"' in response.text and "2 points rendus" in response.text
    assert db.session.scalar(select(func.sum(Vote.dots))) == 0
    assert ledger_differences([scene["challenge"].id]) == []


def test_hide_without_js_redirects(facilitator, scene, db):
    response = facilitator.post(f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide", data=REASON)
    assert response.status_code == 303 and response.location.endswith("/moderation")
    db.session.expire_all()
    assert scene["dup"].status == "hidden"


def test_hide_twice_is_409_with_a_message(facilitator, facilitator_htmx, scene):
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide"
    facilitator.post(url, data=REASON)
    page = facilitator.post(url, data=REASON)
    assert page.status_code == 409 and "<html" in page.text and "déjà masquée" in page.text
    fragment = facilitator_htmx.post(url, data=REASON)
    assert fragment.status_code == 409 and "<html" not in fragment.text


def test_hide_on_a_closed_challenge_is_refused(facilitator, scene, db):
    scene["challenge"].phase = "closed"
    db.session.commit()
    response = facilitator.post(f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide", data=REASON)
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
    moved = f"2 points déplacés de l’idée « {dup.title} » vers « {kept.title} »"
    assert str(escape(moved)) in first.text  # named by their titles (issue 20)
    second = phone.get("/f/salle")
    assert "déplacés" not in second.text


def test_notice_is_not_consumed_by_an_htmx_request(facilitator, scene, as_participant, app, db):
    facilitator.post(f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide", data=REASON)
    phone = app.test_client()
    as_participant(phone, scene["voter"])
    phone.get(f"/f/salle/c/{scene['challenge'].id}/similar?title=x", headers={"HX-Request": "true"})
    assert "2 points rendus" in phone.get("/f/salle").text


# --- reasons for hides and merges -------------------------------------------------------------


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "bof"}, {"reason": "other"}])
def test_a_hide_without_a_reason_is_refused_both_ways_and_nothing_is_stored(
    facilitator, facilitator_htmx, scene, db, data
):
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide"
    before = snapshot(db)
    page = facilitator.post(url, data=data)
    assert page.status_code == 422 and "<html" in page.text
    assert "choisissez un motif" in page.text or "écrivez le motif" in page.text
    fragment = facilitator_htmx.post(url, data=data)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert f'id="mod-idea-{scene["dup"].id}"' in fragment.text and 'role="alert"' in fragment.text
    db.session.expire_all()
    assert snapshot(db) == before
    assert scene["dup"].status == "visible"
    assert db.session.scalar(select(func.sum(Vote.dots))) == 2


def test_the_moderation_list_offers_the_reasons_and_shows_why_an_idea_was_hidden(
    facilitator, scene
):
    page = facilitator.get("/staff/f/salle/moderation")
    for label in ("Doublon", "Hors sujet", "Propos contraires à la charte", "Demande de l’auteur"):
        assert label in page.text
    url = f"/staff/f/salle/moderation/i/{scene['dup'].id}/hide"
    facilitator.post(url, data={"reason": "other", "note": "Publicité pour une entreprise"})
    page = facilitator.get("/staff/f/salle/moderation")
    assert "Masquée : Autre · Publicité pour une entreprise" in page.text


def test_a_merge_keeps_its_note(facilitator, scene, db):
    from cite_vote.ideas.models import ModerationRecord

    dup, kept = scene["dup"], scene["kept"]
    preview = facilitator.get(f"/staff/f/salle/moderation/i/{dup.id}/merge?into={kept.id}")
    assert 'name="note"' in preview.text
    facilitator.post(
        f"/staff/f/salle/moderation/i/{dup.id}/merge",
        data={"into": kept.id, "note": "Même proposition"},
    )
    record = db.session.scalar(select(ModerationRecord))
    assert (record.action, record.reason, record.note) == ("merge", "duplicate", "Même proposition")


def test_a_hide_without_a_reason_from_the_idea_s_page_answers_that_page_with_422(
    facilitator, scene, db
):
    dup = scene["dup"]
    url = f"/staff/f/salle/moderation/i/{dup.id}/hide"
    page = facilitator.post(url, data={"back": "idea", "reason": ""})
    assert page.status_code == 422 and "choisissez un motif" in page.text
    assert "Modifier le texte" in page.text or f"moderation/i/{dup.id}/edit" in page.text
    done = facilitator.post(url, data={"back": "idea", "reason": "duplicate"})
    assert done.status_code == 303 and done.location.endswith(f"/moderation/i/{dup.id}")
    assert "Masquée : Doublon" in facilitator.get(done.location).text
