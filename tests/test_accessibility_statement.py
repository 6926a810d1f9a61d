"""The accessibility statement: one document (docs/accessibility.md), served by the app at
/accessibilite in both languages, with the organiser's contact, and linked from every page."""

from __future__ import annotations

import re

import pytest

from cite_vote.accounts.tickets import generate_tickets
from cite_vote.config import from_environment
from cite_vote.paths import ROOT

STATEMENT = ROOT / "docs" / "accessibility.md"
LINK = 'href="/accessibilite"'


def test_the_statement_answers_in_french_by_default(client):
    response = client.get("/accessibilite")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert re.search(r"<h1[^>]*>Déclaration d’accessibilité</h1>", response.text)
    assert "RGAA 4.1" in response.text


def test_the_statement_answers_in_english_and_says_it_is_written_in_french(client):
    response = client.get("/accessibilite?lang=en")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "This statement is published in French" in response.text
    # The statement itself stays French, and says so to screen readers.
    assert re.search(r'<article[^>]* lang="fr"', response.text)
    assert "Déclaration d’accessibilité" in response.text


def test_the_page_renders_the_document_in_docs(client):
    """One source: every heading and every table row of the Markdown file is on the page."""
    html = client.get("/accessibilite").text
    text = STATEMENT.read_text()
    headings = re.findall(r"^#{1,3} (.+)$", text, flags=re.M)
    assert len(headings) >= 8
    for heading in headings:
        assert f">{heading}</h" in html.replace("&#39;", "'"), heading
    assert "<table>" in html and "<th>" in html
    assert "**" not in html and "](http" not in html  # Markdown rendered, not shown raw


def test_without_a_contact_setting_the_page_says_the_organiser_must_give_one(client):
    html = client.get("/accessibilite").text
    assert "CITE_VOTE_ACCESSIBILITY_CONTACT" in html


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        (
            "accessibilite@region.example",
            '<a href="mailto:accessibilite@region.example">accessibilite@region.example</a>',
        ),
        (
            "https://region.example/contact",
            '<a href="https://region.example/contact">https://region.example/contact</a>',
        ),
        ("Mission numérique, 01 23 45 67 89", "Mission numérique, 01 23 45 67 89"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ],
)
def test_the_organiser_contact_comes_from_the_setting(app, client, contact, expected):
    app.config["ACCESSIBILITY_CONTACT"] = contact
    html = client.get("/accessibilite").text
    assert expected in html
    assert "<script>alert" not in html
    assert "CITE_VOTE_ACCESSIBILITY_CONTACT" not in html


def test_the_contact_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CITE_VOTE_ACCESSIBILITY_CONTACT", "  a11y@region.example ")
    assert from_environment(str(tmp_path))["ACCESSIBILITY_CONTACT"] == "a11y@region.example"
    monkeypatch.delenv("CITE_VOTE_ACCESSIBILITY_CONTACT")
    assert from_environment(str(tmp_path))["ACCESSIBILITY_CONTACT"] is None


def test_the_env_example_and_the_deploy_guide_document_the_setting():
    for doc in ("docs/deploy/env.example", "docs/deploy.md", "README.md"):
        assert "CITE_VOTE_ACCESSIBILITY_CONTACT" in (ROOT / doc).read_text(), doc


# The error pages among them, with their status; every other page is a 200.
ERROR_PAGES = {"not found (error page)": 404, "forbidden (error page)": 403}


@pytest.fixture
def pages(scene, db, as_participant, make_comment):
    """Every kind of page, the participant's and the staff's, standalone ones included."""
    forum, challenge = scene["forum"], scene["challenge"]
    generate_tickets(forum, 2)
    challenge.phase = "closed"
    db.session.commit()
    base = f"/f/{forum.slug}"
    staff = f"/staff/f/{forum.slug}"
    anonymous = {
        "home": "/",
        "join": f"/j/{forum.join_code}",
        "staff login": "/staff/login",
        "not found (error page)": "/f/nowhere",
    }
    participant = {
        "forum": base,
        "challenge": f"{base}/c/{challenge.id}",
        "idea": f"{base}/i/{scene['dup'].id}",
        "results": f"{base}/results",
        "statement": "/accessibilite",
    }
    organiser = {
        "control": staff,
        "settings": f"{staff}/settings",
        "moderation": f"{staff}/moderation",
        "tickets": f"{staff}/tickets",
        "ticket sheet": f"{staff}/tickets/print",
        "screen control": f"{staff}/screen",
        "cahier": f"{base}/cahier",
        "forbidden (error page)": "/staff/f/ailleurs",
    }
    return anonymous, participant, organiser


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_links_to_the_statement_from_its_footer(
    app, scene, pages, as_participant, staff_login, lang
):
    anonymous, participant, organiser = pages
    label = "Accessibilité : non conforme" if lang == "fr" else "Accessibility: not compliant"
    visitor = app.test_client()
    phone = as_participant(app.test_client(), scene["voter"])
    laptop = staff_login(app.test_client(), scene["organiser"])
    for client in (visitor, phone, laptop):
        client.get(f"/accessibilite?lang={lang}")
    missing = []
    for client, urls in ((visitor, anonymous), (phone, participant), (laptop, organiser)):
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == ERROR_PAGES.get(name, 200), (name, response.status_code)
            if LINK not in response.text or label not in response.text:
                missing.append(name)
    assert not missing
    # The room's screen shows no link no one could follow (issue 20, finding 6): the statement
    # is linked from the staff's screen page above.
    assert label not in laptop.get(f"/f/{scene['forum'].slug}/screen").text
