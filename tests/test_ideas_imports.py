"""Ideas brought into a challenge from a file: the preview tells each row's fate, the
confirmation stores all or nothing, bad files are refused with a message and store nothing."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from cite_vote.ideas.models import Idea, ModerationRecord

# The columns of Decidim's proposals export: ProposalSerializer#serialize
# (decidim-proposals/lib/decidim/proposals/proposal_serializer.rb) flattened by
# Decidim::Exporters::CSV (decidim-core/lib/decidim/exporters/csv.rb: nested keys joined with
# "/", lists joined with ", ", columns separated by ";"), for an organisation in fr and en.
DECIDIM_EXPORT_COLUMNS = [
    "id",
    "author/id",
    "author/name",
    "author/url",
    "participatory_space/id",
    "participatory_space/url",
    "component/id",
    "title/fr",
    "title/en",
    "body/fr",
    "body/en",
    "address",
    "latitude",
    "longitude",
    "state",
    "state_published_at",
    "reference",
    "answer/fr",
    "answer/en",
    "answered_at",
    "votes",
    "likes/total_count",
    "likes/user_endorsements",
    "comments",
    "attachments",
    "follows_count",
    "published_at",
    "url",
    "meeting_urls",
    "related_proposals",
    "is_amend",
    "original_proposal/title",
    "original_proposal/url",
    "withdrawn",
    "withdrawn_at",
    "created_at",
    "updated_at",
    "created_in_meeting",
    "coauthorships_count",
    "cost",
    "cost_report",
    "execution_period",
]

EXISTING = "Créer un tiers-lieu pour les jeunes"
# (title/fr, title/en, body/fr, author/name) and the fate the preview must give each row.
DECIDIM_ROWS = [
    ("Un fab lab dans chaque lycée", "", "<p>Des machines <strong>partagées</strong></p>", "Léa"),
    ("Tiers lieux jeunes : en créer un", "", "Déjà proposé sous un autre nom", "Marc"),
    ("", "", "Sans titre", "Inès"),
    ("T" * 150, "", "Un titre de Decidim peut faire 150 caractères", ""),
    ("Un titre\u0007 avec une cloche", "", "", ""),
    ("", "A bike library", "Only in English", "Sam"),
]
EXPECTED_FATES = ["new", "duplicate", "refused", "refused", "refused", "new"]


def decidim_row(n: int, title_fr: str, title_en: str, body_fr: str, author: str) -> dict:
    row = dict.fromkeys(DECIDIM_EXPORT_COLUMNS, "")
    row |= {
        "id": str(100 + n),
        "author/id": str(7 + n),
        "author/name": author,
        "title/fr": title_fr,
        "title/en": title_en,
        "body/fr": body_fr,
        "state": "accepted",
        "votes": "12",
        "reference": f"DEC-PROP-2024-01-{100 + n}",
        "published_at": "2024-01-12 10:00:00 +0100",
    }
    return row


def decidim_csv() -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DECIDIM_EXPORT_COLUMNS, delimiter=";")
    writer.writeheader()
    for n, values in enumerate(DECIDIM_ROWS):
        writer.writerow(decidim_row(n, *values))
    return out.getvalue().encode("utf-8-sig")


def decidim_json() -> bytes:
    """Decidim's JSON export: the serializer's nested hashes, unflattened."""
    items = []
    for n, (title_fr, title_en, body_fr, author) in enumerate(DECIDIM_ROWS):
        items.append(
            {
                "id": 100 + n,
                "author": {"id": [7 + n], "name": [author] if author else [], "url": []},
                "title": {"fr": title_fr, "en": title_en},
                "body": {"fr": body_fr, "en": ""},
                "state": "accepted",
                "votes": 12,
                "likes": {"total_count": 0, "user_endorsements": []},
                "original_proposal": {"title": None, "url": None},
                "is_amend": False,
            }
        )
    return json.dumps(items, ensure_ascii=False).encode()


@pytest.fixture
def imports(make_forum, make_idea, make_staff, staff_login, client):
    forum = make_forum(slug="import", phase="proposing")
    challenge = forum.challenges[0]
    make_idea(challenge, title=EXISTING)
    organiser = make_staff("organiser", owns=[forum])
    staff_login(client, organiser)
    url = f"/staff/f/import/c/{challenge.id}/import"

    class Scene:
        pass

    scene = Scene()
    scene.forum, scene.challenge, scene.organiser, scene.url = forum, challenge, organiser, url
    scene.client = client
    return scene


def upload(client, url, data: bytes, name: str):
    return client.post(
        url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def fates(html: str) -> list[str]:
    return re.findall(r'<tr class="fate-(\w+)"', html)


def signed_rows(html: str) -> str:
    return re.search(r'name="rows" type="hidden" value="([^"]+)"', html).group(1)


def idea_count(db, challenge) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Idea).where(Idea.challenge_id == challenge.id)
    )


def test_a_decidim_csv_export_previews_every_row_right(imports, db):
    response = upload(imports.client, imports.url, decidim_csv(), "proposals.csv")
    assert response.status_code == 200, response.text
    assert fates(response.text) == EXPECTED_FATES
    html = response.text
    assert "Likely duplicate of no." in html or "Doublon probable" in html
    assert idea_count(db, imports.challenge) == 1  # the preview stores nothing
    # A refused row: no button to import.
    assert 'name="rows"' not in html


def test_a_decidim_json_export_previews_every_row_right(imports):
    response = upload(imports.client, imports.url, decidim_json(), "proposals.json")
    assert response.status_code == 200, response.text
    assert fates(response.text) == EXPECTED_FATES


def good_csv(sep: str = ";", encoding: str = "utf-8-sig") -> bytes:
    lines = [
        ["titre", "description", "catégorie", "auteur"],
        ["Un fab lab dans chaque lycée", "Des machines partagées", "association", "Léa"],
        ["Une fête de la science élargie", "", "", ""],
        ["Tiers lieux jeunes : en créer un", "", "citoyen·ne", ""],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows(lines)
    return (
        out.getvalue().replace("·", "-").encode(encoding)
        if encoding == "cp1252"
        else (out.getvalue().encode(encoding))
    )


def test_confirming_imports_every_row_and_marks_them_in_the_history(imports, db):
    preview = upload(imports.client, imports.url, good_csv(), "idees-2017.csv")
    assert fates(preview.text) == ["new", "new", "duplicate"]
    response = imports.client.post(
        imports.url + "/confirm", data={"rows": signed_rows(preview.text), "skip_duplicates": ""}
    )
    assert response.status_code == 303
    # "importées de idées-2017.csv" missed its elision: the file is named as a file.
    flashed = imports.client.get(response.headers["Location"]).text
    assert "3 idées importées du fichier « idees-2017.csv »." in flashed
    ideas = db.session.scalars(
        select(Idea).where(Idea.challenge_id == imports.challenge.id).order_by(Idea.id)
    ).all()
    assert [i.title for i in ideas[1:]] == [
        "Un fab lab dans chaque lycée",
        "Une fête de la science élargie",
        "Tiers lieux jeunes : en créer un",
    ]
    assert ideas[1].author_category == "association" and ideas[1].imported_author == "Léa"
    records = db.session.scalars(
        select(ModerationRecord).where(ModerationRecord.action == "import")
    ).all()
    assert len(records) == 3
    assert {r.note for r in records} == {"idees-2017.csv"}
    assert {r.staff_id for r in records} == {imports.organiser.id}
    # The staff's page of the idea says where it came from, who brought it and when.
    page = imports.client.get(f"/staff/f/import/moderation/i/{ideas[1].id}").text
    assert "idees-2017.csv" in page and imports.organiser.email in page and "Léa" in page
    # The cahier's annex says where they came from.
    cahier = imports.client.get("/f/import/cahier").text
    annex = cahier[cahier.index('id="method-imports"') :]
    assert "idees-2017.csv" in annex and "Un fab lab dans chaque lycée" in annex
    assert "Aucune idée n’a été masquée ni fusionnée." in cahier


def test_likely_duplicates_may_be_left_out(imports, db):
    preview = upload(imports.client, imports.url, good_csv(), "idees.csv")
    imports.client.post(
        imports.url + "/confirm", data={"rows": signed_rows(preview.text), "skip_duplicates": "y"}
    )
    assert idea_count(db, imports.challenge) == 3


def test_a_preview_confirmed_twice_imports_its_ideas_once(imports, db):
    """A double click, or the browser's back button and the button again: the second
    confirmation of the same preview is refused (409) and stores nothing."""
    preview = upload(imports.client, imports.url, good_csv(), "idees.csv")
    data = {"rows": signed_rows(preview.text), "skip_duplicates": ""}
    assert imports.client.post(imports.url + "/confirm", data=data).status_code == 303
    stored = idea_count(db, imports.challenge)
    again = imports.client.post(imports.url + "/confirm", data=data)
    assert again.status_code == 409
    assert "déjà été importé" in again.text
    assert idea_count(db, imports.challenge) == stored
    # The same file sent again gets a preview of its own (each row now a likely duplicate).
    second = upload(imports.client, imports.url, good_csv(), "idees.csv")
    assert set(fates(second.text)) == {"duplicate"}
    confirmed = imports.client.post(
        imports.url + "/confirm", data={"rows": signed_rows(second.text), "skip_duplicates": ""}
    )
    assert confirmed.status_code == 303


def test_a_file_for_a_closed_challenge_is_refused_before_its_preview(imports, db):
    imports.challenge.phase = "closed"
    db.session.commit()
    response = upload(imports.client, imports.url, good_csv(), "idees.csv")
    assert response.status_code == 409
    assert "clos" in response.text and 'name="rows"' not in response.text


def test_a_comma_csv_saved_by_excel_in_windows_1252_reads(imports):
    data = good_csv(sep=",", encoding="cp1252")
    assert data.decode("cp1252").startswith("titre,description,catégorie")
    response = upload(imports.client, imports.url, data, "excel.csv")
    assert response.status_code == 200
    # "citoyen-ne" is no category of the forum: refused, and said so.
    assert fates(response.text) == ["new", "new", "refused"]
    assert "citoyen-ne" in response.text


def test_an_xlsx_file_reads(imports):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Description", "Category", "Author name"])
    sheet.append(["Un fab lab dans chaque lycée", "Des machines", "association", "Léa"])
    sheet.append(["Une fête de la science", None, None, None])
    out = io.BytesIO()
    book.save(out)
    response = upload(imports.client, imports.url, out.getvalue(), "idees.xlsx")
    assert response.status_code == 200, response.text
    assert fates(response.text) == ["new", "new"]


def test_a_file_with_a_refused_row_imports_nothing_even_when_forced(imports, db):
    preview = upload(imports.client, imports.url, decidim_csv(), "proposals.csv")
    from flask import current_app  # noqa: F401

    from cite_vote.ideas.imports.services import Row, sign_rows

    with imports.client.application.test_request_context():
        signed = sign_rows(
            imports.challenge,
            imports.organiser,
            "x.csv",
            [Row(2, "Une bonne idée", "", "", ""), Row(3, "", "", "", "")],
        )
    assert preview.status_code == 200
    response = imports.client.post(imports.url + "/confirm", data={"rows": signed})
    assert response.status_code == 409
    assert idea_count(db, imports.challenge) == 1


def test_forged_rows_are_refused(imports, db):
    response = imports.client.post(imports.url + "/confirm", data={"rows": "eyJmb28iOjF9.forged"})
    assert response.status_code == 422
    assert idea_count(db, imports.challenge) == 1


def test_a_facilitator_may_not_import(make_staff, imports, client, staff_login):
    other = imports.client.application.test_client()
    staff_login(other, make_staff("facilitator", forums=[imports.forum]))
    assert other.get(imports.url).status_code == 403
    assert upload(other, imports.url, good_csv(), "x.csv").status_code == 403


def xlsx_with_formula() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["title"])
    book.active.append(['=HYPERLINK("http://evil.example","clic")'])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BAD_FILES = {
    "not a table (an image)": (b"\x89PNG\r\n\x1a\n" + bytes(200), "idees.csv", 422),
    "not a table (no title column)": ("nom;âge\nLéa;12\n".encode(), "idees.csv", 422),
    "not a table (JSON object)": (b'{"title": "seul"}', "idees.json", 422),
    "not a workbook": (b"PK\x03\x04garbage", "idees.xlsx", 422),
    "wrong encoding (UTF-16)": ("title\nUne idée\n".encode("utf-16"), "idees.csv", 422),
    "wrong encoding (neither UTF-8 nor 1252)": (b"title\nUne id\x81e\xe9\xff\x9d\n", "a.csv", 422),
    "a formula (CSV)": (b'title\n=HYPERLINK("http://evil.example";"clic")\n', "f.csv", 422),
    "a formula (XLSX)": (xlsx_with_formula(), "f.xlsx", 422),
    "too many rows": (
        ("title\n" + "".join(f"Idée {n}\n" for n in range(5001))).encode(),
        "big.csv",
        422,
    ),
    "empty": (b"   \n", "empty.csv", 422),
    "a list of lists (JSON)": (b'[["title"], ["Une idee"]]', "idees.json", 422),
    "nested too deep (JSON)": (b"[" * 100_000 + b"]" * 100_000, "deep.json", 422),
    "a number of 5,000 digits (JSON)": (b'[{"title": ' + b"9" * 5000 + b"}]", "n.json", 422),
    "a cell longer than the CSV reader takes": (
        b'title\n"' + b"a" * 200_000 + b'"\n',
        "c.csv",
        422,
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_gets_a_message_and_stores_nothing(imports, db, case):
    data, name, status = BAD_FILES[case]
    response = upload(imports.client, imports.url, data, name)
    assert response.status_code == status, response.text
    assert 'role="alert"' in response.text
    assert 'name="rows"' not in response.text
    assert idea_count(db, imports.challenge) == 1


def test_a_cell_too_long_for_the_csv_reader_is_named_so(imports, db):
    data = b'title;description\nUne id\xc3\xa9e;"' + b"a" * 200_000 + b'"\n'
    response = upload(imports.client, imports.url, data, "long.csv")
    assert response.status_code == 422
    assert "ligne 2" in response.text.lower() and "131072" in response.text


def test_a_file_over_10_mb_is_refused_as_too_large(imports, db):
    data = b"title\n" + b"x" * (10 * 1024 * 1024)
    response = upload(imports.client, imports.url, data, "big.csv")
    assert response.status_code == 413
    assert "10" in response.text
    assert idea_count(db, imports.challenge) == 1


def test_5000_rows_are_accepted(imports):
    data = ("title\n" + "".join(f"Proposition numéro {n}\n" for n in range(5000))).encode()
    response = upload(imports.client, imports.url, data, "big.csv")
    assert response.status_code == 200
    assert len(fates(response.text)) == 5000


def test_a_row_repeated_in_the_file_is_a_likely_duplicate(imports):
    data = "title\nUn fab lab au lycée\nun fab lab au lycee\n".encode()
    response = upload(imports.client, imports.url, data, "x.csv")
    assert fates(response.text) == ["new", "duplicate"]


def test_the_upload_page_works_without_javascript(imports):
    html = imports.client.get(imports.url).text
    assert 'enctype="multipart/form-data"' in html and 'method="post"' in html


def test_a_bullet_before_brackets_is_text_not_a_formula(imports):
    data = b"title;description\nDes bancs;- Ajouter (voir plus bas) des bancs\n"
    response = upload(imports.client, imports.url, data, "x.csv")
    assert response.status_code == 200
    assert fates(response.text) == ["new"]
    for formula in ("+SUM(A1)", "@SUM(A1)", "-cmd(1)", "=1+1"):
        data = f"title\n{formula}\n".encode()
        assert upload(imports.client, imports.url, data, "x.csv").status_code == 422


def test_the_quick_pick_of_likely_duplicates_misses_none():
    """``_candidates`` leaves out only ideas the similar-idea score could not rate alike."""
    from itertools import product

    from cite_vote.ideas.imports.services import _candidates
    from cite_vote.ideas.similar import THRESHOLD, fold, folded_score

    titles = [
        "Créer un tiers-lieu pour les jeunes",
        "tiers lieux jeunes : en créer un",
        "Un fab lab dans chaque lycée",
        "Fab lab lycée",
        "Des binômes chercheur·e – entreprise",
        "Binômes entreprises chercheurs",
        "Un observatoire des métiers",
        "Observatoire régional des métiers de demain",
        "jeunes",
        "Une fête de la science élargie",
    ]
    folded = [fold(t) for t in titles]
    for a, b in product(range(len(titles)), repeat=2):
        if folded_score(folded[a], folded[b]) >= THRESHOLD:
            assert b in _candidates(folded[a], folded)


def test_a_decidim_xlsx_export_previews_every_row_right(imports):
    """Decidim's Excel export: the same flattened columns as its CSV (Exporters::Excel)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(DECIDIM_EXPORT_COLUMNS)
    for n, values in enumerate(DECIDIM_ROWS):
        if "\u0007" in values[0]:  # a workbook cannot hold it: a bidirectional override instead
            values = (values[0].replace("\u0007", "\u202e"), *values[1:])
        row = decidim_row(n, *values)
        book.active.append([row[c] for c in DECIDIM_EXPORT_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    response = upload(imports.client, imports.url, out.getvalue(), "proposals.xlsx")
    assert response.status_code == 200, response.text
    assert fates(response.text) == EXPECTED_FATES
