"""Pages that look finished (issue 20, finding 6): the projector with few ideas, the strip's
legend, the control page's tiles."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cite_vote.accounts.services import assign_staff, create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea
from cite_vote.results.screen.services import regenerate_screen_token, show_on_screen
from tests.browser.helpers import log_in, shot
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser

SIZES = {"laptop": (1366, 768), "projector": (1920, 1080)}


@pytest.fixture
def few_ideas(live_server):
    """Two challenges, the first proposing with two ideas and shown on the screen."""
    with live_server.app.app_context():
        forum = create_forum(slug="peu", title="Forum aux deux idées", join_code="PEU123")
        first = add_challenge(
            forum, title="Le premier défi", question="Que faire ?", phase="proposing"
        )
        add_challenge(forum, title="Le second défi", question="Et ensuite ?", phase="voting")
        for title in ("Un jardin partagé sur le toit", "Des bancs à l’ombre"):
            db.session.add(Idea(challenge_id=first.id, title=title))
        db.session.flush()
        show_on_screen(forum, first)
        token = regenerate_screen_token(forum)
        db.session.commit()
        return {"token": token, "slug": forum.slug}


@pytest.mark.parametrize("size", list(SIZES))
def test_few_ideas_fill_the_middle_of_the_board_and_the_strip_has_a_legend(
    browser, live_server, few_ideas, size
):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/{few_ideas['token']}")
        expect(page.locator("#screen-live .latest .idea")).to_have_count(2)
        board = page.locator(".board .ideas").bounding_box()
        first = page.locator(".latest .idea").first.bounding_box()
        last = page.locator(".latest .idea").last.bounding_box()
        middle = (first["y"] + last["y"] + last["height"]) / 2
        centre = board["y"] + board["height"] / 2
        # Not a short list at the top with the rest of the board empty.
        assert abs(middle - centre) < board["height"] * 0.1, (middle, centre)
        legend = page.locator(".strip-legend")
        expect(legend).to_be_visible()
        expect(legend).to_contain_text("Propositions")
        expect(legend).to_contain_text("Vote")
        expect(legend).not_to_contain_text("Clos")  # no closed challenge on this strip
        assert page.evaluate("document.documentElement.scrollHeight <= innerHeight")
        shot(page, f"50_projector_few_ideas_{width}", full_page=False)
    finally:
        context.close()


def test_the_control_page_has_no_empty_tile(browser, live_server, few_ideas):
    with live_server.app.app_context():
        with quick_password_hashes():
            user = create_staff_user("pilote@example.org", "organiser", STAFF_PASSWORD)
        forum = db.session.scalar(select(Forum).where(Forum.slug == few_ideas["slug"]))
        assign_staff(forum, user)
        forum.owner_id = user.id
        db.session.commit()
    for width, height in [(360, 740), *SIZES.values()]:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        page = context.new_page()
        try:
            log_in(page, f"{live_server.url}/staff/f/{few_ideas['slug']}", "pilote@example.org")
            counts = page.locator(".room-counts").first
            expect(counts).to_be_visible()
            gaps = page.evaluate(
                """() => [...document.querySelectorAll('.room-counts')].map((dl) => {
                    const box = dl.getBoundingClientRect();
                    const last = dl.lastElementChild.getBoundingClientRect();
                    return box.right - last.right;
                })"""
            )
            assert all(gap < 2 for gap in gaps), (width, gaps)  # the last tile ends the row
            shot(page, f"51_control_tiles_{width}")
        finally:
            context.close()
