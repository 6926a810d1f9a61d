"""The cahier as an organiser prints it for the Region: a cover, a contents page with page
numbers, the ranking rule once, a clear hierarchy per challenge, bars readable in black and
white, emoji that print, and a PDF tagged for accessibility (PDF/UA)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def printed(
    every_category_shown, make_forum, make_participant, make_idea, make_comment, cast_dots, db
):
    forum = make_forum(
        slug="imprime",
        phase="voting",
        challenges=2,
        title="Forum des idées 🌱 de la Région",
        categories=["association", "habitant·e"],
    )
    first, second = forum.challenges
    ideas = [
        make_idea(first, title="Un café des métiers 🚀 ouvert à tous"),
        make_idea(first, title="Des ateliers du soir"),
        make_idea(second, title="Une navette de nuit"),
    ]
    make_comment(ideas[0], body="Oui, avec les lycées")
    cast_dots(make_participant(forum, category="association"), ideas[0], 2)
    cast_dots(make_participant(forum, category="habitant·e"), ideas[0], 1)
    cast_dots(make_participant(forum, category="habitant·e"), ideas[2], 1)
    for challenge in forum.challenges:
        challenge.phase = "closed"
    db.session.commit()
    return forum


@pytest.fixture
def organiser(client, printed, make_staff, staff_login):
    return staff_login(client, make_staff("organiser", owns=[printed]))


@pytest.fixture
def pdf(organiser) -> PdfReader:
    response = organiser.get("/f/imprime/cahier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def font_names(reader: PdfReader) -> set[str]:
    """Every /FontName the PDF embeds, in its font descriptors (subset prefix dropped)."""
    names = set()
    for number in range(1, len(reader.xref_objStm) + 2000):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: BLE001 (a free or missing object number)
            continue
        if hasattr(obj, "get") and obj.get("/Type") == "/FontDescriptor":
            names.add(str(obj["/FontName"]).lstrip("/").split("+", 1)[-1])
    return names


def test_the_pdf_is_tagged_for_accessibility(pdf):
    root = pdf.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root.get("/Lang") == "fr"


def test_a_title_with_an_emoji_prints_with_an_emoji_font(pdf):
    names = font_names(pdf)
    assert any("Emoji" in name for name in names), names


def test_the_cahier_names_the_emoji_font_and_the_makefile_installs_it():
    css = (ROOT / "static" / "css" / "cahier.css").read_text(encoding="utf-8")
    assert '"Noto Color Emoji"' in css
    packages = re.search(r"^SYSTEM_PACKAGES :=(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert "fonts-noto-color-emoji" in packages.group(1).split()


def page_texts(reader: PdfReader) -> list[str]:
    return [re.sub(r"[ \t]+", " ", page.extract_text()) for page in reader.pages]


def test_the_cahier_opens_with_a_cover_then_contents_with_page_numbers(pdf, printed):
    pages = page_texts(pdf)
    assert "Forum des idées" in pages[0] and "cahier d’idées" in pages[0].casefold()
    assert "Sommaire" in pages[1]
    for challenge in printed.challenges:
        line = next(li for li in pages[1].splitlines() if challenge.title in li)
        number = int(re.search(r"(\d+)\s*$", line).group(1))
        assert number > 2, line
        assert challenge.title in pages[number - 1][:300], (number, pages[number - 1][:300])


def test_the_ranking_rule_is_stated_once(organiser):
    html = organiser.get("/f/imprime/cahier").text
    assert html.count("Les idées sont classées par nombre total de points") == 1
    assert html.index('id="reading"') < html.index('class="chapter"')


def test_dots_by_category_do_not_rely_on_colour(organiser):
    """Printed in black and white, a colour swatch says nothing: each category is named, with
    its number, and the bars are one ink."""
    html = organiser.get("/f/imprime/cahier").text
    idea = html.split('class="cahier-idea"', 2)[1]
    assert re.search(r'class="cat-name">association</span>.*?class="cat-value">2<', idea, re.S)
    assert re.search(r'class="cat-name">habitant·e</span>.*?class="cat-value">1<', idea, re.S)
    assert "swatch" not in html and "background-color" not in html and "<rect" not in html


def test_ideas_without_dots_are_grouped_under_one_line(organiser):
    """Not a rank and "0 dots · 0 supporters · supported by 0 categories" for each (issue 20)."""
    html = organiser.get("/f/imprime/cahier").text
    chapter = html.split('class="chapter"')[1]
    assert "1 idée n’a reçu aucun point :" in chapter
    unvoted = chapter.split('class="cahier-unvoted"')[1]
    assert "Des ateliers du soir" in unvoted and "Un café des métiers" not in unvoted
    assert "0 point" not in html and "0 soutien" not in html and "0 collège" not in html


@pytest.fixture
def with_an_appendix(app, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader

    from cite_vote.results import cahier
    from cite_vote.results.cahier import Appendix

    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"annex.html": "<p>Le texte de l’annexe.</p>"}), app.jinja_env.loader]
    )
    appendix = Appendix("method", "Comment le résultat a été établi", "annex.html")
    monkeypatch.setattr(cahier, "cahier_appendices", lambda forum: [appendix])


def test_an_appendix_comes_after_the_challenges_with_its_entry_in_the_contents(
    organiser, with_an_appendix
):
    html = organiser.get("/f/imprime/cahier").text
    contents = html.split('class="contents"', 1)[1].split("</nav>", 1)[0]
    assert 'href="#appendix-method"' in contents and "Annexe 1" in contents
    assert html.rindex('class="chapter"') < html.index('id="appendix-method"')
    assert html.index("Le texte de l’annexe.") < html.index('class="colophon"')
    pages = page_texts(PdfReader(io.BytesIO(organiser.get("/f/imprime/cahier.pdf").data)))
    line = next(li for li in pages[1].splitlines() if "Comment le résultat" in li)
    number = int(re.search(r"(\d+)\s*$", line).group(1))
    assert "Le texte de l’annexe." in pages[number - 1]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("file:///usr/share/fonts/truetype/noto/NotoColorEmoji.ttf", True),
        ("file:///etc/passwd", False),
        ("file:///usr/share/fonts/../../../etc/passwd", False),
        ("file:///usr/share/fonts/truetype/notes.txt", False),
        ("file://other-host/usr/share/fonts/a.ttf", False),
        ("https://example.org/usr/share/fonts/a.ttf", False),
    ],
)
def test_the_pdf_reads_system_font_files_and_nothing_else(url, allowed):
    from cite_vote.results.exports import font_file_allowed

    assert font_file_allowed(url) is allowed


def test_the_emoji_face_loads_from_the_system_fonts(organiser, caplog):
    """The emoji comes through its own face (cahier.css), which the PDF may load."""
    response = organiser.get("/f/imprime/cahier.pdf")
    assert response.status_code == 200
    assert "cannot be loaded" not in caplog.text
