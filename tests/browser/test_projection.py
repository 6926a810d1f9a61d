"""The projection screen in a real browser at 1920x1080, opened through its secret link.

It must show a new idea or a new vote within about two seconds, without reloading the page,
and keep the same DOM (the live block is replaced, never appended to).
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cite_vote.demo import CHALLENGES
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea
from cite_vote.results.screen.services import regenerate_screen_token, show_on_screen, start_timer
from cite_vote.timeutil import utcnow
from cite_vote.votes.categories import join_forum
from cite_vote.votes.services import set_dots
from tests.browser.helpers import LAPTOP, log_in, shot
from tests.helpers import quick_password_hashes

pytestmark = pytest.mark.browser

PASSWORD = "mot de passe sûr"  # the facilitator's, set in the tests that need one

CATEGORIES = ["chercheur·e", "entrepreneur·e", "association", "enseignant·e", "citoyen·ne"]
PROPOSED = [
    ("Un observatoire régional des métiers émergents", "chercheur·e"),
    ("Des binômes chercheur·e – entreprise pour lire les signaux faibles", "entrepreneur·e"),
    ("Une carte ouverte des compétences du territoire, mise à jour chaque année", "association"),
    ("Des stages d’observation pour les enseignant·es dans les entreprises", "enseignant·e"),
    ("Un baromètre citoyen des transformations du travail", "citoyen·ne"),
    ("Des données partagées entre Pôle emploi, les branches et les laboratoires", "chercheur·e"),
]
VOTED = [
    "Une salle d’essai pour tester de nouvelles pédagogies",
    "Des modules courts ouverts à tous le soir",
    "Un tiers-lieu de formation dans chaque bassin d’emploi",
    "Des badges numériques pour reconnaître les compétences acquises hors diplôme",
    "Former les formateurs aux outils numériques avec les entreprises",
    "Un mentorat entre apprenant·es de générations différentes",
    "Des classes inversées sur les métiers de demain",
]


@pytest.fixture
def room(live_server):
    """The reference event's six challenges: the first proposing, the second voting (live)."""
    with live_server.app.app_context():
        forum = create_forum(
            slug="cite-ecran",
            title="La Cité de l’économie et des métiers de demain",
            categories=CATEGORIES,
            dot_budget=5,
            dot_cap=3,
            join_code="CITE23",
            projection_mode="live",
        )
        for n, (title, question, _ideas) in enumerate(CHALLENGES):
            phase = {0: "proposing", 1: "voting"}.get(n, "draft" if n > 3 else "proposing")
            add_challenge(forum, title=title, question=question, phase=phase)
        people = [
            join_forum(forum, secrets.token_urlsafe(16), category=CATEGORIES[n % 5])
            for n in range(48)
        ]
        proposing, voting = forum.challenges[0], forum.challenges[1]
        now = utcnow()
        for n, (title, category) in enumerate(PROPOSED):
            db.session.add(
                Idea(
                    challenge_id=proposing.id,
                    title=title,
                    author_category=category,
                    created_at=now - timedelta(minutes=30 - 4 * n),
                )
            )
        ideas = []
        for n, title in enumerate(VOTED):
            idea = Idea(challenge_id=voting.id, title=title, author_category=CATEGORIES[n % 5])
            db.session.add(idea)
            ideas.append(idea)
        db.session.flush()
        # A spread of dots: 1st idea far ahead, then a close race.
        plan = [(0, 3), (0, 3), (0, 2), (1, 2), (1, 2), (2, 3), (3, 1), (4, 1), (2, 1), (1, 1)]
        for person, (idea_n, dots) in zip(people, plan, strict=False):
            set_dots(person, ideas[idea_n], dots)
        show_on_screen(forum, proposing)
        token = regenerate_screen_token(forum)
        db.session.commit()
        return {
            "forum_id": forum.id,
            "proposing_id": proposing.id,
            "voting_id": voting.id,
            "token": token,
            "people": [p.id for p in people],
            "ideas": [i.id for i in ideas],
        }


def in_app(live_server, change):
    with live_server.app.app_context():
        change()
        db.session.commit()


def open_screen(page, live_server, room):
    page.goto(f"{live_server.url}/s/{room['token']}")
    expect(page.locator("#screen-live")).to_be_visible()
    # A page that reloads loses this marker: it proves the updates come without a reload.
    page.evaluate("window.__sameDocument = true")


def nothing_scrolls(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollHeight <= innerHeight"
        " && document.documentElement.scrollWidth <= innerWidth"
    )


def test_new_ideas_appear_on_the_screen_without_reload(projector_page, live_server, room):
    page = projector_page
    open_screen(page, live_server, room)
    expect(page.locator(".join-code")).to_have_text("CITE23")
    qr = page.locator(".join-qr svg").bounding_box()
    assert qr["width"] >= 300 and qr["height"] >= 300
    expect(page.locator(".badge")).to_have_text("Propositions d’idées")
    expect(page.locator(".latest .idea")).to_have_count(6)

    def propose():
        db.session.add(
            Idea(
                challenge_id=room["proposing_id"],
                title="Un laboratoire vivant ouvert aux habitant·es",
                author_category="citoyen·ne",
            )
        )

    in_app(live_server, propose)
    newest = page.locator(".latest .idea").first
    expect(newest).to_contain_text("Un laboratoire vivant ouvert", timeout=3000)
    expect(page.locator(".meter-counts")).to_contain_text("7 idées")
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#screen-live").count() == 1
    assert nothing_scrolls(page)
    # The arrival highlight under way (it fades over 5 s), for the screenshot.
    page.wait_for_function(
        "() => document.querySelector('.latest .idea.fresh')"
        "?.getAnimations().some(a => a.currentTime >= 600)"
    )
    shot(page, "projection_proposing", full_page=False)


def test_votes_move_the_live_ranking_without_reload(projector_page, live_server, room):
    def pin_voting_and_start_timer():
        forum = db.session.get(Forum, room["forum_id"])
        show_on_screen(forum, db.session.get(Challenge, room["voting_id"]))
        start_timer(forum, 5, utcnow())

    in_app(live_server, pin_voting_and_start_timer)
    page = projector_page
    open_screen(page, live_server, room)
    expect(page.locator(".badge")).to_have_text("Vote")
    rows = page.locator(".ranking .idea")
    expect(rows.first).to_contain_text(VOTED[0])
    expect(rows.nth(1)).to_contain_text(VOTED[1])
    expect(page.locator(".meter-dots")).to_contain_text("19 points placés sur 240")
    elements = page.evaluate("document.getElementsByTagName('*').length")
    # Text nodes too: whitespace around a swapped block would pile up, swap after swap.
    siblings = page.evaluate("document.querySelector('.screen').childNodes.length")

    # The countdown ticks in the browser between polls.
    before = page.locator(".timer-value").inner_text()
    expect(page.locator(".timer-value")).not_to_have_text(before, timeout=1300)

    def vote():
        from cite_vote.accounts.models import Participant

        voters = [db.session.get(Participant, pid) for pid in room["people"][20:23]]
        second = db.session.get(Idea, room["ideas"][1])
        for voter in voters:
            set_dots(voter, second, 3)

    in_app(live_server, vote)
    # 5 + 9 = 14 dots: the second idea overtakes the first (8) within about two seconds.
    expect(rows.first).to_contain_text(VOTED[1], timeout=3000)
    expect(rows.first.locator(".idea-dots strong")).to_have_text("14")
    expect(page.locator(".meter-dots")).to_contain_text("28 points placés sur 240")
    assert page.evaluate("window.__sameDocument") is True
    # Replaced, not appended: the same number of elements after the update.
    assert page.evaluate("document.getElementsByTagName('*').length") == elements
    assert page.evaluate("document.querySelector('.screen').childNodes.length") == siblings
    assert nothing_scrolls(page)
    # The bars finish their transition (the animations that end, not a pulsing timer).
    page.wait_for_function(
        "() => document.getAnimations()"
        ".every(a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity)"
    )
    shot(page, "projection_voting", full_page=False)


def test_blind_mode_lists_ideas_alphabetically_until_the_challenge_closes(
    projector_page, live_server, room
):
    def blind_on_voting():
        forum = db.session.get(Forum, room["forum_id"])
        forum.projection_mode = "blind"
        show_on_screen(forum, db.session.get(Challenge, room["voting_id"]))

    in_app(live_server, blind_on_voting)
    page = projector_page
    open_screen(page, live_server, room)
    titles = page.locator(".blind .idea-title").all_inner_texts()
    assert titles == sorted(VOTED, key=str.casefold)
    assert page.locator(".idea-dots, .idea-rank").count() == 0
    shot(page, "projection_blind", full_page=False)

    def close():
        db.session.get(Challenge, room["voting_id"]).phase = "closed"

    in_app(live_server, close)
    expect(page.locator(".ranking .idea").first).to_contain_text(VOTED[0], timeout=3000)
    expect(page.locator(".badge")).to_have_text("Clos")
    assert page.evaluate("window.__sameDocument") is True
    shot(page, "projection_results", full_page=False)


def test_an_old_link_stops_showing_the_room(projector_page, live_server, room):
    page = projector_page
    open_screen(page, live_server, room)
    in_app(live_server, lambda: regenerate_screen_token(db.session.get(Forum, room["forum_id"])))
    expect(page.locator("#messages")).to_contain_text("lien d’écran", timeout=3000)


def test_staff_create_the_link_and_start_the_countdown_from_their_page(
    browser, projector_page, live_server, room
):
    from cite_vote.accounts.services import assign_staff, create_staff_user

    def facilitator():
        with quick_password_hashes():
            user = create_staff_user("animation@example.org", "facilitator", PASSWORD)
        assign_staff(db.session.get(Forum, room["forum_id"]), user)

    in_app(live_server, facilitator)
    laptop = browser.new_context(**LAPTOP)
    try:
        page = laptop.new_page()
        log_in(
            page, f"{live_server.url}/staff/f/cite-ecran/screen", "animation@example.org", PASSWORD
        )
        expect(page.get_by_role("heading", name="Écran de projection")).to_be_visible()

        page.get_by_role("button", name="Remplacer le lien").click()
        link = page.locator("#screen-link-url")
        expect(link).to_have_value(re.compile(r"/s/[\w-]{20,}$"))
        projector_page.goto(link.input_value())
        expect(projector_page.locator(".join-code")).to_have_text("CITE23")
        expect(projector_page.locator(".timer")).to_have_count(0)
        # The fixture's link is replaced: it no longer opens the screen.
        assert projector_page.request.get(f"{live_server.url}/s/{room['token']}").status == 404

        page.get_by_role("button", name="5 minutes", exact=True).click()
        expect(page.locator("#screen-timer")).to_contain_text("En cours")
        expect(projector_page.locator(".timer-value")).to_have_text(
            re.compile(r"^[45]:\d\d$"), timeout=3000
        )
        page.get_by_role("button", name="Arrêter le compte à rebours").click()
        expect(projector_page.locator(".timer")).to_have_count(0, timeout=3000)
        shot(page, "projection_staff_page")
    finally:
        laptop.close()


@pytest.mark.parametrize("timer", [False, True])
def test_the_join_panel_fits_a_long_forum_title(projector_page, live_server, room, timer):
    """At 1920x1080, the join panel's parts stack without overlapping, above the countdown.

    No link to the accessibility statement on the room's screen, which no one can follow
    (issue 20): the staff's screen page has it."""
    if timer:
        in_app(
            live_server, lambda: start_timer(db.session.get(Forum, room["forum_id"]), 5, utcnow())
        )
    page = projector_page
    open_screen(page, live_server, room)
    parts = [".join-brand", ".join-forum", ".join-invite", ".join-qr", ".join-where", ".join-code"]
    boxes = [page.locator(f"#screen-join {p}").bounding_box() for p in parts]
    for n in range(len(parts) - 1):
        above, below = boxes[n], boxes[n + 1]
        assert above["y"] + above["height"] <= below["y"] + 1, (parts[n], parts[n + 1])
    last = boxes[-1]
    assert last["y"] + last["height"] <= 1080
    expect(page.get_by_text("Accessibilité : non conforme")).to_have_count(0)
    if timer:
        clock = page.locator(".timer").bounding_box()
        assert last["y"] + last["height"] <= clock["y"], "the countdown covers the code"
    shot(page, f"projection_join_panel{'_timer' if timer else ''}", full_page=False)


def test_the_facilitator_reveals_the_ranking_step_by_step_on_the_projector(
    browser, projector_page, live_server, room
):
    """Blind mode, staged before closing: the projector (1920x1080) shows nothing of the ranking
    when the vote closes, then one more idea per click, from the last of the screen's six to
    the first, without reloading."""
    from cite_vote.accounts.services import assign_staff, create_staff_user

    def blind_and_staff():
        forum = db.session.get(Forum, room["forum_id"])
        forum.projection_mode = "blind"
        show_on_screen(forum, db.session.get(Challenge, room["voting_id"]))
        with quick_password_hashes():
            user = create_staff_user("animation@example.org", "facilitator", PASSWORD)
        assign_staff(forum, user)

    in_app(live_server, blind_and_staff)
    projector = projector_page
    open_screen(projector, live_server, room)
    expect(projector.locator(".blind")).to_be_visible()

    laptop = browser.new_context(**LAPTOP)
    try:
        page = laptop.new_page()
        log_in(
            page, f"{live_server.url}/staff/f/cite-ecran/screen", "animation@example.org", PASSWORD
        )
        reveal = page.locator("#screen-reveal")
        reveal.get_by_role("button", name="Dévoiler pas à pas").click()
        expect(reveal).to_contain_text("Le dévoilement commence à la clôture du vote")

        in_app(
            live_server,
            lambda: setattr(db.session.get(Challenge, room["voting_id"]), "phase", "closed"),
        )
        rows = projector.locator(".ranking .idea")
        expect(rows).to_have_count(6, timeout=3000)
        expect(projector.locator(".ranking .idea.is-hidden")).to_have_count(6)
        assert projector.locator(".idea-dots").count() == 0
        shot(projector, "projection_reveal_0", full_page=False)

        page.reload()  # the closed phase enables the button
        ranked = [VOTED[n] for n in (0, 1, 2, 3, 4)]  # the plan's order by dots, then supporters
        for step in range(1, 7):
            reveal.get_by_role("button", name="Dévoiler l’idée suivante").click()
            expect(reveal).to_contain_text(f"Dévoilées : {step} sur 6")
            expect(projector.locator(".ranking .idea.is-hidden")).to_have_count(
                6 - step, timeout=3000
            )
            # The row just revealed is the lowest hidden one: the reveal climbs the ranking.
            expect(rows.nth(6 - step)).not_to_have_class(re.compile("is-hidden"))
            if step == 3:
                shot(projector, "projection_reveal_3", full_page=False)
        expect(rows.first).to_contain_text(ranked[0])
        expect(rows.first.locator(".idea-dots")).to_contain_text("8")
        assert nothing_scrolls(projector)
        assert projector.evaluate("window.__sameDocument") is True
        shot(projector, "projection_reveal_done", full_page=False)
        shot(page, "projection_reveal_staff")
    finally:
        laptop.close()
