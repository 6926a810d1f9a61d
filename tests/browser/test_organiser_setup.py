"""An organiser sets up a forum from a laptop; a phone then joins it with a printed ticket."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cite_vote.accounts.services import create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.votes.phases import set_phase
from tests.browser.helpers import log_in, shot
from tests.helpers import quick_password_hashes

pytestmark = pytest.mark.browser

EMAIL = "organisatrice@example.org"
PASSWORD = "un mot de passe solide"
A4_SCREEN = {"width": 900, "height": 1200}


@pytest.fixture
def organiser(live_server):
    with live_server.app.app_context():
        with quick_password_hashes():
            create_staff_user(EMAIL, "organiser", PASSWORD)
        db.session.commit()


def test_organiser_creates_a_forum_prints_tickets_and_a_phone_joins_with_one(
    laptop, page, new_phone, live_server, organiser
):
    # Log in and create the forum.
    log_in(laptop, live_server.url + "/staff/", EMAIL, PASSWORD)
    laptop.get_by_role("link", name="Nouveau forum").click()
    laptop.get_by_label("Titre").fill("Forum des métiers de demain")
    laptop.get_by_label("Collèges, un par ligne").fill("chercheur·e\nentrepreneur·e\ncitoyen·ne")
    laptop.get_by_label("Points par personne et par défi").fill("6")
    laptop.get_by_label("Points au plus sur une même idée").fill("2")
    shot(laptop, "organiser_01_new_forum")
    laptop.get_by_role("button", name="Créer le forum").click()
    expect(laptop).to_have_url(re.compile(r"/staff/f/forum-des-metiers-de-demain/challenges$"))
    expect(laptop.get_by_text("Forum créé. Ajoutez maintenant ses défis.")).to_be_visible()

    # Two challenges, added through htmx (the panel swaps in place).
    for title, question in [
        ("La tête chercheuse", "Comment pourrions-nous anticiper les transformations ?"),
        ("La cité connectée", "Comment pourrions-nous relier la Cité au territoire ?"),
    ]:
        laptop.locator("#challenge-form").get_by_label("Titre").fill(title)
        laptop.get_by_label("Question").fill(question)
        laptop.get_by_role("button", name="Ajouter le défi").click()
        expect(laptop.locator("#challenges-panel h2", has_text=title)).to_be_visible()
    # The second one goes first.
    laptop.get_by_role("button", name="Monter: La cité connectée").click()
    expect(laptop.locator(".challenge-admin > li").first).to_contain_text("La cité connectée")
    shot(laptop, "organiser_02_challenges")

    # Require tickets in the settings.
    laptop.get_by_role("navigation", name="Outils du forum").get_by_role(
        "link", name="Réglages"
    ).click()
    laptop.get_by_label("Entrée sur ticket imprimé uniquement").check()
    laptop.get_by_role("button", name="Enregistrer les réglages").click()
    expect(laptop.get_by_text("Réglages enregistrés.")).to_be_visible()
    shot(laptop, "organiser_03_settings")

    # Generate twelve tickets and open the print sheet.
    laptop.get_by_role("navigation", name="Outils du forum").get_by_role(
        "link", name="Tickets"
    ).click()
    laptop.get_by_label("Nombre de tickets").fill("12")
    laptop.get_by_role("button", name="Créer", exact=True).click()
    expect(laptop.locator(".ticket-counts")).to_contain_text("12 tickets")
    shot(laptop, "organiser_04_tickets")
    laptop.get_by_role("link", name="Imprimer les nouveaux tickets").click()
    expect(laptop.locator(".ticket-card")).to_have_count(12)
    expect(laptop.locator(".sheet")).to_have_count(2)
    expect(laptop.locator(".ticket-card svg.qr")).to_have_count(12)
    laptop.set_viewport_size(A4_SCREEN)
    shot(laptop, "tickets_sheet", full_page=False)

    # The print layout: A4 pages of ten tickets each, as the browser would print them.
    pdf = laptop.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2
    laptop.emulate_media(media="print")
    expect(laptop.locator(".sheet-toolbar")).to_be_hidden()
    card = laptop.locator(".ticket-card").first.bounding_box()
    assert 390 < card["width"] < 400 and 220 < card["height"] < 230  # 105 x 59.4 mm at 96 dpi
    laptop.emulate_media(media="screen")

    ticket_url = laptop.locator(".ticket-url").first.inner_text()
    assert ticket_url.startswith(live_server.url + "/t/")

    with live_server.app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.slug == "forum-des-metiers-de-demain"))
        set_phase(forum, "proposing")
        db.session.commit()

    # A phone opens the ticket's link, gives a name and a category, lands in the forum.
    page.goto(ticket_url)
    expect(page.get_by_role("heading", name="Forum des métiers de demain")).to_be_visible()
    page.get_by_label("Votre nom (facultatif)").fill("Inès")
    page.get_by_label("Vous venez en tant que (facultatif)").select_option("citoyen·ne")
    shot(page, "organiser_05_ticket_phone")
    page.get_by_role("button", name="Entrer dans le forum").click()
    expect(page).to_have_url(re.compile(r"/f/forum-des-metiers-de-demain$"))
    expect(page.get_by_text("La cité connectée")).to_be_visible()
    expect(page.locator(".challenge-card").first).to_contain_text("La cité connectée")
    shot(page, "organiser_06_phone_in_forum")

    # Scanning again on the same phone gets back in; another phone is refused.
    page.goto(ticket_url)
    expect(page).to_have_url(re.compile(r"/f/forum-des-metiers-de-demain$"))
    other = new_phone()
    other.goto(ticket_url)
    expect(other.get_by_text("Ce ticket a déjà été utilisé sur un autre téléphone")).to_be_visible()
    shot(other, "organiser_07_ticket_refused")

    # The organiser sees the ticket used.
    laptop.goto(live_server.url + "/staff/f/forum-des-metiers-de-demain/tickets")
    expect(laptop.locator(".ticket-counts")).to_contain_text("1 utilisé")


def test_organiser_pages_fit_a_phone(page, live_server, organiser):
    """Laptop first, but an organiser checking from a phone must not get a broken page."""
    log_in(page, live_server.url + "/staff/login", EMAIL, PASSWORD)
    page.get_by_role("link", name="Nouveau forum").click()
    page.get_by_label("Titre").fill("Sur téléphone")
    page.get_by_role("button", name="Créer le forum").click()
    page.locator("#challenge-form").get_by_label("Titre").fill(
        "Un défi au titre assez long pour passer à la ligne"
    )
    page.get_by_role("button", name="Ajouter le défi").click()
    expect(page.locator(".challenge-admin > li")).to_have_count(1)
    for path in ("challenges", "settings", "team", "tickets"):
        page.goto(f"{live_server.url}/staff/f/sur-telephone/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways on a phone ({width}px)"
        shot(page, f"organiser_phone_{path}")
