"""Printed ballot sheets (votes/paper.py, votes/paper_manage.py): printed, entered, corrected,
counted with the phones, sealed in the log and recounted by both recounts."""

import csv
import hashlib
import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cite_vote import recount
from cite_vote.ideas.models import Idea
from cite_vote.results.public_log import build_log
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import LedgerEntry, PaperEntry, PaperSheet, Receipt, Vote
from cite_vote.votes.moderation import hide_idea, merge_ideas
from cite_vote.votes.paper import paper_counts, paper_dots
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import idea_totals, rule_breaches
from tests.helpers import count
from tests.test_recount import run_script

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def paper_scene(scene, facilitator, db):
    """The staff scene (forum "salle", budget 5, cap 3, voting) with the facilitator logged in."""
    challenge = scene["challenge"]
    scene["url"] = f"/staff/f/salle/paper/c/{challenge.id}"
    return scene


def sheet_data(scene, people=4, dup=0, kept=0, **extra):
    data = {"people": people, f"idea-{scene['dup'].id}": dup, f"idea-{scene['kept'].id}": kept}
    return {**data, **extra}


def test_the_printed_sheets_are_an_a4_pdf_with_a_page_per_number(paper_scene):
    response = paper_scene["client"].get(f"{paper_scene['url']}/print?first=7&count=3")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 3
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    first = reader.pages[0].extract_text()
    assert "Forum de test" in first and "Comment pourrions-nous 1" in first
    assert paper_scene["kept"].title in first and "7" in first  # an idea, the sheet's number
    assert "5 points, au plus 3" in first  # the rule
    assert "9" in reader.pages[2].extract_text()


def test_the_printed_sheet_gives_each_field_to_fill_its_own_line(paper_scene):
    """Side by side, the category's blank wrapped alone onto the next line, where it read as a
    rule under the page; the table also needs to know which categories it may write."""
    response = paper_scene["client"].get(f"{paper_scene['url']}/print?first=1&count=1")
    lines = PdfReader(io.BytesIO(response.data)).pages[0].extract_text().splitlines()
    [people] = [line for line in lines if "Personnes ayant voté" in line]
    [category] = [line for line in lines if "Catégorie (facultatif)" in line]
    assert people != category
    footer = "\n".join(lines[lines.index(category) :])
    assert "Collèges de ce forum" in footer and "citoyen·ne" in footer


@pytest.mark.parametrize("query", ["first=0&count=3", "first=1&count=41", "first=x"])
def test_a_bad_print_request_is_refused(paper_scene, query):
    assert paper_scene["client"].get(f"{paper_scene['url']}/print?{query}").status_code == 422


def paper_scene_client(scene):
    return scene["client"]


@pytest.fixture(autouse=True)
def _keep_client(request):
    if "paper_scene" in request.fixturenames:
        request.getfixturevalue("paper_scene")["client"] = request.getfixturevalue("facilitator")


def test_a_sheet_is_entered_and_counted_with_the_phones(paper_scene, facilitator, db):
    s = paper_scene
    response = facilitator.post(f"{s['url']}/3", data=sheet_data(s, people=4, dup=5, kept=7))
    assert response.status_code == 303, response.text
    totals = idea_totals([s["challenge"].id])
    assert totals[s["dup"].id] == (2 + 5, 2)  # the phone's 2 and the sheet's 5: two ballots
    assert totals[s["kept"].id] == (7, 1)
    assert paper_dots([s["challenge"].id]) == {s["dup"].id: 5, s["kept"].id: 7}
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.reason == "paper")).all()
    assert sorted(e.delta for e in entries) == [5, 7]
    assert rule_breaches([s["challenge"].id]) == []
    page = facilitator.get(f"{s['url']}/3")
    assert "<html" in page.text and "Corriger cette feuille" in page.text


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"people": 2, "dup": 7}, 422, "plus que 2 personnes × 3 par idée = 6"),
        ({"people": 2, "dup": 6, "kept": 5}, 422, "Total : 11 points, plus que 2 personnes × 5"),
        ({"people": 0, "dup": 1}, 422, "1"),
        ({"people": "trois", "dup": 1}, 422, ""),
        ({"people": 2, "dup": -1}, 422, "nombre entier"),
        ({"people": 2, "dup": "beaucoup"}, 422, "nombre entier"),
    ],
)
def test_a_sheet_breaking_the_rule_is_refused_naming_the_line_and_nothing_is_stored(
    paper_scene, facilitator, db, data, status, says
):
    s = paper_scene
    before = (count(db, LedgerEntry), count(db, PaperSheet), count(db, PaperEntry))
    response = facilitator.post(f"{s['url']}/1", data=sheet_data(s, **data))
    assert response.status_code == status, response.text
    assert says in response.text.replace("&#34;", '"')
    if "plus que" in says or "nombre entier" in says:
        assert s["dup"].title in response.text  # the line is named
    assert (count(db, LedgerEntry), count(db, PaperSheet), count(db, PaperEntry)) == before


def test_a_sheet_number_entered_twice_is_refused_the_second_time(paper_scene, facilitator, db):
    s = paper_scene
    assert facilitator.post(f"{s['url']}/2", data=sheet_data(s, dup=1)).status_code == 303
    before = count(db, LedgerEntry)
    again = facilitator.post(f"{s['url']}/2", data=sheet_data(s, dup=3))
    assert again.status_code == 409 and "déjà été saisie" in again.text
    assert count(db, LedgerEntry) == before


def test_a_correction_supersedes_the_entry_and_keeps_it(paper_scene, facilitator, db):
    s = paper_scene
    facilitator.post(f"{s['url']}/4", data=sheet_data(s, people=3, dup=6, kept=3))
    fixed = facilitator.post(
        f"{s['url']}/4", data=sheet_data(s, people=2, dup=1, kept=6, correcting="1")
    )
    assert fixed.status_code == 303, fixed.text
    sheet = db.session.scalar(select(PaperSheet).where(PaperSheet.number == 4))
    assert sheet.people == 2
    history = db.session.scalars(select(PaperEntry).where(PaperEntry.sheet_id == sheet.id)).all()
    assert [(e.people, e.dots) for e in history] == [
        (3, {str(s["dup"].id): 6, str(s["kept"].id): 3}),
        (2, {str(s["dup"].id): 1, str(s["kept"].id): 6}),
    ]
    assert paper_dots([s["challenge"].id]) == {s["dup"].id: 1, s["kept"].id: 6}
    deltas = db.session.scalars(
        select(LedgerEntry.delta).where(LedgerEntry.participant_id == sheet.participant_id)
    ).all()
    assert sum(deltas) == 7 and len(deltas) == 4  # the first entry stays in the ledger
    assert rule_breaches([s["challenge"].id]) == []


def test_no_sheet_is_entered_or_corrected_after_the_close(paper_scene, facilitator, db):
    s = paper_scene
    facilitator.post(f"{s['url']}/5", data=sheet_data(s, dup=1))
    set_phase(s["forum"], "closed", s["challenge"])
    db.session.commit()
    before = count(db, LedgerEntry)
    for number, extra in ((5, {"correcting": "1"}), (6, {})):
        response = facilitator.post(f"{s['url']}/{number}", data=sheet_data(s, dup=2, **extra))
        assert response.status_code == 409, response.text
    assert count(db, LedgerEntry) == before
    assert 'id="sheet-form"' not in facilitator.get(f"{s['url']}/5").text


def test_a_sheet_for_another_forum_s_challenge_is_not_found(paper_scene, facilitator, db):
    other = paper_scene["other_forum"].challenges[0]
    response = facilitator.post(f"/staff/f/salle/paper/c/{other.id}/1", data={"people": 1})
    assert response.status_code == 404
    assert facilitator.post(f"/staff/f/ailleurs/paper/c/{other.id}/1").status_code == 403


@pytest.mark.parametrize(
    ("photo", "status"),
    [(b"GIF89a not a picture we take", 422), (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), 413)],
)
def test_a_photo_that_is_not_a_picture_or_too_large_is_refused(
    paper_scene, facilitator, db, photo, status
):
    s = paper_scene
    data = {**sheet_data(s, dup=1), "photo": (io.BytesIO(photo), "sheet.jpg")}
    before = (count(db, LedgerEntry), count(db, PaperEntry))
    response = facilitator.post(f"{s['url']}/8", data=data, content_type="multipart/form-data")
    assert response.status_code == status
    assert (count(db, LedgerEntry), count(db, PaperEntry)) == before


def test_a_photo_is_kept_with_the_sheet_and_shown_to_staff(paper_scene, facilitator, db):
    s = paper_scene
    data = {**sheet_data(s, dup=1), "photo": (io.BytesIO(PNG), "sheet.png")}
    response = facilitator.post(f"{s['url']}/9", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    entry = db.session.scalar(select(PaperEntry))
    page = facilitator.get(f"{s['url']}/9").text
    photo_url = f"{s['url']}/9/photo/{entry.id}"
    assert photo_url in page
    shown = facilitator.get(photo_url)
    assert shown.data == PNG and shown.mimetype == "image/png"


def test_a_merge_after_printing_moves_the_sheet_s_dots_within_its_cap(paper_scene, facilitator, db):
    s = paper_scene
    # Printed before the merge; the sheet is entered after it: its "dup" line counts on "kept".
    merge_ideas(s["dup"], s["kept"], s["organiser"])
    db.session.commit()
    blank = facilitator.get(f"{s['url']}/1").text  # the printed line is still there to fill
    assert f'id="idea-{s["dup"].id}"' in blank and f'id="idea-{s["dup"].id}-note"' in blank
    facilitator.post(f"{s['url']}/1", data=sheet_data(s, people=2, dup=4, kept=4))
    assert paper_dots([s["challenge"].id]) == {s["kept"].id: 6}  # 2 people × cap 3
    page = facilitator.get(f"{s['url']}/1").text
    assert "Fusionnée après impression" in page


def test_a_merge_or_hide_after_entry_uses_the_sheet_s_cap_and_refunds(paper_scene, facilitator, db):
    s = paper_scene
    facilitator.post(f"{s['url']}/1", data=sheet_data(s, people=3, dup=5, kept=4))
    merge_ideas(s["dup"], s["kept"], s["organiser"])
    db.session.commit()
    assert paper_dots([s["challenge"].id]) == {s["kept"].id: 9}  # 3 people × cap 3
    hide_idea(s["kept"], s["organiser"], "off_topic")
    db.session.commit()
    assert paper_dots([s["challenge"].id]) == {}
    assert rule_breaches([s["challenge"].id]) == []


def test_sheets_are_sealed_in_the_log_and_recounted_by_both_recounts(
    paper_scene, facilitator, db, tmp_path
):
    s = paper_scene
    facilitator.post(f"{s['url']}/1", data=sheet_data(s, people=4, dup=5, kept=7))
    facilitator.post(f"{s['url']}/2", data=sheet_data(s, people=1, kept=3))
    set_phase(s["forum"], "closed", s["challenge"])
    db.session.commit()
    assert count(db, Receipt) == 1  # the phone's; a sheet is published by its number
    log = build_log(s["forum"], list(s["forum"].challenges), generated_at=utcnow())
    assert log["version"] == 3
    record = log["challenges"][0]
    assert record["sheets"] == [
        {
            "sheet": 1,
            "people": 4,
            "dots": [{"idea": s["dup"].id, "dots": 5}, {"idea": s["kept"].id, "dots": 7}],
        },
        {"sheet": 2, "people": 1, "dots": [{"idea": s["kept"].id, "dots": 3}]},
    ]
    assert record["turnout"]["participants"] == 2  # the voter and the assisted person
    assert [(r["idea_id"], r["dots"], r["supporters"]) for r in record["ranking"]] == [
        (s["kept"].id, 10, 2),
        (s["dup"].id, 7, 2),
    ]
    assert run_script(tmp_path, log).returncode == 0
    # A sheet over its cap, resealed: both recounts refuse it by its rule.
    forged = json.loads(json.dumps(log))
    forged["challenges"][0]["sheets"][1]["dots"][0]["dots"] = 4
    forged["challenges"][0]["ranking"] = recount.rank(
        forged["challenges"][0]["ideas"],
        *recount.receipt_totals(
            forged["challenges"][0]["ballots"] + forged["challenges"][0]["sheets"]
        ),
    )
    forged["challenges"][0]["seal"]["head"] = recount.record_hash(forged["challenges"][0])
    ok, lines = recount.recount(forged)
    assert not ok and any("sheet 2: 4 dots on idea" in line for line in lines), lines
    assert run_script(tmp_path, forged).returncode == 1
    # In a log of version 2, sheets are refused.
    old = {**log, "version": 2}
    assert not recount.recount(old)[0]


def test_a_log_without_paper_stays_version_2(closed_scene_like_log):
    assert closed_scene_like_log["version"] == 2


@pytest.fixture
def closed_scene_like_log(scene, db):
    set_phase(scene["forum"], "closed", scene["challenge"])
    db.session.commit()
    return build_log(scene["forum"], list(scene["forum"].challenges), generated_at=utcnow())


def test_the_paper_counts_say_sheets_people_dots_and_roles(paper_scene, facilitator, db):
    s = paper_scene
    facilitator.post(f"{s['url']}/1", data=sheet_data(s, people=4, dup=5))
    facilitator.post(f"{s['url']}/1", data=sheet_data(s, people=4, dup=6, correcting="1"))
    counts = paper_counts([s["challenge"].id])
    assert (counts.sheets, counts.people, counts.dots) == (1, 4, 6)
    assert counts.entries_by_role == {"facilitator": 2}


def test_results_json_and_the_method_annex_say_what_came_from_paper(
    paper_scene, facilitator, staff_login, app, db
):
    s = paper_scene
    facilitator.post(f"{s['url']}/1", data=sheet_data(s, people=4, dup=5, kept=7))
    set_phase(s["forum"], "closed", s["challenge"])
    db.session.commit()
    organiser = app.test_client()
    staff_login(organiser, s["organiser"])
    data = organiser.get("/f/salle/results.json").get_json()
    first = data["challenges"][0]
    assert first["paper"] == {"sheets": 1, "people": 4, "dots": 12}
    paper_share = {i["idea_id"]: (i["dots"], i["paper_dots"]) for i in first["ideas"]}
    assert paper_share == {s["dup"].id: (7, 5), s["kept"].id: (7, 7)}
    annex = organiser.get("/f/salle/cahier").text
    assert 'id="method-paper"' in annex
    assert "1 feuille" in annex


def test_staff_see_when_sheets_were_entered_beside_the_timeline(paper_scene, facilitator, db):
    s = paper_scene
    facilitator.post(f"{s['url']}/3", data=sheet_data(s, people=4, dup=5, kept=7))
    facilitator.post(f"{s['url']}/3", data=sheet_data(s, people=4, dup=6, correcting="1"))
    page = facilitator.get(f"/f/salle/results/c/{s['challenge'].id}").text
    assert f'id="timeline-paper-{s["challenge"].id}"' in page
    assert "feuille 3 à" in page and "corrigée à" in page


def test_photos_go_with_the_log_only_when_the_organiser_publishes_them(
    paper_scene, facilitator, staff_login, app, db
):
    s = paper_scene
    data = {**sheet_data(s, dup=1), "photo": (io.BytesIO(PNG), "sheet.png")}
    facilitator.post(f"{s['url']}/9", data=data, content_type="multipart/form-data")
    set_phase(s["forum"], "closed", s["challenge"])
    db.session.commit()
    photo_url = f"/f/salle/log/sheet/{s['challenge'].id}/9"
    assert "sheet_photos" not in facilitator.get("/f/salle/log.json").get_json()
    assert facilitator.get(photo_url).status_code == 404
    # A facilitator may not decide; the organiser may.
    assert facilitator.post("/staff/f/salle/paper/photos", data={"publish": "1"}).status_code == 403
    organiser = app.test_client()
    staff_login(organiser, s["organiser"])
    assert organiser.post("/staff/f/salle/paper/photos", data={"publish": "1"}).status_code == 303
    log = facilitator.get("/f/salle/log.json").get_json()
    [photo] = log["sheet_photos"]
    assert photo["sheet"] == 9 and photo["url"].endswith(photo_url)
    assert photo["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert facilitator.get(photo_url).data == PNG
    assert app.test_client().get(photo_url).status_code in (401, 403)  # not for everyone


def test_a_sheet_of_another_challenge_is_refused_and_nothing_is_stored(
    paper_scene, facilitator, db
):
    s = paper_scene
    other = s["forum"].challenges[1]
    before = (count(db, LedgerEntry), count(db, PaperSheet))
    data = {"people": 2, f"idea-{s['kept'].id}": 3}  # the form of challenge 1, posted to 2
    response = facilitator.post(f"/staff/f/salle/paper/c/{other.id}/1", data=data)
    assert response.status_code == 422 and "autre défi" in response.text
    assert (count(db, LedgerEntry), count(db, PaperSheet)) == before


@pytest.mark.parametrize(("number", "status"), [("3", 303), ("trois", 400), ("0", 400)])
def test_opening_a_sheet_by_its_number_without_javascript(paper_scene, number, status):
    response = paper_scene["client"].get(f"{paper_scene['url']}?number={number}")
    assert response.status_code == status
    if status == 303:
        assert response.location.endswith(f"{paper_scene['url']}/3")


def test_the_log_s_csv_lists_each_sheet_s_dots(paper_scene, facilitator, db):
    s = paper_scene
    facilitator.post(f"{s['url']}/2", data=sheet_data(s, people=1, kept=3))
    set_phase(s["forum"], "closed", s["challenge"])
    db.session.commit()
    text = facilitator.get("/f/salle/log.csv").data.decode("utf-8-sig")
    sheets = [r for r in csv.DictReader(io.StringIO(text)) if r["record"] == "sheet"]
    assert [(r["sheet"], r["people"], r["idea"], r["dots"]) for r in sheets] == [
        ("2", "1", str(s["kept"].id), "3")
    ]


def test_a_sheet_s_category_carries_its_dots_and_a_correction_moves_them(
    paper_scene, facilitator, db
):
    s = paper_scene
    data = sheet_data(s, people=3, kept=4, category="association")
    assert facilitator.post(f"{s['url']}/6", data=data).status_code == 303
    sheet = db.session.scalar(select(PaperSheet).where(PaperSheet.number == 6))
    held = select(Vote.category).where(Vote.participant_id == sheet.participant_id)
    assert set(db.session.scalars(held)) == {"association"}
    fixed = sheet_data(s, people=3, kept=4, category="citoyen·ne", correcting="1")
    assert facilitator.post(f"{s['url']}/6", data=fixed).status_code == 303
    assert set(db.session.scalars(held)) == {"citoyen·ne"}


def test_a_category_the_forum_does_not_have_is_refused(paper_scene, facilitator, db):
    s = paper_scene
    before = (count(db, LedgerEntry), count(db, PaperSheet))
    data = sheet_data(s, people=3, kept=4, category="inconnu")
    response = facilitator.post(f"{s['url']}/6", data=data)
    assert response.status_code == 422 and "catégorie" in response.text
    assert (count(db, LedgerEntry), count(db, PaperSheet)) == before


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_phone_s_photo_of_a_few_mb_is_accepted_with_csrf_on(scene, client, db, app_config):
    """The CSRF check reads the form before the view runs: the room for a photo is made
    before it, or a 3 MB camera picture meets the app's 1 MB limit (413) in production."""
    from tests.helpers import STAFF_PASSWORD, csrf_token_from

    login = csrf_token_from(client.get("/staff/login").text)
    client.post(
        "/staff/login",
        data={"email": scene["facilitator"].email, "password": STAFF_PASSWORD, "csrf_token": login},
    )
    url = f"/staff/f/salle/paper/c/{scene['challenge'].id}/6"
    token = csrf_token_from(client.get(url).text)
    photo = b"\xff\xd8\xff" + b"0" * (3 * 1024 * 1024)
    data = {"csrf_token": token, "people": 2, f"idea-{scene['dup'].id}": 1}
    response = client.post(
        url,
        data={**data, "photo": (io.BytesIO(photo), "sheet.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.status_code
    assert db.session.scalars(select(PaperEntry)).one().photo == photo


def test_the_results_count_the_people_who_voted_on_paper(paper_scene, facilitator, db, app):
    """A sheet is one ballot, but not one person: "1 participant voted" for one phone and a
    sheet of 4 hid four people. The results and the cahier say the phones and the sheets."""
    s = paper_scene
    assert (
        facilitator.post(f"{s['url']}/3", data=sheet_data(s, people=4, kept=7)).status_code == 303
    )
    facilitator.post(f"{s['url']}/4", data=sheet_data(s, people=2))  # a sheet of no dots
    from tests.helpers import STAFF_PASSWORD

    organiser = app.test_client()
    organiser.post("/staff/login", data={"email": s["organiser"].email, "password": STAFF_PASSWORD})
    for url in ("/f/salle/results", f"/f/salle/results/c/{s['challenge'].id}", "/f/salle/cahier"):
        page = organiser.get(url).text
        assert "1 participant·e a voté" in page, url  # the phone
        assert "4 personnes sur 1 feuille papier" in page, url
        assert "2 participant·es ont voté" not in page, url


def test_a_camera_photo_over_5_mb_is_refused_on_the_form_with_the_numbers_kept(
    paper_scene, facilitator, db
):
    """A phone's camera picture of 8 MB met the server's own limit: a bare "too large" page, the
    people and the dots typed at the table lost. It is refused on the form (413), kept typed."""
    s = paper_scene
    photo = b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024)
    data = {**sheet_data(s, people=3, dup=4, kept=2), "photo": (io.BytesIO(photo), "sheet.jpg")}
    before = (count(db, LedgerEntry), count(db, PaperEntry))
    response = facilitator.post(f"{s['url']}/5", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "La photo est trop lourde" in response.text
    assert f'id="idea-{s["dup"].id}"' in response.text and 'value="4"' in response.text
    assert (count(db, LedgerEntry), count(db, PaperEntry)) == before


def test_a_challenge_voted_on_paper_alone_does_not_say_no_participant_voted(
    paper_scene, facilitator, db
):
    s = paper_scene
    other = s["forum"].challenges[1]
    idea = Idea(challenge_id=other.id, title="Un jardin partagé")
    db.session.add(idea)
    db.session.commit()
    data = {"people": 3, f"idea-{idea.id}": 4}
    assert facilitator.post(f"/staff/f/salle/paper/c/{other.id}/1", data=data).status_code == 303
    page = facilitator.get(f"/f/salle/results/c/{other.id}").text
    assert "3 personnes sur 1 feuille papier" in page
    assert "0 participant" not in page
