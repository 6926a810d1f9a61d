"""A refusal is said where the person looks, never under the counter bar (issue 20, finding 4).

The counter is fixed to the bottom of the screen on every size; a refused tap's message is
scrolled above it; without JavaScript a refused tap returns to its card (an anchor), which
says why.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PHONE, enter, one_challenge_forum, shot

pytestmark = pytest.mark.browser

TITLES = [f"Idée {n}, une proposition assez longue pour remplir une carte" for n in range(1, 9)]


@pytest.fixture
def voting_room(live_server):
    return one_challenge_forum(
        live_server,
        slug="refus",
        title="Forum des refus",
        join_code="REFUS4",
        phase="voting",
        ideas=[{"title": title, "description": "Texte " * 25} for title in TITLES],
        dot_budget=2,
        dot_cap=2,
    )


def above_the_bar(page, locator) -> bool:
    box = locator.bounding_box()
    bar = page.locator("#dots-left").bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= bar["y"] + 1


def card(page, n):
    return page.locator("li.idea").filter(has=page.get_by_role("heading", name=TITLES[n]))


def spend_everything(page):
    first = card(page, 0)
    for left in ("1", "0"):
        first.get_by_role("button", name="Ajouter un point").click()
        expect(page.locator("#dots-left .dots-left-count")).to_have_text(left)


def test_a_refusal_low_on_the_screen_is_scrolled_above_the_counter_bar(
    page, live_server, voting_room
):
    enter(page, live_server.url, "REFUS4")
    spend_everything(page)
    target = card(page, 5)
    plus = target.get_by_role("button", name="Ajouter un point")
    plus.scroll_into_view_if_needed()
    # The + just above the bar, at the bottom of a 740-px screen: its message would fall under.
    box = plus.bounding_box()
    page.evaluate(f"() => window.scrollBy(0, {box['y'] - 620})")
    plus.click()
    alert = target.locator("[role=alert]")
    expect(alert).to_be_visible()
    page.wait_for_function(
        """() => {
          const alert = document.querySelector("li.idea [role=alert]").getBoundingClientRect();
          const bar = document.getElementById("dots-left").getBoundingClientRect();
          return alert.top >= 0 && alert.bottom <= bar.top + 1;
        }"""
    )
    assert above_the_bar(page, alert)
    shot(page, "40_refusal_above_the_bar", full_page=False)


def test_without_javascript_a_refused_tap_returns_to_its_card_which_says_why(
    browser, live_server, voting_room
):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/j/REFUS4")
        page.get_by_role("button", name="Entrer dans le forum").click()
        page.get_by_text("Le défi").click()
        spend_everything(page)
        target = card(page, 5)
        target.get_by_role("button", name="Ajouter un point").click()
        expect(page).to_have_url(re.compile(r"#idea-\d+$"))
        alert = card(page, 5).locator("[role=alert]")
        expect(alert).to_be_visible()
        assert above_the_bar(page, alert), "the refused card's message is on screen"
        shot(page, "41_refusal_without_javascript", full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_the_counter_stays_on_screen_on_a_laptop(browser, live_server, voting_room, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        enter(page, live_server.url, "REFUS4")
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "() => Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight"
        )
        bar = page.locator("#dots-left").bounding_box()
        assert bar["y"] >= 0 and bar["y"] + bar["height"] <= height, "the counter is on screen"
        languages = page.locator(".languages").bounding_box()
        assert languages["y"] + languages["height"] <= bar["y"] + 1, "it hides nothing"
        shot(page, f"42_counter_{width}", full_page=False)
    finally:
        context.close()
