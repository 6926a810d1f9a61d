"""A facilitator runs the room from a laptop while participants use their phones.

The participant's challenge page watches its phase (a cheap poll every 5 s answered 204) and
reloads itself when it changes, so when the facilitator opens voting the vote buttons appear
on every phone without anyone reloading: people in the room expect "vote now!" to just work.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cite_vote.accounts.services import create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea
from tests.browser.helpers import log_in, shot
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser


def make_room(live_server, phase: str) -> dict:
    with live_server.app.app_context():
        forum = create_forum(
            slug="cite-salle",
            title="La Cité de l’économie et des métiers de demain",
            categories=["chercheur·e", "citoyen·ne", "association"],
            dot_budget=5,
            dot_cap=3,
            join_code="SALLE7",
        )
        challenge = add_challenge(
            forum,
            title="Apprendre autrement",
            question="Comment pourrions-nous former aux métiers de demain ?",
            phase=phase,
        )
        add_challenge(forum, title="La tête chercheuse", phase="draft")
        ideas = []
        for title in (
            "Créer un tiers-lieu pour les jeunes",
            "Des modules courts ouverts à tous le soir",
            "tiers lieux jeunes : en créer un",
        ):
            idea = Idea(challenge_id=challenge.id, title=title, author_category="citoyen·ne")
            db.session.add(idea)
            ideas.append(idea)
        with quick_password_hashes():
            user = create_staff_user("animation@example.org", "facilitator", STAFF_PASSWORD)
        db.session.flush()
        from cite_vote.accounts.services import assign_staff

        assign_staff(forum, user)
        db.session.commit()
        return {"challenge": challenge.id, "ideas": [i.id for i in ideas]}


def log_in_to_the_room(page, live_server):
    log_in(page, live_server.url + "/staff/f/cite-salle", "animation@example.org")
    expect(page.get_by_role("heading", name=re.compile("La Cité"))).to_be_visible()


def join(phone, live_server, challenge_id: int):
    phone.goto(live_server.url + "/j/SALLE7")
    phone.get_by_role("button", name="Entrer dans le forum").click()
    expect(phone.get_by_text("Apprendre autrement")).to_be_visible()
    phone.goto(f"{live_server.url}/f/cite-salle/c/{challenge_id}")


def test_facilitator_opens_voting_and_the_phone_shows_vote_buttons(live_server, laptop, new_phone):
    room = make_room(live_server, "proposing")
    phone = new_phone()
    join(phone, live_server, room["challenge"])
    expect(phone.get_by_role("heading", name="Proposer une idée")).to_be_visible()
    expect(phone.locator(".dot-button")).to_have_count(0)
    # Its poll starts at a random moment of the 5 s (static/js/app.js), so that phones that
    # loaded the page together do not all notice and reload together.
    expect(phone.locator("#phase-watch")).to_have_attribute("data-poll-start", "random")

    log_in_to_the_room(laptop, live_server)
    card = laptop.locator(f"#challenge-{room['challenge']}")
    expect(card.locator(".phase")).to_have_text("Propositions d’idées")
    shot(laptop, "control_page")
    card.get_by_role("button", name="Ouvrir le vote").click()
    expect(card.locator(".phase")).to_have_text("Vote")
    expect(laptop.get_by_text("Défi 1 : Vote.")).to_be_visible()

    # The phone notices the new phase by itself and shows the vote buttons.
    expect(phone.locator(".dot-button.plus").first).to_be_visible(timeout=12_000)
    expect(phone.locator("#dots-left .dots-left-count")).to_have_text("5")
    phone.locator(f"#idea-{room['ideas'][1]} .dot-button.plus").click()
    expect(phone.locator("#dots-left .dots-left-count")).to_have_text("4")

    # The control page updates by itself (polling) with the dot just placed.
    expect(card.locator('[data-count="dots"]')).to_have_text("1", timeout=8_000)
    shot(laptop, "control_page_after_vote")


def test_moving_back_asks_for_confirmation(live_server, laptop):
    room = make_room(live_server, "voting")
    log_in_to_the_room(laptop, live_server)
    card = laptop.locator(f"#challenge-{room['challenge']}")
    card.get_by_role("button", name="Revenir à : Propositions d’idées").click()
    dialog = laptop.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Revenir à une étape précédente ?")
    expect(card.locator(".phase")).to_have_text("Vote")
    shot(laptop, "control_page_confirm")
    dialog.get_by_role("button", name="Oui, revenir en arrière").click()
    expect(card.locator(".phase")).to_have_text("Propositions d’idées")
    expect(dialog).to_have_count(0)


def test_merge_moves_dots_and_the_phone_shows_the_right_dots_left(live_server, laptop, new_phone):
    room = make_room(live_server, "voting")
    dup, other, kept = room["ideas"][0], room["ideas"][1], room["ideas"][2]
    phone = new_phone()
    join(phone, live_server, room["challenge"])
    for idea, times in ((dup, 3), (kept, 1)):
        for _ in range(times):
            before = phone.locator("#dots-left .dots-left-count").inner_text()
            phone.locator(f"#idea-{idea} .dot-button.plus").click()
            expect(phone.locator("#dots-left .dots-left-count")).to_have_text(str(int(before) - 1))
    expect(phone.locator("#dots-left .dots-left-count")).to_have_text("1")
    assert other  # the third idea is left alone

    log_in_to_the_room(laptop, live_server)
    laptop.get_by_role("link", name="Modération").click()
    pair = laptop.locator("#duplicates .pair").first
    expect(pair).to_contain_text("tiers lieux jeunes")
    shot(laptop, "moderation")
    # Keep the newer wording's idea (#kept), merge the older one (#dup) into it.
    pair.get_by_role("link", name=f"Fusionner la n° {dup} avec la n° {kept}").click()
    expect(laptop.get_by_text("2 points passent sur l’idée conservée.")).to_be_visible()
    expect(laptop.get_by_text("1 point est rendu")).to_be_visible()
    shot(laptop, "merge_confirm")
    laptop.get_by_role("button", name="Fusionner", exact=True).click()
    expect(laptop.get_by_text(f"Idée n° {dup} fusionnée avec l’idée n° {kept}.")).to_be_visible()

    phone.reload()
    expect(phone.locator("#messages")).to_contain_text(
        "1 point rendu : l’idée « Créer un tiers-lieu pour les jeunes » a été fusionnée avec "
        "« tiers lieux jeunes : en créer un »."  # titles, never internal numbers (issue 20)
    )
    expect(phone.locator("#dots-left .dots-left-count")).to_have_text("2")
    expect(phone.locator(f"#idea-{kept} .my-dots")).to_have_attribute("data-dots", "3")
    expect(phone.locator(f"#idea-{dup}")).to_have_count(0)
    shot(phone, "merge_notice_phone")
    phone.reload()
    expect(phone.locator("#messages")).not_to_contain_text("fusionnée")
