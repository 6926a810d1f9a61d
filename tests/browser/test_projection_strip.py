"""The projector's challenge strip: every challenge's pill fits, the current one is never cut.

Rotation (the default) once put 995 px of pills in a 782 px box at 1920x1080: the pills past
the edge, the current one among them, were clipped by ``overflow: hidden``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.results.screen.services import regenerate_screen_token, show_on_screen
from tests.browser.helpers import shot

pytestmark = pytest.mark.browser

# Long French titles with emoji, as organisers write them; phases mixed, none draft (a draft
# challenge is not on the screen).
TITLES = [
    "🔬 La tête chercheuse : se donner les moyens d’anticiper les métiers de demain",
    "🧪 Le crash test des innovations pédagogiques dans les lycées et les campus",
    "🚀 L’accélérateur d’entrepreneuriat pour les jeunes des quartiers prioritaires",
    "🧭 L’exploratoire des métiers : découvrir, essayer, se tromper sans risque",
    "🌐 La cité connectée : relier les lieux, les personnes et les données ouvertes",
    "👀 La vigie collective : réussir ce projet ensemble, dans la durée",
    "🏫 Des écoles ouvertes le soir et le week-end pour toutes les générations",
    "🤝 Des partenariats durables entre entreprises, associations et collectivités",
    "♻️ L’économie circulaire au cœur des formations professionnelles régionales",
    "🎓 Reconnaître les compétences acquises hors diplôme, partout en région",
]
PHASES = ["proposing", "voting", "closed", "proposing", "voting"] * 2

SIZES = [(1920, 1080), (1366, 768)]


@pytest.fixture
def ten_challenges(live_server):
    with live_server.app.app_context():
        forum = create_forum(slug="dix-defis", title="Forum aux dix défis 🎯", join_code="DIXDEF")
        challenges = [
            add_challenge(forum, title=title, question=title, phase=phase)
            for title, phase in zip(TITLES, PHASES, strict=True)
        ]
        show_on_screen(forum, None)  # rotate: the default
        token = regenerate_screen_token(forum)
        db.session.commit()
        return {"token": token, "forum_id": forum.id, "last": challenges[-1].id}


def pills_outside_the_strip(page) -> list[str]:
    """Each pill whose box leaves the strip's (or the screen's), or whose content is cut."""
    return page.evaluate(
        """() => {
        const strip = document.querySelector('.strip ol').getBoundingClientRect();
        const bad = [];
        for (const li of document.querySelectorAll('.strip-item')) {
            const r = li.getBoundingClientRect();
            const inside = r.left >= strip.left - 0.5 && r.right <= strip.right + 0.5
                && r.top >= strip.top - 0.5 && r.bottom <= strip.bottom + 0.5
                && r.right <= innerWidth && r.bottom <= innerHeight && r.width > 0;
            const whole = li.scrollWidth <= li.clientWidth + 1;
            if (!inside || !whole) bad.push(`${li.textContent.trim()} ${JSON.stringify(r)}`);
        }
        const ol = document.querySelector('.strip ol');
        if (ol.scrollWidth > ol.clientWidth + 1) bad.push(`strip scrolls: ${ol.scrollWidth}`);
        const live = document.querySelector('#screen-live').getBoundingClientRect();
        if (strip.right > live.right + 0.5 || strip.bottom > live.bottom + 0.5)
            bad.push('strip leaves the live block');
        return bad;
    }"""
    )


def current_pill_is_visible(page) -> bool:
    return page.evaluate(
        """() => {
        const li = document.querySelector('.strip-item.current');
        if (!li) return false;
        const r = li.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const hit = document.elementFromPoint(x, y);
        return r.width > 0 && r.right <= innerWidth && r.bottom <= innerHeight
            && hit !== null && li.contains(hit);
    }"""
    )


@pytest.mark.parametrize("width,height", SIZES)
def test_ten_challenges_fit_in_the_strip_while_rotating(
    browser, live_server, ten_challenges, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/{ten_challenges['token']}")
        expect(page.locator(".strip-item")).to_have_count(10)
        expect(page.locator(".strip-item.current")).to_have_count(1)
        shot(page, f"screen_strip_rotate_{width}x{height}", full_page=False)
        assert pills_outside_the_strip(page) == []
        assert current_pill_is_visible(page)
    finally:
        context.close()


@pytest.mark.parametrize("width,height", SIZES)
def test_the_last_of_ten_challenges_pinned_shows_its_pill_whole(
    browser, live_server, ten_challenges, width, height
):
    def pin_last():
        from cite_vote.forums.models import Challenge, Forum

        forum = db.session.get(Forum, ten_challenges["forum_id"])
        show_on_screen(forum, db.session.get(Challenge, ten_challenges["last"]))
        db.session.commit()

    with live_server.app.app_context():
        pin_last()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/{ten_challenges['token']}")
        expect(page.locator(".strip-item.current .strip-number")).to_have_text("10")
        shot(page, f"screen_strip_pinned_{width}x{height}", full_page=False)
        assert pills_outside_the_strip(page) == []
        assert current_pill_is_visible(page)
    finally:
        context.close()
