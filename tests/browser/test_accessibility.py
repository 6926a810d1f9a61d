"""axe-core finds no violation, of any impact, on every page, at three sizes, in both languages.

axe-core comes from the npm registry, pinned in the Makefile (`make browser` fetches it into
tests/browser/vendor/, which git ignores). Our CSP rightly blocks injected scripts, so these
pages are opened in a context that bypasses it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cite_vote.accounts.services import assign_staff, create_staff_user
from cite_vote.accounts.tickets import generate_tickets
from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.categories import join_forum
from cite_vote.votes.services import set_dots
from tests.browser.helpers import PHONE, log_in, shot
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE = Path(__file__).resolve().parent / "vendor" / f"axe-{AXE_VERSION}.min.js"


SIZES = {
    "phone": PHONE,
    "laptop": {"viewport": {"width": 1366, "height": 768}},
    "projector": {"viewport": {"width": 1920, "height": 1080}},
}


@pytest.fixture(params=list(SIZES))
def size(request):
    return request.param


@pytest.fixture
def axe_page(browser, size):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser` (it fetches axe-core {AXE_VERSION}).")
    context = browser.new_context(**SIZES[size], bypass_csp=True)
    # axe-core (650 kB) given once to the browser, which puts it in every page it opens: sent
    # page by page, it took as long as the check itself.
    context.add_init_script(path=str(AXE))
    yield context.new_page()
    context.close()


@pytest.fixture
def room(live_server):
    with live_server.app.app_context():
        forum = create_forum(
            slug="axe",
            title="Forum accessible",
            join_code="AXE123",
            categories=["habitant·e", "association"],
            dot_budget=4,
            dot_cap=2,
        )
        voting = add_challenge(forum, title="Défi en vote", question="Que faire ?", phase="voting")
        add_challenge(forum, title="Défi ouvert", question="Et ensuite ?", phase="proposing")
        ideas = [Idea(challenge_id=voting.id, title=f"Idée {n}", description="Texte") for n in "12"]
        db.session.add_all(ideas)
        db.session.flush()
        db.session.add(Comment(idea_id=ideas[0].id, body="Un commentaire"))
        db.session.commit()
        return {"voting": voting.id, "idea": ideas[0].id}


def violations(page) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    return found


def assert_clean(found: dict[str, list[str]]) -> None:
    bad = {name: v for name, v in found.items() if v}
    assert not bad, "\n".join(f"{name}: {v}" for name, v in bad.items())


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_participant_pages_have_no_axe_violation(axe_page, size, live_server, room, lang):
    page, url, found = axe_page, live_server.url, {}

    def check(name):
        page.wait_for_load_state("load")
        found[name] = violations(page)
        shot(page, f"axe_{size}_{lang}_{name}")

    page.goto(f"{url}/?lang={lang}")
    check("home")
    page.goto(f"{url}/f/axe")  # a link to the forum: its door asks for the code
    page.wait_for_url(f"{url}/f/axe/join")
    check("door")
    page.locator("#door-form #code").fill("axe 123")
    page.locator("#door-form [type=submit]").click()
    page.wait_for_url(f"{url}/j/AXE123")
    check("join")
    page.locator("#profile-form [type=submit]").click()
    page.wait_for_url(f"{url}/f/axe")
    check("forum")
    page.goto(f"{url}/f/axe/c/{room['voting']}")
    page.wait_for_function("() => window.htmx !== undefined")
    first = page.locator("li.idea").first
    first.locator(".plus").click()
    page.wait_for_selector("li.idea[data-vote-state=saved]")
    check("challenge_voting")
    page.locator("li.idea").first.locator(".plus").click()  # the second dot: the cap
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("2")
    page.locator("li.idea").first.locator(".plus").click()  # past the cap: refused
    page.wait_for_selector("li.idea [role=alert]")
    check("challenge_refused")
    page.goto(f"{url}/f/axe/i/{room['idea']}")
    check("idea")
    page.get_by_role("link", name=re.compile("^Accessibilit")).click()
    page.wait_for_url(f"{url}/accessibilite")
    check("statement")

    assert_clean(found)


@pytest.fixture
def staff_room(live_server):
    with live_server.app.app_context():
        forum = create_forum(
            slug="equipe",
            title="Forum de l’équipe",
            join_code="EQUIPE",
            categories=["association", "habitant·e"],
        )
        voting = add_challenge(forum, title="Défi en vote", question="Que faire ?", phase="voting")
        closed = add_challenge(forum, title="Défi clos", question="Et avant ?", phase="voting")
        ideas = [
            Idea(challenge_id=c.id, title=f"Idée {c.position}.{n}", author_category="association")
            for c in (voting, closed)
            for n in "12"
        ]
        ideas.append(Idea(challenge_id=voting.id, title="En attente", status="pending"))
        db.session.add_all(ideas)
        with quick_password_hashes():
            user = create_staff_user("orga@example.org", "organiser", STAFF_PASSWORD)
        db.session.flush()
        assign_staff(forum, user)
        generate_tickets(forum, 3)
        voter = join_forum(forum, "jeton-de-test-axe", category="association", via_ticket=True)
        db.session.flush()
        set_dots(voter, ideas[2], 2)
        set_dots(voter, ideas[0], 1)
        closed.phase = "closed"  # after its votes, as in the room
        db.session.commit()
        return {"voting": voting.id, "closed": closed.id, "idea": ideas[0].id}, STAFF_PASSWORD


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_staff_pages_have_no_axe_violation(axe_page, size, live_server, staff_room, lang):
    room, password = staff_room
    page, url, found = axe_page, live_server.url, {}
    log_in(page, f"{url}/staff/f/equipe?lang={lang}", "orga@example.org", password)
    page.wait_for_url(re.compile(r"/staff/f/equipe(\?.*)?$"))
    page.wait_for_selector(".staff-nav")
    pages = {
        "staff_home": "/staff/",
        "control": "/staff/f/equipe",
        "settings": "/staff/f/equipe/settings",
        "challenges": "/staff/f/equipe/challenges",
        "team": "/staff/f/equipe/team",
        "tickets": "/staff/f/equipe/tickets",
        "ticket_sheet": "/staff/f/equipe/tickets/print",
        "moderation": "/staff/f/equipe/moderation",
        "moderate_idea": f"/staff/f/equipe/moderation/i/{room['idea']}",
        "assisted": "/staff/f/equipe/assisted",
        "paper": "/staff/f/equipe/paper",
        "paper_sheets": f"/staff/f/equipe/paper/c/{room['voting']}",
        "paper_sheet": f"/staff/f/equipe/paper/c/{room['voting']}/1",
        "paper_sheet_closed": f"/staff/f/equipe/paper/c/{room['closed']}/1",
        "results": "/f/equipe/results",
        "results_challenge": f"/f/equipe/results/c/{room['closed']}",
        "merge": f"/staff/f/equipe/moderation/i/{room['idea']}/merge?into={room['idea'] + 1}",
        "tokens": "/staff/f/equipe/tokens",
        "screen_control": "/staff/f/equipe/screen",
        "screen": "/f/equipe/screen",
        "cahier": "/f/equipe/cahier",
    }
    for name, path in pages.items():
        page.goto(url + path)
        page.wait_for_load_state("load")
        found[name] = violations(page)
        shot(page, f"axe_staff_{size}_{lang}_{name}")
    assert_clean(found)
