"""Idea sheets: the organiser's own questions on the idea form, answered from the phone
(without JavaScript too), corrected by staff with the author's wording kept, shown on the
idea's page, in the downloads (a column each) and in the cahier (the shortlist's sheets)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from cite_vote.ideas.models import Idea, IdeaAnswer, IdeaQuestion
from cite_vote.votes.phases import set_phase

FOR_WHOM = "Pour qui ?"
FIRST_STEP = "Premier pas concret"


@pytest.fixture
def sheets(make_forum, make_participant, make_staff, staff_login, as_participant, app):
    forum = make_forum(slug="fiches", challenges=1, phase="proposing")
    organiser = make_staff("organiser", owns=[forum])
    facilitator = make_staff("facilitator", forums=[forum])
    staff = app.test_client()
    staff_login(staff, organiser)
    phone = app.test_client()
    person = make_participant(forum, category="association", name="Ana")
    as_participant(phone, person)

    class Scene:
        pass

    scene = Scene()
    scene.forum, scene.challenge = forum, forum.challenges[0]
    scene.staff, scene.phone, scene.person = staff, phone, person
    scene.facilitator = facilitator
    scene.challenge_url = f"/f/fiches/c/{scene.challenge.id}"
    return scene


def add(client, label, required=False, max_length=200):
    data = {"label": label, "max_length": str(max_length)}
    if required:
        data["required"] = "y"
    return client.post("/staff/f/fiches/questions", data=data)


def question_ids(db) -> list[int]:
    return list(db.session.scalars(select(IdeaQuestion.id).order_by(IdeaQuestion.position)))


def test_an_organiser_adds_up_to_five_questions(sheets, db):
    for n in range(5):
        assert add(sheets.staff, f"Question {n}").status_code == 303
    response = add(sheets.staff, "Une de trop")
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(IdeaQuestion)) == 5


def test_a_question_s_limit_is_checked(sheets, db):
    assert add(sheets.staff, "Pour qui ?", max_length=0).status_code == 422
    assert add(sheets.staff, "Pour qui ?", max_length=5000).status_code == 422
    assert add(sheets.staff, "Pour\u0007 qui ?").status_code == 422
    assert question_ids(db) == []


def test_only_an_organiser_sets_the_questions(sheets, app, staff_login):
    other = app.test_client()
    staff_login(other, sheets.facilitator)
    assert other.get("/staff/f/fiches/questions").status_code == 403
    assert add(other, "Pour qui ?").status_code == 403


def propose(client, url, title, answers: dict[int, str]):
    data = {"title": title, "description": ""} | {f"q{k}": v for k, v in answers.items()}
    return client.post(f"{url}/ideas", data=data)


def test_an_idea_sheet_round_trips_from_the_phone_to_the_cahier(sheets, db, cast_dots):
    add(sheets.staff, FOR_WHOM, required=True, max_length=80)
    add(sheets.staff, FIRST_STEP, max_length=200)
    for_whom, first_step = question_ids(db)
    # The phone's page (no JavaScript: a plain GET and a plain POST) asks the questions.
    page = sheets.phone.get(sheets.challenge_url).text
    assert FOR_WHOM in page and FIRST_STEP in page
    assert re.search(rf'name="q{for_whom}"[^>]*required', page) or re.search(
        rf'required[^>]*name="q{for_whom}"', page
    )
    response = propose(
        sheets.phone,
        sheets.challenge_url,
        "Un fab lab au lycée",
        {for_whom: "Les lycéens du quartier", first_step: "Trouver une salle"},
    )
    assert response.status_code == 303
    idea = db.session.scalar(select(Idea).where(Idea.title == "Un fab lab au lycée"))
    # The idea's page shows its sheet.
    html = sheets.phone.get(f"/f/fiches/i/{idea.id}").text
    assert "Les lycéens du quartier" in html and FIRST_STEP in html
    # Staff correct an answer: the author's wording is kept.
    staff = sheets.staff
    assert (
        staff.post(
            f"/staff/f/fiches/moderation/i/{idea.id}/sheet",
            data={f"q{for_whom}": "Les lycéens et leurs professeurs", f"q{first_step}": ""},
        ).status_code
        == 303
    )
    answer = db.session.scalar(select(IdeaAnswer).where(IdeaAnswer.question_id == for_whom))
    assert answer.value == "Les lycéens et leurs professeurs"
    assert answer.original_value == "Les lycéens du quartier"
    sheet_page = staff.get(f"/staff/f/fiches/moderation/i/{idea.id}/sheet").text
    assert "Les lycéens du quartier" in sheet_page  # the original wording, shown
    # Voting, then closing: the downloads have a column per question, the cahier the sheet.
    set_phase(sheets.forum, "voting")
    db.session.commit()
    cast_dots(sheets.person, idea, 2)
    set_phase(sheets.forum, "closed")
    db.session.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(staff.get("/f/fiches/results.csv").data.decode("utf-8-sig"), newline="")
        )
    )
    assert rows[0][FOR_WHOM] == "Les lycéens et leurs professeurs"
    assert rows[0][FIRST_STEP] == ""
    data = staff.get("/f/fiches/results.json").get_json()
    assert data["challenges"][0]["ideas"][0]["sheet"] == [
        {"question": FOR_WHOM, "answer": "Les lycéens et leurs professeurs"}
    ]
    cahier = staff.get("/f/fiches/cahier").text
    assert 'class="cahier-sheet"' in cahier and "Les lycéens et leurs professeurs" in cahier


def test_a_required_question_left_empty_stores_nothing(sheets, db):
    add(sheets.staff, FOR_WHOM, required=True)
    (for_whom,) = question_ids(db)
    response = propose(sheets.phone, sheets.challenge_url, "Une idée sans réponse", {})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0
    response = propose(
        sheets.phone, sheets.challenge_url, "Une idée trop longue", {for_whom: "x" * 201}
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_an_answer_with_a_control_character_is_refused(sheets, db):
    add(sheets.staff, FOR_WHOM)
    (for_whom,) = question_ids(db)
    response = propose(sheets.phone, sheets.challenge_url, "Une idée", {for_whom: "a\u0007b"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_the_phone_sees_a_new_question_at_once(sheets):
    assert FOR_WHOM not in sheets.phone.get(sheets.challenge_url).text
    add(sheets.staff, FOR_WHOM)
    assert FOR_WHOM in sheets.phone.get(sheets.challenge_url).text


def test_an_answered_question_stays_an_unanswered_one_goes(sheets, db):
    add(sheets.staff, FOR_WHOM)
    add(sheets.staff, FIRST_STEP)
    for_whom, first_step = question_ids(db)
    propose(sheets.phone, sheets.challenge_url, "Une idée", {for_whom: "Tout le monde"})
    refused = sheets.staff.post(f"/staff/f/fiches/questions/{for_whom}/remove")
    assert refused.status_code == 409
    assert sheets.staff.post(f"/staff/f/fiches/questions/{first_step}/remove").status_code == 303
    assert question_ids(db) == [for_whom]


def test_the_cahier_gives_a_sheet_to_the_shortlist_only(sheets, db, make_idea, cast_dots):
    add(sheets.staff, FOR_WHOM)
    (for_whom,) = question_ids(db)
    sheets.forum.shortlist_size = 1
    db.session.commit()
    ideas = []
    for title in ("Première idée", "Seconde idée"):
        propose(sheets.phone, sheets.challenge_url, title, {for_whom: f"Réponse de {title}"})
        ideas.append(db.session.scalar(select(Idea).where(Idea.title == title)))
    set_phase(sheets.forum, "voting")
    db.session.commit()
    cast_dots(sheets.person, ideas[0], 2)
    cast_dots(sheets.person, ideas[1], 1)
    set_phase(sheets.forum, "closed")
    db.session.commit()
    cahier = sheets.staff.get("/f/fiches/cahier").text
    assert "Réponse de Première idée" in cahier
    assert "Réponse de Seconde idée" not in cahier


def test_a_forum_without_questions_keeps_its_downloads(sheets, db):
    set_phase(sheets.forum, "closed")
    db.session.commit()
    data = sheets.staff.get("/f/fiches/results.json").get_json()
    assert all("sheet" not in i for c in data["challenges"] for i in c["ideas"])
