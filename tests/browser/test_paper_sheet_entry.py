"""A facilitator at a table enters a counted paper sheet on a phone (360×740), without help."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, shot
from tests.browser.test_facilitator_room import make_room

pytestmark = pytest.mark.browser


def test_a_facilitator_enters_a_sheet_on_a_phone_then_a_refused_one(live_server, new_phone):
    room = make_room(live_server, "voting")
    page = new_phone()
    assert page.viewport_size == {"width": 360, "height": 740} or page.viewport_size["width"] <= 414
    address = f"{live_server.url}/staff/f/cite-salle/paper/c/{room['challenge']}/3"
    log_in(page, address, "animation@example.org")
    form = page.locator("#sheet-form")
    form.get_by_label("Personnes ayant voté sur cette feuille").fill("4")
    first, second, third = room["ideas"]
    page.locator(f"#idea-{first}").fill("7")
    page.locator(f"#idea-{second}").fill("5")
    shot(page, "paper-sheet-entry-filled")
    form.locator("[type=submit]").click()
    expect(page.locator("#sheet-entered")).to_contain_text("4 personnes")
    expect(page.locator("#sheet-entered")).to_contain_text("Créer un tiers-lieu pour les jeunes")
    shot(page, "paper-sheet-entered")
    # A correction over the cap: refused, the line named, the entered numbers unchanged.
    page.locator(f"#idea-{third}").fill("13")
    page.locator("#sheet-form [type=submit]").click()
    expect(page.locator("#sheet-error")).to_contain_text("tiers lieux jeunes : en créer un")
    expect(page.locator("#sheet-error")).to_contain_text("4 personnes × 3 par idée = 12")
    shot(page, "paper-sheet-refused")
    # The challenge's sheets: the one entered is listed, with its people.
    page.get_by_role("link", name="← Feuilles papier · Défi 1").click()
    expect(page.locator("#sheet-list")).to_contain_text("Feuille 3")
    expect(page.locator("#sheet-list")).to_contain_text("4 personnes")
    shot(page, "paper-sheets-list")
