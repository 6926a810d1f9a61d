"""A vote the server could not save says so on the phone, and a retry then counts once."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import one_challenge_forum, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server_config():
    return {"DATABASE_BUSY_TIMEOUT": 0.5}


@pytest.fixture
def voting_room(live_server):
    return one_challenge_forum(
        live_server,
        slug="panne",
        title="Forum en panne",
        join_code="PANNE2",
        phase="voting",
        challenge="Un défi",
        ideas=["Une idée solide"],
    )


def test_a_vote_refused_by_a_busy_server_says_so_and_a_retry_counts_once(
    page, live_server, voting_room, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    page.goto(f"{live_server.url}/j/PANNE2")
    page.get_by_role("button", name="Entrer dans le forum").click()
    page.get_by_text("Un défi").click()
    plus = page.locator("li.idea").first.get_by_role("button", name="Ajouter un point")

    card = page.locator("li.idea").first
    outside = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    outside.execute("BEGIN IMMEDIATE")  # a backup or a script holds the write lock
    try:
        plus.click()
        # Said on the tapped card, where the person looks, in its live region, with a retry;
        # not at the top of the page (issue 20, finding 3).
        status = card.locator(".vote-status")
        expect(status).to_contain_text("n’a pas été enregistrée")
        expect(status).to_have_attribute("role", "status")
        expect(card).to_have_attribute("data-vote-state", "unsent")
        expect(page.locator("#messages")).to_have_text("")
        expect(page.locator("#dots-left .dots-left-count")).to_have_text("5")
        shot(page, "20_busy_vote")
    finally:
        outside.execute("ROLLBACK")
        outside.close()

    card.get_by_role("button", name="Réessayer").click()
    expect(card.locator(".vote-status")).to_contain_text("Enregistré")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")
    page.reload()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")


def test_a_server_error_on_a_vote_is_shown_not_swallowed(page, live_server, voting_room):
    page.goto(f"{live_server.url}/j/PANNE2")
    page.get_by_role("button", name="Entrer dans le forum").click()
    page.get_by_text("Un défi").click()
    plus = page.locator("li.idea").first.get_by_role("button", name="Ajouter un point")

    def fail(route):  # what the server's error handler answers an htmx request on a 500
        route.fulfill(
            status=500,
            headers={"HX-Retarget": "#messages", "HX-Reswap": "outerHTML", "X-Cite-Vote": "1"},
            content_type="text/html; charset=utf-8",
            body='<div id="messages" class="messages" role="status" aria-live="polite">'
            '<p class="message message-error">Une erreur est survenue.</p></div>',
        )

    page.route("**/dots", fail)
    plus.click()
    # After a 500 nothing is known: the card asks the server, then says what it holds.
    card = page.locator("li.idea").first
    expect(card.locator(".vote-status")).to_contain_text("vérification")
    expect(card.locator(".vote-status")).to_contain_text("Pas envoyé")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("5")
    expect(plus).to_be_enabled()
    page.unroute("**/dots")
    card.get_by_role("button", name="Réessayer").click()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")
