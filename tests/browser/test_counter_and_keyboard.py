"""The counter stays in sight, the keyboard keeps its place, the state shows before a tap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import enter, one_challenge_forum, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def voting_room(live_server):
    return one_challenge_forum(
        live_server,
        slug="clavier",
        title="Forum au clavier",
        join_code="CLAV42",
        phase="voting",
        ideas=[{"title": f"Idée {n}", "description": "Texte " * 25} for n in range(1, 7)],
        dot_budget=4,
        dot_cap=2,
    )


def count(page):
    return page.locator("#dots-left .dots-left-count")


def card(page, title):
    return page.locator("li.idea").filter(has=page.get_by_role("heading", name=title))


def test_the_counter_stays_on_screen_while_voting_and_hides_nothing(page, live_server, voting_room):
    enter(page, live_server.url, "CLAV42")
    last = page.locator("li.idea").last
    last.get_by_role("button", name="Ajouter un point").scroll_into_view_if_needed()
    last.get_by_role("button", name="Ajouter un point").click()
    expect(count(page)).to_have_text("3")
    box = page.locator("#dots-left").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740, "the counter is on screen"
    shot(page, "32_counter_bar", full_page=False)
    # At the very bottom, the last content (the language links) sits above the bar.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "() => Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight"
    )
    bar = page.locator("#dots-left").bounding_box()
    languages = page.locator(".languages").bounding_box()
    assert languages["y"] + languages["height"] <= bar["y"] + 1


def test_focus_stays_on_the_button_used_and_the_keyboard_can_vote_again(
    page, live_server, voting_room
):
    enter(page, live_server.url, "CLAV42")
    target = card(page, "Idée 3")
    target.get_by_role("button", name="Ajouter un point").focus()
    page.keyboard.press("Enter")
    expect(count(page)).to_have_text("3")
    key = page.evaluate("() => document.activeElement.dataset.focusKey")
    assert key and key.endswith("-plus")
    page.keyboard.press("Enter")
    expect(count(page)).to_have_text("2")
    expect(target.locator(".my-dots")).to_have_attribute("data-dots", "2")


def test_dots_left_is_announced_by_one_live_region_that_stays(page, live_server, voting_room):
    enter(page, live_server.url, "CLAV42")
    region = page.locator("#dots-left").locator("xpath=ancestor-or-self::*[@aria-live][1]")
    handle = region.element_handle()
    card(page, "Idée 2").get_by_role("button", name="Ajouter un point").click()
    expect(count(page)).to_have_text("3")
    assert handle.evaluate("e => e.isConnected"), "the live region was replaced"
    assert "3" in handle.inner_text()


def test_focus_is_clearly_visible_on_controls(page, live_server, voting_room):
    enter(page, live_server.url, "CLAV42")
    target = card(page, "Idée 1")
    target.get_by_role("link", name=re.compile("commentaire")).focus()
    page.keyboard.press("Tab")
    plus = target.get_by_role("button", name="Ajouter un point")
    expect(plus).to_be_focused()
    for control in (plus, target.get_by_role("link", name=re.compile("commentaire"))):
        control.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        style = control.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert style[0] == "solid" and style[1] >= 3, style
    shot(page, "33_focus_ring", full_page=False)


def test_small_targets_are_at_least_24_px_tall(page, live_server, voting_room):
    enter(page, live_server.url, "CLAV42")
    for link in (page.locator(".brand"), page.locator("li.idea").first.locator(".idea-meta a")):
        assert link.bounding_box()["height"] >= 24
    page.get_by_role("link", name="Tous les défis").click()
    links = page.locator(".who a")  # change my name, my dots and receipts
    assert links.count() == 2
    for n in range(links.count()):
        assert links.nth(n).bounding_box()["height"] >= 24


def test_the_dot_buttons_names_contain_their_visible_text(page, live_server, voting_room):
    enter(page, live_server.url, "CLAV42")
    first = page.locator("li.idea").first
    expect(first.locator(".plus")).to_have_accessible_name(re.compile(r"^\+ "))
    expect(first.locator(".minus")).to_have_accessible_name(re.compile(r"^− "))


def test_the_cap_and_an_empty_budget_show_before_a_tap(page, live_server, voting_room):
    enter(page, live_server.url, "CLAV42")
    one, two, three = card(page, "Idée 1"), card(page, "Idée 2"), card(page, "Idée 3")
    for left in ("3", "2"):
        one.get_by_role("button", name="Ajouter un point").click()
        expect(count(page)).to_have_text(left)
    expect(one).to_contain_text("plafond atteint")
    expect(three.get_by_text("plus de points")).to_be_hidden()
    for left in ("1", "0"):
        two.get_by_role("button", name="Ajouter un point").click()
        expect(count(page)).to_have_text(left)
    expect(three.get_by_text("plus de points")).to_be_visible()
    shot(page, "34_no_dots_left", full_page=False)
    # The tap still explains.
    three.get_by_role("button", name="Ajouter un point").click()
    expect(card(page, "Idée 3").locator("[role=alert]")).to_be_visible()


def test_the_first_tab_offers_a_visible_link_that_skips_to_the_content(
    page, live_server, voting_room
):
    enter(page, live_server.url, "CLAV42")
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24 and box["width"] > 50, box
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is inside the main content, not the header's links.
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
