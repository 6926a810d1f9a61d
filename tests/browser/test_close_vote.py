""" "Close voting" looks unlike "Open voting" and asks first, with or without JavaScript.

Both were the same filled green button before, and one click closed the vote at once.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cite_vote.accounts.services import assign_staff, create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge
from cite_vote.forums.services import add_challenge, create_forum
from tests.browser.helpers import log_in, shot
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "fr-FR"}


@pytest.fixture
def room(live_server):
    with live_server.app.app_context():
        forum = create_forum(slug="cloture", title="Forum de clôture", join_code="CLOTUR")
        proposing = add_challenge(forum, title="Défi en propositions", phase="proposing")
        voting = add_challenge(forum, title="Défi en vote", phase="voting")
        with quick_password_hashes():
            user = create_staff_user("animation@example.org", "facilitator", STAFF_PASSWORD)
        db.session.flush()
        assign_staff(forum, user)
        db.session.commit()
        return {"proposing": proposing.id, "voting": voting.id}


def phase_of(live_server, challenge_id: int) -> str:
    with live_server.app.app_context():
        return db.session.get(Challenge, challenge_id).phase


def look(button) -> dict:
    return button.evaluate(
        """b => { const s = getComputedStyle(b);
        return {background: s.backgroundColor, color: s.color, border: s.borderTopColor,
                classes: b.className}; }"""
    )


@pytest.mark.parametrize("javascript", [True, False])
def test_closing_the_vote_looks_different_and_asks_first(browser, live_server, room, javascript):
    context = browser.new_context(**LAPTOP, java_script_enabled=javascript)
    page = context.new_page()
    try:
        log_in(page, live_server.url + "/staff/f/cloture", "animation@example.org")
        opening = page.locator(f"#challenge-{room['proposing']}").get_by_role(
            "button", name="Ouvrir le vote"
        )
        closing = page.locator(f"#challenge-{room['voting']}").get_by_role(
            "button", name="Clore le vote"
        )
        expect(closing).to_be_visible()
        open_look, close_look = look(opening), look(closing)
        assert open_look["classes"] != close_look["classes"]
        assert open_look["background"] != close_look["background"]
        assert open_look["color"] != close_look["color"]
        assert open_look["border"] != close_look["border"]
        shot(page, f"close_vote_buttons_js_{javascript}", full_page=False)

        closing.click()
        dialog = page.get_by_role("alertdialog", name="Clore le vote ?")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Défi en vote")
        expect(dialog).to_be_in_viewport()
        assert phase_of(live_server, room["voting"]) == "voting"
        shot(page, f"close_vote_confirm_js_{javascript}", full_page=False)

        # Cancel leaves the vote open.
        dialog.get_by_role("link", name="Annuler").click()
        expect(page.get_by_role("alertdialog")).to_have_count(0)
        assert phase_of(live_server, room["voting"]) == "voting"

        page.locator(f"#challenge-{room['voting']}").get_by_role(
            "button", name="Clore le vote"
        ).click()
        page.get_by_role("alertdialog").get_by_role("button", name="Oui, clore le vote").click()
        card = page.locator(f"#challenge-{room['voting']}")
        expect(card.locator(".phase")).to_have_text("Clos")
        expect(page.get_by_role("alertdialog")).to_have_count(0)
        assert phase_of(live_server, room["voting"]) == "closed"
    finally:
        context.close()
