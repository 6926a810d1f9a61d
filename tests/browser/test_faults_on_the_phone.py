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

    outside = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    outside.execute("BEGIN IMMEDIATE")  # a backup or a script holds the write lock
    try:
        plus.click()
        expect(page.locator("#messages")).to_contain_text("n’a pas été enregistrée")
        expect(page.locator("#dots-left .dots-left-count")).to_have_text("5")
        shot(page, "20_busy_vote")
    finally:
        outside.execute("ROLLBACK")
        outside.close()

    plus.click()
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
            headers={"HX-Retarget": "#messages", "HX-Reswap": "outerHTML"},
            content_type="text/html; charset=utf-8",
            body='<div id="messages" class="messages" role="status" aria-live="polite">'
            '<p class="message message-error">Une erreur est survenue.</p></div>',
        )

    page.route("**/dots", fail)
    plus.click()
    expect(page.locator("#messages")).to_contain_text("Une erreur est survenue.")
    expect(plus).to_be_enabled()
    page.unroute("**/dots")
    plus.click()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")
