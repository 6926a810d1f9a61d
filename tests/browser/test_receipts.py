"""A participant finds their receipt on a 360 px phone and sees its dots in the published log."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea
from cite_vote.votes.categories import join_forum
from cite_vote.votes.chain import receipt_of
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots
from tests.browser.helpers import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def voted(live_server):
    """Challenge 1 closed after three people voted; challenge 2 still voting."""
    with live_server.app.app_context():
        forum = create_forum(
            slug="recu", title="Forum des reçus", categories=["association"], join_code="RECU23"
        )
        first = add_challenge(forum, title="La tête chercheuse", phase="voting")
        add_challenge(forum, title="La cité connectée", phase="voting")
        ideas = [
            Idea(challenge_id=first.id, title=title)
            for title in ("Un observatoire régional des métiers émergents", "Des binômes")
        ]
        db.session.add_all(ideas)
        db.session.flush()
        tokens = [secrets.token_urlsafe(16) for _ in range(3)]
        people = [join_forum(forum, t, category="association", via_ticket=True) for t in tokens]
        for n, person in enumerate(people):
            set_dots(person, ideas[0], 2 + (n % 2))
            set_dots(person, ideas[1], 1)
        set_phase(forum, "closed", first)
        db.session.commit()
        return {"token": tokens[0], "code": receipt_of(people[0].id, first.id), "id": first.id}


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width


def test_a_participant_finds_their_receipt_and_checks_it(page, live_server, voted):
    page.context.add_cookies(
        [{"name": "cite_vote_participant", "value": voted["token"], "url": live_server.url}]
    )
    page.goto(live_server.url + "/f/recu")
    page.get_by_role("link", name="Mes points et mes reçus").click()
    expect(page.get_by_role("heading", name="Mes points")).to_be_visible()
    mine = page.locator(f"#mine-{voted['id']}")
    expect(mine.locator(".receipt-code")).to_have_text(voted["code"])
    expect(mine).to_contain_text("2 points")
    expect(page.locator("#mine-" + str(voted["id"] + 1))).to_contain_text("Aucun point placé.")
    no_horizontal_scroll(page)
    shot(page, "receipts_my_dots_phone")

    page.goto(live_server.url + f"/f/recu/c/{voted['id']}")
    expect(page.locator(f"#receipt-{voted['id']} .receipt-code")).to_have_text(voted["code"])
    no_horizontal_scroll(page)
    page.locator(f"#receipt-{voted['id']}").scroll_into_view_if_needed()
    shot(page, "receipts_challenge_phone", full_page=False)

    page.get_by_role("link", name="Vérifier mes points avec ce code").click()
    found = page.locator("#receipt-found")
    expect(found).to_contain_text(voted["code"])
    expect(found).to_contain_text("Un observatoire régional des métiers émergents")
    no_horizontal_scroll(page)
    shot(page, "receipts_lookup_phone")

    # Typed by hand, lower case with spaces, as someone copying it from another phone would.
    page.get_by_label("Code du reçu").fill(voted["code"].lower().replace("-", " "))
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#receipt-found")).to_contain_text(voted["code"])

    page.goto(live_server.url + "/f/recu/results")
    # No hash for participants (issue 20): the seal is in the log, the method annex, staff pages.
    expect(page.locator(".chain-head code")).to_have_count(0)
    page.get_by_text("Vérifier le décompte vous-même").click()
    no_horizontal_scroll(page)
    shot(page, "receipts_results_phone")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_receipt_pages_have_no_axe_violation(browser, live_server, voted, lang):
    from tests.browser.helpers import PHONE
    from tests.browser.test_accessibility import AXE, assert_clean, violations

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make browser`.")
    context = browser.new_context(**PHONE, bypass_csp=True)
    context.add_init_script(path=str(AXE))  # once, not sent again with each page
    page = context.new_page()
    page.context.add_cookies(
        [{"name": "cite_vote_participant", "value": voted["token"], "url": live_server.url}]
    )
    found = {}
    for name, path in {
        "my_dots": "/f/recu/me",
        "challenge_closed": f"/f/recu/c/{voted['id']}",
        "receipt": f"/f/recu/receipt?code={voted['code']}",
        "receipt_unknown": "/f/recu/receipt?code=AAAAAAAAAA",
        "receipt_invalid": "/f/recu/receipt?code=%3C%3E",
        "results": "/f/recu/results",
    }.items():
        page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        page.wait_for_load_state("load")
        found[name] = violations(page)
    context.close()
    assert_clean(found)
