"""Downloads: each format parsed back, and every one in the same order as the results page."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cite_vote.results.services import challenge_results
from tests.helpers import every_get_page

T0 = datetime(2018, 10, 16, 9, 0)
FORMULA = '=HYPERLINK("http://evil.example","Cliquez")'
TITLES = [
    "Atelier mobile",
    "Bibliothèque partagée",
    "Covoiturage solidaire",
    "Data ouverte",
    "Échanges apprenants",
    "Forum annuel",
    "Guichet unique",
]


@pytest.fixture
def event(
    every_category_shown,
    make_forum,
    make_participant,
    make_idea,
    make_comment,
    make_staff,
    cast_dots,
    db,
):
    """Two challenges with ties, several categories, an unsupported idea, a hidden one (each
    category shown on its own, although it has fewer voters than a forum would need)."""
    forum = make_forum(slug="cite-export", challenges=2, phase="voting", dot_budget=9)
    forum.shortlist_size = 2
    first, second = forum.challenges
    db.session.commit()
    people = [
        make_participant(forum, c)
        for c in ("chercheur·e", "chercheur·e", "association", "citoyen·ne", None)
    ]
    ideas = [
        make_idea(
            first if n < 5 else second,
            author=people[n % 3],
            title=title,
            description=f"Description de « {title} »",
            created_at=T0 + timedelta(minutes=n),
        )
        for n, title in enumerate(TITLES)
    ]
    formula = make_idea(
        second, title=FORMULA, description="+33 6 12 34 56 78", created_at=T0 + timedelta(hours=1)
    )
    make_idea(first, title="Idée masquée", status="hidden")
    votes = [
        (0, 1, 3),  # Atelier: 3 dots from one researcher
        (2, 1, 1),
        (2, 2, 1),
        (2, 3, 1),  # Covoiturage: 3 dots from three categories
        (1, 0, 1),
        (1, 4, 1),  # Bibliothèque: 2 dots, 2 supporters
        (3, 2, 1),
        (3, 3, 1),  # Data ouverte: tied with Bibliothèque, proposed later
        (5, 0, 2),
        (6, 2, 2),  # challenge 2: Forum and Guichet tied
        (7, 4, 1),
    ]
    all_ideas = [*ideas, formula]
    for idea_index, person, dots in votes:
        cast_dots(people[person], all_ideas[idea_index], dots)
    make_comment(ideas[0], body="Très concret", author_category="association")
    make_comment(ideas[0], body="Commentaire masqué", status="hidden")
    make_comment(ideas[2], body="-1 pour moi")
    for challenge in forum.challenges:
        challenge.phase = "closed"
    db.session.commit()
    return forum


@pytest.fixture
def organiser(client, event, make_staff, staff_login):
    staff_login(client, make_staff("organiser", owns=[event]))
    return client


def service_order(forum, order, scope) -> list[tuple[int, list[int]]]:
    results = challenge_results(forum, list(forum.challenges))
    return [
        (res.challenge.position, [r.idea.id for r in res.rows(order, scope)]) for res in results
    ]


def page_order(client, order, scope) -> list[tuple[int, list[int]]]:
    html = client.get(f"/f/cite-export/results?order={order}&scope={scope}").text
    sections = re.split(r'<section class="results-challenge"', html)[1:]
    found = []
    for section in sections:
        position = int(re.search(r"Défi (\d+)", section).group(1))
        found.append((position, [int(i) for i in re.findall(r'data-idea-id="(\d+)"', section)]))
    return found


def grouped(pairs) -> list[tuple[int, list[int]]]:
    out: list[tuple[int, list[int]]] = []
    for position, idea_id in pairs:
        if not out or out[-1][0] != position:
            out.append((position, []))
        out[-1][1].append(idea_id)
    return out


def csv_rows(response, sep: str) -> list[dict]:
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=sep))


def csv_order(client, order, scope, sep) -> list[tuple[int, list[int]]]:
    name = "semicolon" if sep == ";" else "comma"
    response = client.get(f"/f/cite-export/results.csv?order={order}&scope={scope}&sep={name}")
    rows = csv_rows(response, sep)
    return grouped((int(r["N° du défi"]), int(r["N° de l’idée"])) for r in rows if r["Rang"] != "")


def xlsx_order(client, order, scope) -> list[tuple[int, list[int]]]:
    response = client.get(f"/f/cite-export/results.xlsx?order={order}&scope={scope}")
    book = load_workbook(io.BytesIO(response.data))
    found = []
    for sheet in book.worksheets[1:-1]:
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        found += [(r[0], r[4]) for r in rows if r[2] not in (None, "")]
    return grouped(found)


def json_order(client, order, scope) -> list[tuple[int, list[int]]]:
    data = client.get(f"/f/cite-export/results.json?order={order}&scope={scope}").get_json()
    return [(c["position"], [i["idea_id"] for i in c["ideas"]]) for c in data["challenges"]]


def cahier_order(client, order, scope) -> list[tuple[int, list[int]]]:
    html = client.get(f"/f/cite-export/cahier?order={order}&scope={scope}").text
    chapters = re.split(r'<section class="chapter"', html)[1:]
    return [
        (n, [int(i) for i in re.findall(r'data-idea-id="(\d+)"', chapter)])
        for n, chapter in enumerate(chapters, start=1)
    ]


@pytest.mark.parametrize("order", ["dots", "cross"])
@pytest.mark.parametrize("scope", ["all", "shortlist"])
def test_every_download_is_in_the_order_of_the_results_page(organiser, event, order, scope):
    expected = page_order(organiser, order, scope)
    assert expected == service_order(event, order, scope)
    assert sum(len(ids) for _p, ids in expected) >= (3 if scope == "shortlist" else 8)
    assert csv_order(organiser, order, scope, ",") == expected
    assert csv_order(organiser, order, scope, ";") == expected
    assert xlsx_order(organiser, order, scope) == expected
    assert json_order(organiser, order, scope) == expected
    assert cahier_order(organiser, order, scope) == expected


@pytest.mark.parametrize("order", ["dots", "cross"])
def test_the_pdf_lists_the_ideas_in_the_order_of_the_results_page(organiser, event, order, db):
    from cite_vote.ideas.models import Idea

    response = organiser.get(f"/f/cite-export/cahier.pdf?order={order}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    titles = {i.id: i.title for i in db.session.query(Idea).all()}
    expected = [titles[i] for _p, ids in page_order(organiser, order, "all") for i in ids]
    positions = [text.find(t if not t.startswith("=") else "HYPERLINK") for t in expected]
    assert -1 not in positions, (expected, text[:2000])
    assert positions == sorted(positions)
    assert "Idée masquée" not in text


def test_ranked_ideas_differ_between_the_two_orders(organiser):
    assert page_order(organiser, "dots", "all") != page_order(organiser, "cross", "all")


def test_csv_has_a_bom_the_columns_and_one_row_per_idea(organiser, event):
    response = organiser.get("/f/cite-export/results.csv")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "cite-export-ideas-" in disposition
    rows = csv_rows(response, ",")
    required = [
        "N° du défi",
        "Défi",
        "Rang",
        "N° de l’idée",
        "Titre",
        "Description",
        "Points",
        "Soutiens",
        "Commentaires",
        "Collèges en soutien",
        "Collège de l’auteur·rice",
        "Statut",
        "Proposée le",
    ]
    assert set(required) <= set(rows[0])
    assert {"Points : chercheur·e", "Points : association", "Points : sans collège"} <= set(rows[0])
    covoiturage = next(r for r in rows if r["Titre"] == "Covoiturage solidaire")
    assert covoiturage["Points"] == "3" and covoiturage["Soutiens"] == "3"
    assert covoiturage["Collèges en soutien"] == "3"
    assert covoiturage["Soutien transversal"] == "oui"
    assert covoiturage["Commentaires"] == "1"
    assert covoiturage["Description"] == "Description de « Covoiturage solidaire »"
    atelier = next(r for r in rows if r["Titre"] == "Atelier mobile")
    assert atelier["Commentaires"] == "1"  # the hidden comment is not counted
    assert atelier["Points : chercheur·e"] == "3" and atelier["Points : association"] == "0"
    # "All ideas" also lists the hidden idea, without a rank, with its status.
    hidden = next(r for r in rows if r["Titre"] == "Idée masquée")
    assert hidden["Rang"] == "" and hidden["Statut"] == "Masquée"
    assert len(rows) == 9


def test_a_french_csv_has_no_english_word_in_its_header_or_its_values(organiser):
    rows = csv_rows(organiser.get("/f/cite-export/results.csv?sep=semicolon"), ";")
    assert not [name for name in rows[0] if re.fullmatch(r"[a-z_]+", name)]
    assert {r["Ex aequo"] for r in rows} == {"oui", "non", ""}
    assert {r["Soutien transversal"] for r in rows} == {"oui", "non"}
    assert {r["Statut"] for r in rows} == {"Publiée", "Masquée"}


def test_an_english_csv_reads_as_english(organiser):
    rows = csv_rows(organiser.get("/f/cite-export/results.csv?lang=en"), ",")
    assert list(rows[0])[:6] == ["Challenge no.", "Challenge", "Rank", "Tied", "Idea no.", "Title"]
    assert "Dots: no category" in rows[0]
    covoiturage = next(r for r in rows if r["Title"] == "Covoiturage solidaire")
    assert covoiturage["Cross-group support"] == "yes" and covoiturage["Tied"] == "no"
    hidden = next(r for r in rows if r["Title"] == "Idée masquée")
    assert hidden["Status"] == "Hidden"


def test_csv_with_semicolons_parses_the_same(organiser):
    comma = csv_rows(organiser.get("/f/cite-export/results.csv"), ",")
    response = organiser.get("/f/cite-export/results.csv?sep=semicolon")
    assert ";Défi;".encode() in response.data.splitlines()[0]
    assert "semicolon" in response.headers["Content-Disposition"]
    assert csv_rows(response, ";") == comma


def test_shortlist_csv_keeps_the_top_n_and_ties_at_the_edge(organiser):
    rows = csv_rows(organiser.get("/f/cite-export/results.csv?scope=shortlist"), ",")
    first = [(r["Rang"], r["Titre"]) for r in rows if r["N° du défi"] == "1"]
    assert first == [("1", "Covoiturage solidaire"), ("2", "Atelier mobile")]
    second = [(r["Rang"], r["Ex aequo"], r["Titre"]) for r in rows if r["N° du défi"] == "2"]
    assert second == [("1", "oui", "Forum annuel"), ("1", "oui", "Guichet unique")]


@pytest.mark.parametrize("sep", ["comma", "semicolon"])
def test_csv_cells_that_look_like_formulas_are_defused(organiser, sep):
    response = organiser.get(f"/f/cite-export/results.csv?sep={sep}")
    rows = csv_rows(response, ";" if sep == "semicolon" else ",")
    formula = next(r for r in rows if "HYPERLINK" in r["Titre"])
    assert formula["Titre"] == "'" + FORMULA
    assert formula["Description"] == "'+33 6 12 34 56 78"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_dangerous_first_character_is_escaped(start):
    from cite_vote.results.exports import safe_cell

    assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("Idée = bonne") == "Idée = bonne"
    assert safe_cell(-3) == -3


# The cells an outsider found past the guard: a formula behind a character that shows nothing.
HIDDEN_FORMULAS = [
    "\u200b=1+1",
    '\ufeff=HYPERLINK("http://evil.example","Cliquez")',
    "\u200c+1+1",
    "\u2060-1+1",
    "\u200d@SUM(A1:A2)",
    " =1+1",
    "\u00a0=1+1",
    "\u200b\t=1+1",
    "\ufeff\r=1+1",
    "\u200e\u200b=1+1",
]


@pytest.mark.parametrize("cell", HIDDEN_FORMULAS)
def test_a_formula_behind_invisible_characters_is_escaped(cell):
    from cite_vote.results.exports import safe_cell

    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["\u200bIdée", "Idée\u200b=1", "\u00a0Une idée", "Une idée"])
def test_text_that_only_contains_invisible_characters_is_left_alone(cell):
    from cite_vote.results.exports import safe_cell

    assert safe_cell(cell) == cell


def test_hidden_formulas_in_titles_are_defused_in_the_csv(organiser, event, db):
    from cite_vote.ideas.models import Idea

    ideas = db.session.query(Idea).order_by(Idea.id).limit(4).all()
    for idea, title in zip(ideas, HIDDEN_FORMULAS, strict=False):
        idea.title = title
    db.session.commit()
    rows = csv_rows(organiser.get("/f/cite-export/results.csv"), ",")
    titles = {r["Titre"] for r in rows}
    assert {"'" + t for t in HIDDEN_FORMULAS[:4]} <= titles


def test_an_idea_titled_with_a_control_character_does_not_break_the_xlsx_even_hidden(
    organiser, event, db
):
    """The outsider's finding: « Une idée\\x01 » made results.xlsx answer 500, hidden or not."""
    from cite_vote.ideas.models import Idea

    idea = db.session.query(Idea).filter_by(title="Atelier mobile").one()
    idea.title = "Une idée\x01"
    db.session.commit()
    for hidden in (False, True):
        idea.status = "hidden" if hidden else "visible"
        db.session.commit()
        response = organiser.get("/f/cite-export/results.xlsx")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
        titles = [
            row[5] for sheet in book.worksheets[1:-1] for row in sheet.iter_rows(values_only=True)
        ]
        assert "Une idée\ufffd" in titles


def test_xlsx_has_a_summary_a_sheet_per_challenge_and_comments(organiser, event):
    response = organiser.get("/f/cite-export/results.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Synthèse", "1. Défi 1", "2. Défi 2", "Commentaires"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1] if cell.value)
    summary = book["Synthèse"]
    assert [c.value for c in summary[1]][:3] == ["N° du défi", "Défi", "Question"]
    assert summary.cell(row=2, column=8).value == "Covoiturage solidaire"
    assert summary.cell(row=2, column=6).value == 5  # participants who placed dots
    sheet = book["1. Défi 1"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["N° du défi", "Défi", "Rang", "Ex aequo", "N° de l’idée", "Titre"]
    assert sheet.column_dimensions["F"].width > sheet.column_dimensions["A"].width
    comments = book["Commentaires"]
    bodies = [row[6] for row in comments.iter_rows(min_row=2, values_only=True)]
    assert bodies == ["-1 pour moi", "Très concret"]  # by rank: Covoiturage, then Atelier


def test_xlsx_words_follow_the_language(organiser):
    book = load_workbook(io.BytesIO(organiser.get("/f/cite-export/results.xlsx").data))
    assert book["Synthèse"].cell(row=2, column=4).value == "Clos"
    sheet = book["1. Défi 1"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert {r["Soutien transversal"] for r in rows} == {"oui", "non"}
    assert {r["Ex aequo"] for r in rows} == {"oui", "non", None}
    assert {r["Statut"] for r in rows} == {"Publiée", "Masquée"}
    english = load_workbook(io.BytesIO(organiser.get("/f/cite-export/results.xlsx?lang=en").data))
    assert english.sheetnames[0] == "Summary"
    assert english["Summary"].cell(row=2, column=4).value == "Closed"
    sheet = english["1. Défi 1"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert {r["Cross-group support"] for r in rows} == {"yes", "no"}
    assert {r["Status"] for r in rows} == {"Published", "Hidden"}


def test_xlsx_keeps_formula_like_text_as_text(organiser):
    book = load_workbook(io.BytesIO(organiser.get("/f/cite-export/results.xlsx").data))
    sheet = book["2. Défi 2"]
    cells = [row[5] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[5].value)]
    assert len(cells) == 1
    assert cells[0].value == FORMULA and cells[0].data_type == "s"
    comment = next(
        row[6]
        for row in book["Commentaires"].iter_rows(min_row=2)
        if str(row[6].value).startswith("-1")
    )
    assert comment.data_type == "s"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_json_has_the_documented_shape_in_either_language(organiser, event, lang):
    data = organiser.get(f"/f/cite-export/results.json?lang={lang}").get_json()
    assert data["challenges"][0]["phase"] == "closed"
    assert data["format"] == "cite-vote/results" and data["version"] == 1
    assert data["forum"] == {"slug": "cite-export", "title": "Forum de test"}
    assert data["shortlist_size"] == 2 and data["cross_group_min"] == 3
    idea = data["challenges"][0]["ideas"][0]
    assert idea["title"] == "Covoiturage solidaire"
    assert idea["cross_group"] is True and idea["shortlisted"] is True
    assert {"category": "association", "dots": 1} in idea["dots_by_category"]
    assert {"category": None, "dots": 0} in idea["dots_by_category"]
    assert idea["author_name"] is None
    assert [i["status"] for i in data["challenges"][0]["unranked_ideas"]] == ["hidden"]


def test_the_cahier_shows_categories_never_names_unless_chosen(organiser, event, db):
    from cite_vote.ideas.models import Idea

    idea = db.session.query(Idea).filter_by(title="Atelier mobile").one()
    idea.author.display_name = "Camille Secret"
    db.session.commit()
    html = organiser.get("/f/cite-export/cahier").text
    assert "Camille Secret" not in html
    assert "Proposée par un·e participant·e : chercheur·e" in html
    assert "Très concret" in html and "Commentaire masqué" not in html
    assert "Idée masquée" not in html
    assert event.challenges[0].question in html
    assert "Les idées sont classées par nombre total de points" in html
    idea.show_author_name = True
    db.session.commit()
    assert "Proposée par Camille Secret" in organiser.get("/f/cite-export/cahier").text


def test_the_pdf_is_an_attachment_with_a_good_name(organiser):
    response = organiser.get("/f/cite-export/cahier.pdf")
    assert response.data.startswith(b"%PDF")
    assert re.search(
        r"attachment; filename=cite-export-cahier-\d{4}-\d{2}-\d{2}\.pdf",
        response.headers["Content-Disposition"],
    )
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Cahier d’idées" in text or "CAHIER D’IDÉES" in text.upper()


# --- text stored with control characters (older data, imports, a database edited by hand) ------

CONTROL = "\x01"


@pytest.fixture
def stored_controls(event, make_participant, make_idea, make_comment, cast_dots, db):
    """Control characters written straight into the database, past every form: an idea's title
    and description, a hidden idea, a comment, a shown name, a category, the challenge and
    forum texts."""
    from cite_vote.ideas.models import Idea

    first = event.challenges[0]
    first.title = f"Défi{CONTROL} 1"
    first.question = f"Comment{CONTROL} ?"
    first.description = "Texte\x0b du défi\x7f\x85"
    event.title = f"Forum{CONTROL}"
    event.description = f"Description{CONTROL}"
    event.categories = [*event.categories, f"collège{CONTROL}"]
    db.session.commit()
    idea = db.session.query(Idea).filter_by(title="Atelier mobile").one()
    idea.title = f"Une idée{CONTROL}"
    idea.description = f"Avant{CONTROL}\x1faprès"
    idea.author.display_name = f"Ana{CONTROL}"
    idea.author.category = f"collège{CONTROL}"
    idea.author_category = f"collège{CONTROL}"
    idea.show_author_name = True
    hidden = db.session.query(Idea).filter_by(title="Idée masquée").one()
    hidden.title = f"Idée masquée{CONTROL}"
    make_comment(idea, body=f"Bravo{CONTROL}", author_category=f"collège{CONTROL}")
    db.session.commit()
    return idea


DOWNLOADS = [
    "/f/cite-export/results.csv",
    "/f/cite-export/results.csv?sep=semicolon&scope=shortlist",
    "/f/cite-export/results.json",
    "/f/cite-export/log.json",
    "/f/cite-export/log.csv",
    "/f/cite-export/cahier",
    "/f/cite-export/cahier.pdf",
    *(
        f"/f/cite-export/results.xlsx?order={order}&scope={scope}"
        for order in ("dots", "cross")
        for scope in ("all", "shortlist")
    ),
]


@pytest.mark.parametrize("url", DOWNLOADS)
def test_stored_control_characters_break_no_download(organiser, stored_controls, url):
    response = organiser.get(url)
    assert response.status_code == 200, response.text[:500]
    if ".xlsx" in url:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        book = load_workbook(io.BytesIO(response.data))
        assert "1. Défi\ufffd 1" in book.sheetnames
        rows = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
        texts = [c for row in rows for c in row if isinstance(c, str)]
        assert "Défi\ufffd 1" in texts and "Comment\ufffd ?" in texts
        assert not [t for t in texts if ILLEGAL_CHARACTERS_RE.search(t) or "\x7f" in t]
    if "results.csv" in url:
        assert "Une idée\ufffd".encode() in response.data and CONTROL.encode() not in response.data
    if url.endswith("cahier.pdf"):
        assert response.data.startswith(b"%PDF")
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        assert "Une idée" in text


def test_the_xlsx_of_all_ideas_keeps_a_hidden_idea_with_a_control_character(
    organiser, stored_controls
):
    book = load_workbook(io.BytesIO(organiser.get("/f/cite-export/results.xlsx").data))
    titles = [
        row[5] for sheet in book.worksheets[1:-1] for row in sheet.iter_rows(values_only=True)
    ]
    assert "Idée masquée\ufffd" in titles
    comments = [row[6] for row in book.worksheets[-1].iter_rows(values_only=True)]
    assert "Bravo\ufffd" in comments
    assert book.properties.title == "Forum\ufffd"


def test_the_json_keeps_stored_text_as_it_is(organiser, stored_controls):
    data = organiser.get("/f/cite-export/results.json").get_json()
    titles = [i["title"] for c in data["challenges"] for i in c["ideas"]]
    assert f"Une idée{CONTROL}" in titles  # escaped as \u0001: any JSON reader takes it


def test_stored_control_characters_break_no_page(
    client, event, stored_controls, make_staff, staff_login, as_participant, app, db
):
    """Every page the app serves (its URL map), as the idea's author and as the organiser."""
    forum, challenge, idea = event, event.challenges[0], stored_controls
    from cite_vote.accounts.services import create_assisted_participant
    from cite_vote.tokens import hash_token

    staff_login(client, make_staff("organiser", owns=[forum]))
    author = idea.author
    author.token = "the-author-s-phone"
    author.token_hash = hash_token(author.token)
    db.session.commit()
    as_participant(client, author)
    assisted = create_assisted_participant(forum)
    assisted.display_name = f"M. Diallo{CONTROL}"
    db.session.commit()
    values = {
        "slug": forum.slug,
        "challenge_id": challenge.id,
        "idea_id": idea.id,
        "participant_id": assisted.id,
        "code": forum.join_code,
    }
    seen = 0
    for url in every_get_page(app, values):
        response = client.get(url)
        assert response.status_code < 500, (url, response.text[:500])
        seen += 1
    assert seen >= 30
