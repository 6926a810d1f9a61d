"""A participant's whole walk on a phone: join, propose, comment, vote to the budget."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea
from cite_vote.votes.phases import set_phase
from tests.browser.helpers import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def room(live_server):
    with live_server.app.app_context():
        forum = create_forum(
            slug="cite-test",
            title="La Cité de l’économie et des métiers de demain",
            categories=["chercheur·e", "citoyen·ne", "association"],
            dot_budget=5,
            dot_cap=3,
            join_code="CITE23",
        )
        challenge = add_challenge(
            forum,
            title="La tête chercheuse",
            question="Comment pourrions-nous anticiper les transformations en cours ?",
            phase="proposing",
        )
        for title in ("Un observatoire des métiers", "Des binômes chercheur·e – entreprise"):
            db.session.add(
                Idea(challenge_id=challenge.id, title=title, author_category="chercheur·e")
            )
        db.session.commit()
        return {"forum_id": forum.id, "challenge_id": challenge.id}


def open_voting(live_server):
    with live_server.app.app_context():
        from cite_vote.forums.models import Forum

        set_phase(db.session.get(Forum, 1) or db.session.query(Forum).one(), "voting")
        db.session.commit()


def dots_left(page) -> str:
    return page.locator("#dots-left .dots-left-count").inner_text()


def test_participant_joins_proposes_comments_and_votes_to_the_budget(page, live_server, room):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Rejoindre le forum")).to_be_visible()
    shot(page, "01_home")
    page.get_by_label("Code du forum").fill("cite 23")
    page.get_by_role("button", name="Rejoindre").click()

    expect(page.get_by_role("heading", name=re.compile("La Cité"))).to_be_visible()
    page.get_by_label("Votre nom (facultatif)").fill("Camille")
    page.get_by_label("Vous venez en tant que (facultatif)").select_option("citoyen·ne")
    shot(page, "02_join")
    page.get_by_role("button", name="Entrer dans le forum").click()

    expect(page.get_by_text("La tête chercheuse")).to_be_visible()
    expect(page.get_by_text("Propositions d’idées")).to_be_visible()
    shot(page, "03_forum")
    page.get_by_text("La tête chercheuse").click()

    # Propose: htmx swaps the body in place, no reload.
    page.get_by_label("Votre idée en quelques mots").fill("Un tiers-lieu ouvert le soir")
    page.get_by_label("Précisions (facultatif)").fill("Pour les personnes qui travaillent.")
    page.get_by_role("button", name="Proposer", exact=True).click()
    expect(page.get_by_text("Merci ! Votre idée a été ajoutée.")).to_be_visible()
    expect(page.locator("#ideas")).to_contain_text("Un tiers-lieu ouvert le soir")
    shot(page, "04_proposed")

    # An empty title is refused with a message, nothing sent twice.
    page.get_by_role("button", name="Proposer", exact=True).click()
    expect(page.get_by_text("Donnez un titre à votre idée.")).to_be_visible()

    page.get_by_role("link", name="Un tiers-lieu ouvert le soir").click()
    page.get_by_label("Votre commentaire").fill("Et le samedi matin ?")
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator("#comments")).to_contain_text("Et le samedi matin ?")
    shot(page, "05_commented")

    open_voting(live_server)
    page.get_by_role("link", name=re.compile("La tête chercheuse")).click()
    expect(page.locator("#dots-left")).to_be_visible()
    assert dots_left(page) == "5"
    shot(page, "06_voting")

    cards = page.locator("li.idea")
    expect(cards).to_have_count(3)
    first, second, third = cards.nth(0), cards.nth(1), cards.nth(2)
    for expected_left in ("4", "3", "2"):
        first.get_by_role("button", name="Ajouter un point").click()
        expect(page.locator("#dots-left .dots-left-count")).to_have_text(expected_left)
    # The cap: a fourth dot on one idea is refused on the card itself.
    first.get_by_role("button", name="Ajouter un point").click()
    expect(first.get_by_role("alert")).to_contain_text("Au plus 3 points sur une même idée.")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("2")

    for expected_left in ("1", "0"):
        second.get_by_role("button", name="Ajouter un point").click()
        expect(page.locator("#dots-left .dots-left-count")).to_have_text(expected_left)
    shot(page, "07_budget_spent")

    # Past the budget: refused, with a message the person understands.
    third.get_by_role("button", name="Ajouter un point").click()
    expect(third.get_by_role("alert")).to_contain_text("Vous n’avez plus de points pour ce défi.")
    expect(first.get_by_role("alert")).to_have_count(0)  # the older refusal is not left behind
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("0")
    shot(page, "08_refused")

    # Changing one's mind frees a dot; a reload shows the same dots (same phone, same cookie).
    first.get_by_role("button", name="Retirer un point").click()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("1")
    page.reload()
    assert dots_left(page) == "1"
    assert page.locator("li.idea .dot.on").count() == 4


def test_voting_works_without_javascript(browser, live_server, room):
    from tests.browser.helpers import PHONE

    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/j/CITE23")
    page.get_by_role("button", name="Entrer dans le forum").click()
    open_voting(live_server)
    page.get_by_text("La tête chercheuse").click()
    page.locator("li.idea").first.get_by_role("button", name="Ajouter un point").click()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")
    assert re.search(r"#idea-\d+$", page.url)
    shot(page, "09_no_javascript")
    context.close()
