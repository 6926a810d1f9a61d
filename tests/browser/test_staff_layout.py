"""Staff pages on a laptop and a phone: the navigation grouped by task, the width used.

Staff pages sat in the participants' 750 px column: on the demo forum the moderation page ran
about 3,800 px long at 1920x1080 with 60 % of the screen empty, and the staff menu was eleven
underlined links on two rows.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cite_vote.accounts.services import (
    assign_staff,
    create_assisted_participant,
    create_staff_user,
)
from cite_vote.demo import DEMO_SLUG, ensure_demo_forum
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.ideas.models import Idea
from cite_vote.votes.services import set_dots
from tests.browser.helpers import PHONE, log_in, shot
from tests.browser.test_accessibility import AXE, violations
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser

SIZES = {
    "phone": PHONE,
    "laptop": {"viewport": {"width": 1366, "height": 768}, "locale": "fr-FR"},
    "projector": {"viewport": {"width": 1920, "height": 1080}, "locale": "fr-FR"},
}
STAFF_PAGES = {
    "control": f"/staff/f/{DEMO_SLUG}",
    "moderation": f"/staff/f/{DEMO_SLUG}/moderation",
    "results": f"/f/{DEMO_SLUG}/results",
    "settings": f"/staff/f/{DEMO_SLUG}/settings",
    "assisted": f"/staff/f/{DEMO_SLUG}/assisted",
}
# Chrome's text scaling on a phone: every rem and em doubles, the viewport stays 360 px.
ZOOM = ":root { font-size: 34px !important; }"


@pytest.fixture
def demo(live_server):
    with live_server.app.app_context():
        forum, _ = ensure_demo_forum()
        with quick_password_hashes():
            user = create_staff_user("orga@example.org", "organiser", STAFF_PASSWORD)
        db.session.flush()
        assign_staff(forum, user)
        db.session.commit()
        return forum.id


def open_context(browser, size: str, **options):
    return browser.new_context(**{**SIZES[size], **options})


def log_in_to_the_demo(page, live_server):
    log_in(page, f"{live_server.url}/staff/f/{DEMO_SLUG}", "orga@example.org")
    expect(page.locator(".staff-nav")).to_be_visible()


def sideways_overflow(page, within: str = "body") -> list[str]:
    """Elements of ``within`` past the right edge of the viewport or whose content is cut or
    runs out sideways, and the page's own width if it scrolls (for the whole body)."""
    return page.evaluate(
        """within => {
          const width = document.documentElement.clientWidth, found = [];
          for (const e of document.querySelectorAll(within + ' *')) {
            const r = e.getBoundingClientRect();
            if (r.width === 0 || e.closest('.visually-hidden')) continue;
            const out = e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0;
            if (r.right > width + 1 || (out && within !== 'body'))
              found.push(e.tagName + '.' + e.className);
          }
          const page = document.documentElement.scrollWidth;
          if (within === 'body' && page > width) found.push('page ' + page);
          return found;
        }""",
        within,
    )


def test_moderation_uses_the_width_of_a_large_screen(browser, live_server, demo):
    context = open_context(browser, "projector")
    page = context.new_page()
    try:
        log_in_to_the_demo(page, live_server)
        page.goto(live_server.url + STAFF_PAGES["moderation"])
        height = page.evaluate("document.documentElement.scrollHeight")
        main = page.locator("#main").bounding_box()
        shot(page, "staff_moderation_1920")
        print(f"moderation page at 1920x1080: {height} px tall, main {main['width']} px wide")
        # 3,023 px tall and 717 px wide before; 1,690 px and 1,479 px after.
        assert main["width"] >= 1200
        assert height <= 2000
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_staff_pages_do_not_overflow_sideways(browser, live_server, demo, size):
    context = open_context(browser, size)
    page = context.new_page()
    found = {}
    try:
        log_in_to_the_demo(page, live_server)
        for name, path in STAFF_PAGES.items():
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            shot(page, f"staff_{name}_{size}")
            found[name] = sideways_overflow(page)
    finally:
        context.close()
    assert not {name: v for name, v in found.items() if v}


GROUPS = {
    "Préparer": ["Réglages", "Défis", "Formulaire d’idée", "Équipe", "Tickets"],
    "Animer la salle": [
        "Pilotage",
        "Modération",
        "Projection",
        "Vote accompagné",
        "Feuilles papier",
    ],
    "Résultats": ["Classements", "Téléchargements", "Cahier d’idées", "Jetons de lecture"],
}


@pytest.mark.parametrize("javascript", [True, False])
def test_the_staff_navigation_is_grouped_by_task_on_a_laptop(
    browser, live_server, demo, javascript
):
    context = open_context(browser, "laptop", java_script_enabled=javascript)
    page = context.new_page()
    try:
        log_in_to_the_demo(page, live_server)
        page.goto(live_server.url + STAFF_PAGES["moderation"])
        nav = page.get_by_role("navigation", name="Outils du forum")
        groups = {
            name: nav.get_by_role("group", name=name).get_by_role("link").all_inner_texts()
            for name in GROUPS
        }
        assert {k: [t.strip() for t in v] for k, v in groups.items()} == GROUPS
        current = nav.locator("[aria-current=page]:visible")
        expect(current).to_have_count(1)
        expect(current).to_have_text("Modération")
        # One row of groups, not eleven underlined links: the links are not underlined.
        decoration = current.evaluate("a => getComputedStyle(a).textDecorationLine")
        assert decoration == "none"
        shot(page, f"staff_nav_laptop_js_{javascript}", full_page=False)
        # Every link of a group leads to a page where it is the current one.
        nav.get_by_role("link", name="Pilotage").click()
        expect(nav.locator("[aria-current=page]:visible")).to_have_text("Pilotage")
        nav.get_by_role("link", name="Réglages").click()
        expect(nav.locator("[aria-current=page]:visible")).to_have_text("Réglages")
    finally:
        context.close()


@pytest.mark.parametrize("zoom", [False, True])
def test_the_staff_navigation_is_a_compact_menu_on_a_phone_without_javascript(
    browser, live_server, demo, zoom
):
    context = open_context(browser, "phone", java_script_enabled=False, bypass_csp=True)
    page = context.new_page()
    try:
        log_in_to_the_demo(page, live_server)
        page.goto(live_server.url + STAFF_PAGES["moderation"])
        if zoom:  # add_style_tag waits for a load event that never comes without JavaScript
            page.evaluate(
                "css => document.head.append(Object.assign("
                "document.createElement('style'), {textContent: css}))",
                ZOOM,
            )
        nav = page.get_by_role("navigation", name="Outils du forum")
        menu = nav.locator("details.staff-nav-menu")
        summary = menu.locator("summary")
        expect(summary).to_contain_text("Modération")
        # Closed, the menu is one line (two at 200 % text) under "Your forums".
        height = nav.bounding_box()["height"]
        shot(page, f"staff_nav_phone_closed_zoom_{zoom}", full_page=False)
        assert height <= (240 if zoom else 110), height
        expect(nav.get_by_role("link", name="Pilotage")).to_have_count(0)
        assert sideways_overflow(page, ".staff-nav") == []
        shot(page, f"staff_nav_phone_closed_zoom_{zoom}", full_page=False)
        summary.click()
        for name, links in GROUPS.items():
            group = nav.get_by_role("group", name=name)
            expect(group).to_be_visible()
            for link in links:
                expect(group.get_by_role("link", name=link, exact=True)).to_be_visible()
        expect(nav.locator("[aria-current=page]:visible")).to_have_text("Modération")
        shot(page, f"staff_nav_phone_open_zoom_{zoom}", full_page=False)
        assert sideways_overflow(page, ".staff-nav") == []
        nav.get_by_role("link", name="Pilotage").click()
        expect(page.locator("details.staff-nav-menu summary")).to_contain_text("Pilotage")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_new_staff_states_have_no_axe_violation(browser, live_server, demo, size, lang):
    """The phone menu open, the close-the-vote question, an assisted ballot at the cap."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser`.")
    with live_server.app.app_context():
        forum = db.session.get(Forum, demo)
        voting = forum.challenges[0]
        voting.phase = "voting"
        person = create_assisted_participant(forum, display_name="Mme Martin")
        db.session.flush()
        idea = db.session.scalars(select(Idea).where(Idea.challenge_id == voting.id)).first()
        set_dots(person, idea, forum.dot_cap)
        db.session.commit()
        ballot = f"/staff/f/{DEMO_SLUG}/assisted/{person.id}"
        close = f"/staff/f/{DEMO_SLUG}?close={voting.id}"
    context = open_context(browser, size, bypass_csp=True)
    context.add_init_script(path=str(AXE))  # once, not sent again with each page
    page = context.new_page()
    found = {}
    try:
        log_in_to_the_demo(page, live_server)
        for name, path in {"assisted_ballot": ballot, "close_question": close}.items():
            page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            if size == "phone":
                page.locator("details.staff-nav-menu summary").click()
            found[name] = violations(page)
            shot(page, f"axe_staff_new_{size}_{lang}_{name}")
    finally:
        context.close()
    assert not {name: v for name, v in found.items() if v}


def test_the_list_of_forums_has_no_stray_bullet(browser, live_server, demo):
    """ "Vos forums": each forum is a card; the list's bullet sat outside it, in the margin."""
    context = open_context(browser, "phone")
    page = context.new_page()
    try:
        log_in(page, live_server.url + "/staff", "orga@example.org")
        forums = page.locator("ul.staff-forums")
        assert forums.evaluate("e => getComputedStyle(e.firstElementChild).listStyleType") == "none"
        assert sideways_overflow(page) == []
    finally:
        context.close()
