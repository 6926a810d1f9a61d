"""Issue 23 on real screens: an idea sheet from the phone (with and without JavaScript) to the
cahier, and the organiser's import preview."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cite_vote.accounts.services import assign_staff, create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.ideas.models import Idea, IdeaQuestion
from cite_vote.votes.categories import join_forum
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots
from tests.browser.helpers import PHONE, enter, log_in, one_challenge_forum, settled, shot
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser

EMAIL = "orga@example.org"


@pytest.fixture
def forum(live_server):
    challenge_id = one_challenge_forum(
        live_server,
        slug="fiches",
        join_code="FICHE2",
        phase="proposing",
        categories=["association", "citoyen·ne"],
    )
    with live_server.app.app_context():
        forum = db.session.query(Forum).one()
        db.session.add_all(
            [
                IdeaQuestion(
                    forum_id=forum.id, position=1, label="Pour qui ?", required=True, max_length=80
                ),
                IdeaQuestion(
                    forum_id=forum.id, position=2, label="Premier pas concret", max_length=200
                ),
            ]
        )
        with quick_password_hashes():
            user = create_staff_user(EMAIL, "organiser", STAFF_PASSWORD)
        forum.owner_id = user.id
        assign_staff(forum, user)
        db.session.commit()
    return challenge_id


def test_an_idea_sheet_from_the_phone_to_the_cahier(page, browser, live_server, forum, laptop):
    enter(page, live_server.url, "FICHE2")
    page.get_by_label("Votre idée en quelques mots").fill("Un fab lab au lycée")
    page.get_by_label("Pour qui ?").fill("Les lycéens du quartier")
    page.get_by_label("Premier pas concret (facultatif)").fill("Trouver une salle")
    shot(page, "issue23_01_phone_sheet_form")
    page.get_by_role("button", name="Proposer", exact=True).click()
    expect(page.get_by_text("Merci ! Votre idée a été ajoutée.")).to_be_visible()
    page.get_by_role("link", name="Un fab lab au lycée").first.click()
    expect(page.locator(".idea-sheet")).to_contain_text("Les lycéens du quartier")
    settled(page)
    shot(page, "issue23_02_idea_page_sheet")

    # Without JavaScript: the same form, a plain post; a required question left empty says so.
    context = browser.new_context(**PHONE, java_script_enabled=False)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/j/FICHE2")
    phone.get_by_role("button", name="Entrer dans le forum").click()
    phone.get_by_text("Le défi").click()
    phone.get_by_label("Votre idée en quelques mots").fill("Une fête de la science")
    phone.get_by_role("button", name="Proposer", exact=True).click()
    expect(phone.get_by_text("Répondez à cette question.")).to_be_visible()
    shot(phone, "issue23_03_no_js_required_answer")
    phone.get_by_label("Pour qui ?").fill("Les familles")
    phone.get_by_role("button", name="Proposer", exact=True).click()
    expect(phone.get_by_text("Merci ! Votre idée a été ajoutée.")).to_be_visible()
    context.close()

    with live_server.app.app_context():
        forum_row = db.session.query(Forum).one()
        set_phase(forum_row, "voting")
        voter = join_forum(forum_row, "un-jeton-de-test", via_ticket=True)
        idea = db.session.query(Idea).filter_by(title="Un fab lab au lycée").one()
        set_dots(voter, idea, 2)
        set_phase(forum_row, "closed")
        db.session.commit()
    log_in(laptop, f"{live_server.url}/f/fiches/cahier", EMAIL)
    expect(laptop.locator(".cahier-sheet").first).to_be_visible()
    expect(laptop.locator("body")).to_contain_text("Les lycéens du quartier")
    shot(laptop, "issue23_04_cahier_sheet")


def test_the_import_preview_on_a_laptop(live_server, forum, laptop, tmp_path):
    log_in(laptop, f"{live_server.url}/staff/f/fiches/c/{forum}/import", EMAIL)
    data = tmp_path / "idees.csv"
    data.write_text(
        "titre;description;catégorie;auteur\n"
        "Un fab lab au lycée;Des machines partagées;association;Léa\n"
        ";Sans titre;;\n"
        "Une fête de la science;;inconnue;\n"
        "Un fab-lab au lycee;Deux fois;;\n",
        encoding="utf-8-sig",
    )
    laptop.get_by_label("Fichier d’idées (CSV, XLSX ou JSON)").set_input_files(str(data))
    laptop.get_by_role("button", name="Voir ce qu’il ajouterait").click()
    expect(laptop.locator("tr.fate-refused")).to_have_count(2)
    expect(laptop.locator("tr.fate-duplicate")).to_have_count(1)
    shot(laptop, "issue23_05_import_preview")


def test_the_import_preview_fits_a_phone(live_server, forum, page, tmp_path):
    """At 360 px the preview's five columns ran 530 px wide: the page scrolled sideways and
    the table covered the upload button. On a phone each row is a block of labelled lines."""
    log_in(page, f"{live_server.url}/staff/f/fiches/c/{forum}/import", EMAIL)
    data = tmp_path / "idees.csv"
    data.write_text(
        "titre;description;catégorie;auteur\n"
        "Un fab lab dans chaque lycée;Des machines partagées;association;Léa Dupont-Martin\n"
        "Une fête de la science élargie;;inconnue;\n",
        encoding="utf-8",
    )
    page.get_by_label("Fichier d’idées (CSV, XLSX ou JSON)").set_input_files(str(data))
    page.get_by_role("button", name="Voir ce qu’il ajouterait").click()
    expect(page.locator("tr.fate-refused")).to_have_count(1)
    settled(page)
    shot(page, "issue23_06_import_preview_phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    fate = page.locator("tr.fate-refused td").last
    assert fate.evaluate("e => getComputedStyle(e, '::before').content") == '"Sort"'
    page.get_by_role("button", name="Voir ce qu’il ajouterait").click(trial=True, timeout=2000)


def test_the_new_pages_have_no_axe_violation(browser, live_server, forum, tmp_path):
    """axe-core on the pages of issue 23: the phone's form with questions and the idea's sheet,
    the import preview, the questions page, an idea's sheet for staff, the open data page."""
    from tests.browser.test_accessibility import AXE, assert_clean, violations

    found = {}
    phone_context = browser.new_context(**PHONE, bypass_csp=True)
    phone_context.add_init_script(path=str(AXE))
    phone = phone_context.new_page()
    enter(phone, live_server.url, "FICHE2")
    found["phone_form"] = violations(phone)
    phone.get_by_label("Votre idée en quelques mots").fill("Un fab lab au lycée")
    phone.get_by_label("Pour qui ?").fill("Les lycéens")
    phone.get_by_role("button", name="Proposer", exact=True).click()
    expect(phone.get_by_text("Merci ! Votre idée a été ajoutée.")).to_be_visible()
    phone.get_by_role("link", name="Un fab lab au lycée").first.click()
    expect(phone.locator(".idea-sheet")).to_be_visible()
    found["idea_sheet"] = violations(phone)
    phone_context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    laptop = context.new_page()
    log_in(laptop, f"{live_server.url}/staff/f/fiches/questions", EMAIL)
    found["questions"] = violations(laptop)
    laptop.goto(f"{live_server.url}/staff/f/fiches/moderation/i/1/sheet")
    found["staff_sheet"] = violations(laptop)
    laptop.goto(f"{live_server.url}/staff/f/fiches/c/{forum}/import")
    data = tmp_path / "idees.csv"
    data.write_text("titre;catégorie\nUne idée;inconnue\nUne autre;\n", encoding="utf-8")
    laptop.get_by_label("Fichier d’idées (CSV, XLSX ou JSON)").set_input_files(str(data))
    laptop.get_by_role("button", name="Voir ce qu’il ajouterait").click()
    expect(laptop.locator("tr.fate-refused")).to_have_count(1)
    found["import_preview"] = violations(laptop)
    laptop.goto(f"{live_server.url}/f/fiches/open-data")
    found["open_data"] = violations(laptop)
    context.close()
    assert_clean(found)
