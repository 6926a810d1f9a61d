"""Text enlarged to 200 % on a 360 px phone: nothing overflows sideways, nothing is clipped."""

from __future__ import annotations

import pytest

from tests.browser.helpers import PHONE, one_challenge_forum, shot

pytestmark = pytest.mark.browser

# Chrome's text scaling on a phone: every rem and em doubles, the viewport stays 360 px.
ZOOM = ":root { font-size: 34px !important; }"


@pytest.fixture
def zoomed(browser):
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def room(live_server):
    return one_challenge_forum(
        live_server,
        slug="loupe",
        title="La Cité de l’économie et des métiers de demain",
        join_code="LOUPE7",
        phase="voting",
        challenge="La tête chercheuse",
        question="Comment pourrions-nous anticiper les transformations en cours ?",
        ideas=["Un observatoire des métiers"],
        categories=["chercheur·e", "citoyen·ne"],
        results_public_early=True,
    )


def overflow(page) -> list[str]:
    """Elements wider than the viewport, or whose content is cut off sideways."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth, found = [];
          for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.width === 0 || e.closest('.visually-hidden')) continue;
            const cut = getComputedStyle(e).overflowX !== 'visible'
              && e.scrollWidth > e.clientWidth + 1;
            if (r.right > width + 1 || cut) found.push(e.tagName + '.' + e.className);
          }
          const page = document.documentElement.scrollWidth;
          if (page > width) found.push('page ' + page);
          return found;
        }"""
    )


def test_forum_challenge_and_results_fit_a_phone_at_200_percent_text(zoomed, live_server, room):
    page, found = zoomed, {}
    page.goto(f"{live_server.url}/j/LOUPE7")
    page.locator("#profile-form [type=submit]").click()
    page.wait_for_url(f"{live_server.url}/f/loupe")
    for name, path in (
        ("forum", "/f/loupe"),
        ("challenge", f"/f/loupe/c/{room}"),
        ("results", f"/f/loupe/results/c/{room}"),
    ):
        page.goto(live_server.url + path)
        page.add_style_tag(content=ZOOM)
        page.wait_for_function(
            "() => getComputedStyle(document.documentElement).fontSize === '34px'"
        )
        found[name] = overflow(page)
        shot(page, f"zoom200_{name}")
    bad = {k: v for k, v in found.items() if v}
    assert not bad, bad
