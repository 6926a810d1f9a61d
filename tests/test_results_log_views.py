"""The published log, the receipt page, "my dots", and the chain head on the results."""

import csv
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from cite_vote.accounts.models import Participant
from cite_vote.results.services import create_read_token
from cite_vote.votes.chain import chain_head, receipt_of
from cite_vote.votes.models import Receipt
from tests import recount_scenes

closed_scene = recount_scenes.closed_scene  # the fixture

MINUTE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")


@pytest.fixture
def codes(closed_scene, db):
    return {k: receipt_of(p.id, closed_scene.challenge.id) for k, p in closed_scene.people.items()}


def logged(client, as_participant, person):
    return as_participant(client, person)


# --- the log: who may fetch it, what is in it ------------------------------------------------


def test_a_participant_fetches_the_log_of_closed_challenges(
    client, closed_scene, as_participant, codes
):
    as_participant(client, closed_scene.people["ana"])
    response = client.get("/f/recompte/log.json")
    assert response.status_code == 200
    log = response.get_json()
    assert log["format"] == "cite-vote/log"
    assert [c["position"] for c in log["challenges"]] == [1]
    challenge = log["challenges"][0]
    assert challenge["seal"]["head"] == chain_head(closed_scene.challenge).record_hash
    assert [r["receipt"] for r in challenge["ballots"]] == sorted(codes.values())
    assert challenge["rule"] == {"budget": 5, "cap": 3}
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_log_needs_the_results_access(client, closed_scene, make_forum, make_participant):
    assert client.get("/f/recompte/log.json").status_code == 403
    assert client.get("/f/recompte/log.csv").status_code == 403
    assert client.get("/f/recompte/receipt").status_code == 403
    assert (
        client.get("/f/recompte/log.json", headers={"Authorization": "Bearer cvr_x"}).status_code
        == 401
    )


def test_a_participant_sees_no_log_before_any_closing(
    client, make_forum, make_participant, as_participant
):
    forum = make_forum(slug="ouvert", phase="voting")
    as_participant(client, make_participant(forum))
    assert client.get("/f/ouvert/log.json").status_code == 403


def test_a_read_token_fetches_the_log_and_the_csv(client, closed_scene, make_staff, db, codes):
    organiser = make_staff("organiser", owns=[closed_scene.forum])
    _token, clear = create_read_token(closed_scene.forum, "", organiser)
    db.session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/f/recompte/log.json", headers=headers).status_code == 200
    response = client.get("/f/recompte/log.csv", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=recompte-log-")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    kinds = {row["record"] for row in rows}
    assert kinds == {"seal", "idea", "ballot", "merge", "hide", "rank", "turnout"}
    assert {row["receipt"] for row in rows if row["record"] == "ballot"} == set(codes.values())
    # The challenge is named by its number and by the id its seal covers.
    assert {(row["challenge"], row["challenge_id"]) for row in rows} == {
        ("1", str(closed_scene.challenge.id))
    }
    assert any(row["record"] == "rank" and row["tied"] in ("yes", "no") for row in rows)


def test_the_recount_script_is_served(client, closed_scene, as_participant):
    as_participant(client, closed_scene.people["eve"])
    response = client.get("/f/recompte/recount.py")
    assert response.status_code == 200
    from pathlib import Path

    import cite_vote.recount

    assert response.data == Path(cite_vote.recount.__file__).read_bytes()
    assert "filename=recount.py" in response.headers["Content-Disposition"]


# --- nothing links a receipt to a person ------------------------------------------------------


def public_outputs(client, closed_scene, as_participant, staff_login, make_staff, db, codes):
    """Every page and file that shows results, as their readers get them, as text."""
    forum = closed_scene.forum
    organiser = make_staff("organiser", owns=[forum])
    _token, clear = create_read_token(forum, "", organiser)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {clear}"}
    texts = {}
    for path in ["log.json", "log.csv", "results.json", "results.csv", "cahier"]:
        response = client.get(f"/f/recompte/{path}", headers=bearer)
        assert response.status_code == 200, path
        texts[path] = response.data.decode("utf-8-sig")
    xlsx = client.get("/f/recompte/results.xlsx", headers=bearer).data
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        texts["results.xlsx"] = " ".join(
            book.read(name).decode() for name in book.namelist() if name.endswith(".xml")
        )
    staff_login(client, organiser)
    for path in [
        "results",
        f"results/c/{closed_scene.challenge.id}",
        "screen",
        f"receipt?code={codes['ana']}",
    ]:
        response = client.get(f"/f/recompte/{path}")
        assert response.status_code == 200, path
        texts[path] = response.text
    return texts


def test_no_public_output_links_a_receipt_to_a_person(
    client, closed_scene, as_participant, staff_login, make_staff, db, codes
):
    texts = public_outputs(client, closed_scene, as_participant, staff_login, make_staff, db, codes)
    people = db.session.scalars(select(Participant)).all()
    for where, text in texts.items():
        for person in people:
            assert person.display_name not in text, (where, person.display_name)
            assert person.token_hash not in text, where
    # The receipt codes appear in the log (and on the page where one is typed), nowhere else.
    for where, text in texts.items():
        shown = {k for k, code in codes.items() if code in text}
        if where in ("log.json", "log.csv"):
            assert shown == set(codes)
        elif where.startswith("receipt"):
            assert shown == {"ana"}
        else:
            assert not shown, (where, shown)
    log = json.loads(texts["log.json"])
    challenge = log["challenges"][0]
    # The record: what decides the result, no time but the closing's minute, no ledger.
    assert set(challenge) == {
        "id",
        "position",
        "title",
        "closed_at",
        "rule",
        "seal",
        "ideas",
        "ballots",
        "moves",
        "ranking",
        "turnout",
    }
    assert MINUTE.match(challenge["closed_at"]), challenge["closed_at"]
    # Ballots: a code, a kind (or none) and dots, no category (a small group would name its
    # one member), in the order of the codes, not of the participants.
    for ballot in challenge["ballots"]:
        assert set(ballot) == {"receipt", "kind", "dots"}
        assert all(set(held) == {"idea", "dots"} for held in ballot["dots"])
    assert [r["receipt"] for r in challenge["ballots"]] == sorted(codes.values())
    flat = texts["log.json"]
    assert "participant_id" not in flat and "staff_id" not in flat and '"at"' not in flat
    for category in {p.category for p in people if p.category}:
        assert category not in flat, category
    # A hidden idea is listed by number and status only.
    hidden = next(i for i in challenge["ideas"] if i["status"] == "hidden")
    assert hidden["title"] is None and "Hors sujet" not in flat


def test_receipts_are_not_in_the_order_of_the_participants(
    make_forum, make_participant, make_idea, cast_dots, db
):
    """Over many voters, the code order and the joining order are unrelated."""
    from cite_vote.votes.phases import set_phase

    forum = make_forum(challenges=1, phase="voting")
    idea = make_idea(forum.challenges[0])
    people = [make_participant(forum) for _ in range(30)]
    for person in people:
        cast_dots(person, idea, 1)
    set_phase(forum, "closed")
    db.session.commit()
    rows = db.session.execute(select(Receipt.participant_id).order_by(Receipt.code)).scalars()
    by_code = list(rows)
    assert sorted(by_code) == [p.id for p in people]
    assert by_code != sorted(by_code)  # 1 chance in 30! of failing


# --- the receipt page ---------------------------------------------------------------------------


def test_a_receipt_shows_its_dots(client, closed_scene, as_participant, codes):
    as_participant(client, closed_scene.people["eve"])  # anyone with results access
    typed = codes["bruno"].lower().replace("-", " ")
    response = client.get("/f/recompte/receipt", query_string={"code": typed})
    assert response.status_code == 200
    found = response.text.split('id="receipt-found"')[1]
    assert codes["bruno"] in found
    assert "3 points" in found and "Un tiers-lieu pour les jeunes" in found
    assert "1 point" in found and "Du mentorat entre générations" in found
    assert "Bruno" not in response.text and "entrepreneur" not in found
    # Ideas named by their title, never by an internal number (issue 20, finding 5).
    assert "n°" not in found.lower()


@pytest.mark.parametrize(
    ("code", "status", "says"),
    [
        ("AAAAA-AAAAA", 404, "Aucun défi clos"),
        ("", 422, "Tapez le code du reçu."),
        ("<script>", 422, "Un reçu ne contient que des lettres et des chiffres."),
        ("A" * 31, 422, "30 caractères"),
    ],
)
def test_a_bad_receipt_gets_a_message(client, closed_scene, as_participant, code, status, says):
    as_participant(client, closed_scene.people["eve"])
    response = client.get("/f/recompte/receipt", query_string={"code": code})
    assert response.status_code == status
    assert says in response.text


def test_a_receipt_of_a_challenge_not_shown_yet_is_not_found(
    client, closed_scene, as_participant, make_participant, cast_dots, db
):
    """The second challenge is still voting: nothing of it is looked up."""
    second = closed_scene.forum.challenges[1]
    from cite_vote.ideas.models import Idea

    idea = Idea(challenge_id=second.id, title="Une idée")
    db.session.add(idea)
    db.session.commit()
    cast_dots(closed_scene.people["ana"], idea, 1)
    db.session.add(
        Receipt(
            challenge_id=second.id, participant_id=closed_scene.people["ana"].id, code="BBBBB-BBBBB"
        )
    )
    db.session.commit()
    as_participant(client, closed_scene.people["eve"])
    assert client.get("/f/recompte/receipt?code=BBBBBBBBBB").status_code == 404


# --- the participant's own pages ----------------------------------------------------------------


def test_the_challenge_page_shows_my_receipt_once_closed(
    client, closed_scene, as_participant, codes
):
    as_participant(client, closed_scene.people["chloe"])
    page = client.get(f"/f/recompte/c/{closed_scene.challenge.id}").text
    assert codes["chloe"] in page
    # What the code is for, in one sentence a newcomer understands (issue 20, finding 5).
    assert "Gardez ce code : il vous permet de vérifier que vos points ont été comptés" in page
    assert "journal publié" not in page
    assert all(code not in page for k, code in codes.items() if k != "chloe")
    second = client.get(f"/f/recompte/c/{closed_scene.forum.challenges[1].id}").text
    assert "Votre reçu" not in second


def test_my_dots_page_lists_every_challenge_with_the_receipt(
    client, closed_scene, as_participant, codes
):
    as_participant(client, closed_scene.people["driss"])
    forum_page = client.get("/f/recompte").text
    assert "/f/recompte/me" in forum_page
    page = client.get("/f/recompte/me")
    assert page.status_code == 200
    mine = page.text.split(f'id="mine-{closed_scene.challenge.id}"')[1].split("</li>\n  <li")[0]
    assert codes["driss"] in mine
    assert "2 points" in mine and "Un observatoire des métiers" in mine
    assert "Du mentorat entre générations" in mine
    assert "Hors sujet" not in mine  # refunded when hidden
    assert "Aucun point placé." in page.text  # the second challenge
    assert "Gardez-le : il vous permet de vérifier que vos points ont été comptés" in page.text
    assert "journal publié" not in page.text  # words a participant understands (issue 20)


def test_my_dots_page_needs_a_participant(client, closed_scene):
    response = client.get("/f/recompte/me")
    assert response.status_code == 303
    assert response.location == "/f/recompte/join"  # the forum's door, which asks for the code


# --- the chain head on the results ---------------------------------------------------------------


def test_the_json_and_the_staff_results_show_the_head_not_the_participants_pages(
    client, closed_scene, as_participant, make_staff, staff_login
):
    """The hash is where auditors look (the JSON, the log, staff pages), not on the page a
    participant reads, where it means nothing to them (issue 20, finding 5)."""
    as_participant(client, closed_scene.people["ana"])
    head = chain_head(closed_scene.challenge).record_hash
    assert head not in client.get("/f/recompte/results").text
    assert head not in client.get(f"/f/recompte/results/c/{closed_scene.challenge.id}").text
    data = client.get("/f/recompte/results.json").get_json()
    assert data["challenges"][0]["chain"]["head"] == head
    assert data["challenges"][0]["chain"]["ballots"] == {"phone": 5, "ticket": 0, "assisted": 0}
    page = client.get("/f/recompte/results").text
    assert "/f/recompte/log.json" in page and "/f/recompte/recount.py" in page
    staff_login(client, make_staff("facilitator", forums=[closed_scene.forum]))
    assert head in client.get("/f/recompte/results").text
    assert head in client.get(f"/f/recompte/results/c/{closed_scene.challenge.id}").text


def test_a_challenge_still_voting_has_no_head_in_the_json(client, closed_scene, make_staff, db):
    organiser = make_staff("organiser", owns=[closed_scene.forum])
    _token, clear = create_read_token(closed_scene.forum, "", organiser)
    db.session.commit()
    data = client.get("/f/recompte/results.json", headers={"Authorization": f"Bearer {clear}"})
    assert [c["chain"] is None for c in data.get_json()["challenges"]] == [False, True]


def test_the_log_runs_a_fixed_number_of_statements(
    client, closed_scene, as_participant, make_participant, make_idea, cast_dots, count_queries, db
):
    """Not one per challenge, receipt or entry: a second closed challenge with more voters
    costs no more statements."""
    from cite_vote.votes.phases import set_phase

    as_participant(client, closed_scene.people["ana"])
    with count_queries() as one:
        assert client.get("/f/recompte/log.json").status_code == 200
    second = closed_scene.forum.challenges[1]
    idea = make_idea(second, title="Une autre idée")
    for _ in range(6):
        cast_dots(make_participant(closed_scene.forum), idea, 2)
    set_phase(closed_scene.forum, "closed", second)
    db.session.commit()
    with count_queries() as two:
        log = client.get("/f/recompte/log.json").get_json()
    assert len(log["challenges"]) == 2 and len(log["challenges"][1]["ballots"]) == 6
    assert two.count == one.count, (one.statements, two.statements)


def test_no_public_output_shows_the_dots_of_a_category_of_one(
    client, closed_scene, as_participant, staff_login, make_staff, db, codes
):
    """Each of the five voters is alone in their category: a category's dots would be that
    person's ballot, so no output shows them apart (they are counted together as "other")."""
    from tests.test_results_privacy import labels_with_dots

    texts = public_outputs(client, closed_scene, as_participant, staff_login, make_staff, db, codes)
    alone = {p.category for p in closed_scene.people.values() if p.category}
    assert len(alone) == 4
    for where, text in texts.items():
        if where.startswith("log") or where.startswith("receipt"):
            continue
        labels = labels_with_dots(where, text)
        assert not labels & (alone | {"sans collège", "no category"}), (where, labels)
    document = json.loads(texts["results.json"])
    for idea in document["challenges"][0]["ideas"]:
        assert [set(e) for e in idea["dots_by_category"]] == [{"other", "dots"}]
        assert idea["dots_by_category"][0]["dots"] == idea["dots"]
