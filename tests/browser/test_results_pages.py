"""Results on a phone (participant, after the vote) and the cahier on a laptop (organiser)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cite_vote.accounts.services import create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Comment, Idea
from cite_vote.timeutil import utcnow
from cite_vote.votes.categories import join_forum
from cite_vote.votes.models import LedgerEntry
from cite_vote.votes.services import set_dots
from tests.browser.helpers import LAPTOP, log_in, shot
from tests.helpers import STAFF_PASSWORD, quick_password_hashes

pytestmark = pytest.mark.browser

CATEGORIES = ["chercheur·e", "entrepreneur·e", "association", "citoyen·ne"]
IDEAS = [
    ("Un observatoire régional des métiers émergents", "Croiser offres d’emploi et brevets."),
    ("Des binômes chercheur·e – entreprise", ""),
    ("Une salle d’essai pour de nouvelles pédagogies", "Tester un format pendant une semaine."),
    ("Un guichet unique pour les TPE", "Un seul interlocuteur pour les aides."),
    ("Des modules courts ouverts à tous le soir", ""),
]


@pytest.fixture
def closed_forum(live_server):
    """A closed challenge with 24 voters of four categories (and some without one)."""
    with live_server.app.app_context():
        forum = create_forum(
            slug="cite-res",
            title="La Cité de l’économie et des métiers de demain",
            categories=CATEGORIES,
            dot_budget=5,
            dot_cap=3,
            join_code="RES234",
        )
        with quick_password_hashes():
            organiser = create_staff_user("orga@example.org", "organiser", STAFF_PASSWORD)
        forum.owner_id = organiser.id
        challenge = add_challenge(
            forum,
            title="La tête chercheuse",
            question="Comment pourrions-nous anticiper les impacts des transformations ?",
            phase="voting",
        )
        ideas = []
        for n, (title, description) in enumerate(IDEAS):
            idea = Idea(
                challenge_id=challenge.id,
                title=title,
                description=description,
                author_category=CATEGORIES[n % 4],
            )
            db.session.add(idea)
            ideas.append(idea)
        db.session.flush()
        db.session.add(
            Comment(idea_id=ideas[0].id, body="Très utile", author_category="association")
        )
        rng = secrets.SystemRandom()
        token = None
        for n in range(24):
            category = CATEGORIES[n % 4] if n % 6 else None
            token = secrets.token_urlsafe(16)
            person = join_forum(forum, token, category=category, via_ticket=True)
            choices = rng.sample(range(5), 2)
            set_dots(person, ideas[min(choices)], 2 if n % 3 else 3)
            set_dots(person, ideas[max(choices)], 1)
        # Spread the ledger over the afternoon so the timeline has a shape.
        start = utcnow() - timedelta(hours=2)
        entries = db.session.query(LedgerEntry).order_by(LedgerEntry.id).all()
        for n, entry in enumerate(entries):
            entry.created_at = start + timedelta(minutes=2 * n)
        challenge.phase = "closed"
        db.session.commit()
        return {"token": token, "challenge_id": challenge.id}


def test_participant_reads_the_results_on_a_phone(page, live_server, closed_forum):
    page.context.add_cookies(
        [
            {
                "name": "cite_vote_participant",
                "value": closed_forum["token"],
                "url": live_server.url,
            }
        ]
    )
    page.goto(live_server.url + "/f/cite-res")
    page.get_by_role("link", name="Voir les résultats").click()
    expect(page.get_by_role("heading", name="Résultats")).to_be_visible()
    expect(page.locator(".ranked-idea")).to_have_count(5)
    shot(page, "results_phone")
    page.get_by_role("link", name="Par soutien transversal").click()
    expect(page.get_by_role("link", name="Par soutien transversal")).to_have_attribute(
        "aria-current", "true"
    )
    page.get_by_role("link", name="La tête chercheuse").click()
    expect(page.locator(".timeline svg polyline").first).to_be_visible()
    shot(page, "results_challenge_phone")


def test_organiser_opens_the_cahier_on_a_laptop(browser, live_server, closed_forum):
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    try:
        log_in(page, live_server.url + "/staff/login?next=/f/cite-res/results", "orga@example.org")
        expect(page.get_by_role("heading", name="Résultats")).to_be_visible()
        page.get_by_text("Télécharger les résultats").click()
        page.get_by_role("link", name="page imprimable").click()
        expect(page.locator(".cover h1")).to_have_text(
            "La Cité de l’économie et des métiers de demain"
        )
        expect(page.locator(".cahier-idea")).to_have_count(5)
        shot(page, "cahier_desktop")
        page.emulate_media(media="print")
        shot(page, "cahier_desktop_print")
        with page.expect_download() as download:
            page.emulate_media(media="screen")
            page.get_by_role("link", name="Télécharger le PDF").click()
        assert download.value.suggested_filename.startswith("cite-res-cahier-")
    finally:
        context.close()
