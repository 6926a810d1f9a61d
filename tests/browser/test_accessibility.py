"""axe-core finds no violation, of any impact, on the participant's pages, in both languages.

axe-core comes from the npm registry, pinned in the Makefile (`make browser` fetches it into
tests/browser/vendor/, which git ignores). Our CSP rightly blocks injected scripts, so these
pages are opened in a context that bypasses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Comment, Idea
from tests.browser.conftest import PHONE
from tests.browser.helpers import shot

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE = Path(__file__).resolve().parent / "vendor" / f"axe-{AXE_VERSION}.min.js"


@pytest.fixture
def axe_page(browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser` (it fetches axe-core {AXE_VERSION}).")
    context = browser.new_context(**PHONE, bypass_csp=True)
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
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_participant_pages_have_no_axe_violation_on_a_phone(axe_page, live_server, room, lang):
    page, url, found = axe_page, live_server.url, {}

    def check(name):
        page.wait_for_load_state("load")
        found[name] = violations(page)
        shot(page, f"axe_{lang}_{name}")

    page.goto(f"{url}/?lang={lang}")
    check("home")
    page.goto(f"{url}/j/AXE123")
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
    for _ in range(2):
        page.locator("li.idea").first.locator(".plus").click()
        page.wait_for_timeout(400)
    page.wait_for_selector("li.idea [role=alert]")
    check("challenge_refused")
    page.goto(f"{url}/f/axe/i/{room['idea']}")
    check("idea")

    assert {name: v for name, v in found.items() if v} == {}
