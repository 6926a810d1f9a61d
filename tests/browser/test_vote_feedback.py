"""Every tap says what happened to it, on the card, even on a bad connection (issue 9)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cite_vote.extensions import db
from tests.browser.helpers import enter, one_challenge_forum, shot

pytestmark = pytest.mark.browser

TITLES = [f"Idée numéro {n}, assez longue pour occuper une carte entière" for n in range(1, 9)]


@pytest.fixture
def voting_room(live_server):
    return one_challenge_forum(
        live_server,
        slug="reseau",
        title="Forum du réseau",
        join_code="RESO42",
        phase="voting",
        ideas=[{"title": title, "description": "Texte " * 20} for title in TITLES],
        dot_budget=4,
        dot_cap=2,
    )


@pytest.fixture
def proposing_room(live_server):
    return one_challenge_forum(
        live_server,
        slug="brouillon",
        title="Forum brouillon",
        join_code="BROU42",
        phase="proposing",
        ideas=["Une idée déjà là"],
    )


def last_card(page):
    return page.locator("li.idea").last


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_an_offline_tap_says_not_sent_on_the_card_and_keeps_saying_it_until_sent(
    page, context, live_server, voting_room
):
    enter(page, live_server.url, "RESO42")
    card = last_card(page)
    plus = card.get_by_role("button", name="Ajouter un point")
    plus.scroll_into_view_if_needed()
    context.set_offline(True)
    plus.click()
    status = card.locator(".vote-status")
    expect(status).to_contain_text("Pas envoyé")
    assert in_viewport(page, status), "the message is next to the button, on screen"
    banner = page.locator("#connection")
    expect(banner).to_be_visible()
    assert in_viewport(page, banner)
    shot(page, "30_offline_vote", full_page=False)

    context.set_offline(False)
    expect(banner).to_be_hidden()
    # The background poll answers successfully; the unsent tap still says so.
    with page.expect_response(lambda r: "/phase?" in r.url and r.status == 204, timeout=15_000):
        pass  # the poll runs by itself, every 5 s
    expect(last_card(page).locator(".vote-status")).to_contain_text("Pas envoyé")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")

    last_card(page).get_by_role("button", name="Réessayer").click()
    expect(last_card(page).locator(".vote-status")).to_contain_text("Enregistré")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("3")
    page.reload()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("3")


def test_a_tap_in_flight_shows_pending_then_saved(page, live_server, voting_room):
    enter(page, live_server.url, "RESO42")
    held = []
    page.route("**/dots", lambda route: held.append(route))
    card = last_card(page)
    card.get_by_role("button", name="Ajouter un point").click()
    form = card.locator(".vote form").last
    expect(form).to_have_class(re.compile("htmx-request"))
    expect(card.locator(".vote-status")).to_contain_text("Envoi")
    animation = card.locator(".plus").evaluate("b => getComputedStyle(b).animationName")
    assert animation != "none", "the in-flight style matches the element htmx marks"
    shot(page, "31_pending_vote", full_page=False)
    held[0].continue_()
    page.unroute("**/dots")
    expect(last_card(page).locator(".vote-status")).to_contain_text("Enregistré")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("3")


def test_after_a_timeout_the_card_shows_what_the_server_saved(page, live_server, voting_room):
    """The server saved the dot but answered too late: the card asks, and says saved."""
    enter(page, live_server.url, "RESO42")
    page.evaluate("() => { htmx.config.timeout = 800; }")
    held = []

    def slow(route):
        route.fetch()  # the server gets it and saves it; the phone never hears back in time
        held.append(route)

    page.route("**/dots", slow)
    card = last_card(page)
    card.get_by_role("button", name="Ajouter un point").click()
    expect(last_card(page).locator(".vote-status")).to_contain_text("Enregistré")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("3")
    expect(last_card(page).locator(".my-dots")).to_have_attribute("data-dots", "1")


def test_after_a_timeout_an_unsaved_tap_offers_a_retry_that_counts_once(
    page, live_server, voting_room
):
    enter(page, live_server.url, "RESO42")
    page.evaluate("() => { htmx.config.timeout = 800; }")
    held = []
    page.route("**/dots", lambda route: held.append(route))  # never reaches the server
    last_card(page).get_by_role("button", name="Ajouter un point").click()
    expect(last_card(page).locator(".vote-status")).to_contain_text("Pas envoyé")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("4")
    page.unroute("**/dots")
    last_card(page).get_by_role("button", name="Réessayer").click()
    expect(last_card(page).locator(".vote-status")).to_contain_text("Enregistré")
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("3")
    page.reload()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("3")


def test_a_refused_tap_says_so_on_the_card(page, live_server, voting_room):
    enter(page, live_server.url, "RESO42")
    plus = last_card(page).get_by_role("button", name="Ajouter un point")
    plus.click()
    expect(last_card(page).locator(".vote-status")).to_contain_text("Enregistré")
    last_card(page).get_by_role("button", name="Ajouter un point").click()
    expect(page.locator("#dots-left .dots-left-count")).to_have_text("2")
    last_card(page).get_by_role("button", name="Ajouter un point").click()
    card = last_card(page)
    expect(card.locator("[role=alert]")).to_be_visible()
    expect(card).to_have_attribute("data-vote-state", "refused")
    assert in_viewport(page, card.locator("[role=alert]"))


def test_an_idea_being_typed_survives_a_lost_connection_and_a_reload(
    page, context, live_server, proposing_room
):
    enter(page, live_server.url, "BROU42")
    page.get_by_label("Votre idée en quelques mots").fill("Un jardin partagé")
    page.get_by_label("Précisions").fill("Sur le toit de la mairie")
    context.set_offline(True)
    page.get_by_role("button", name="Proposer").click()
    form = page.locator("#propose")
    expect(form.locator("[role=alert]")).to_be_visible()
    assert in_viewport(page, form.locator("[role=alert]"))
    context.set_offline(False)
    page.reload()
    expect(page.get_by_label("Votre idée en quelques mots")).to_have_value("Un jardin partagé")
    expect(page.get_by_label("Précisions")).to_have_value("Sur le toit de la mairie")
    page.get_by_role("button", name="Proposer").click()
    expect(page.locator("#challenge-body")).to_contain_text("Un jardin partagé")
    page.reload()
    expect(page.get_by_label("Votre idée en quelques mots")).to_have_value("")


def test_a_comment_being_typed_survives_a_reload(page, live_server, proposing_room):
    enter(page, live_server.url, "BROU42")
    page.get_by_role("link", name="Une idée déjà là").click()
    page.get_by_label("Votre commentaire").fill("Bonne idée, mais où ?")
    page.reload()
    expect(page.get_by_label("Votre commentaire")).to_have_value("Bonne idée, mais où ?")


def comments_saved(live_server, body: str) -> int:
    from sqlalchemy import func, select

    from cite_vote.ideas.models import Comment

    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).where(Comment.body == body))


def open_idea_to_comment(page, live_server):
    enter(page, live_server.url, "BROU42")
    page.get_by_role("link", name="Une idée déjà là").click()
    page.wait_for_url(re.compile(r"/f/[^/]+/i/[0-9]+(\?.*)?$"))
    page.wait_for_function("() => window.htmx !== undefined")


def draft_keys(page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('cite-vote:draft:'))"
    )


def test_a_comment_sent_offline_says_not_sent_with_a_retry_that_sends_it_once(
    page, context, live_server, proposing_room
):
    open_idea_to_comment(page, live_server)
    body = "Bonne idée, mais où ?"
    page.get_by_label("Votre commentaire").fill(body)
    context.set_offline(True)
    page.get_by_role("button", name="Commenter").click()
    form = page.locator("#comment-form")
    alert = form.locator("[role=alert]")
    expect(alert).to_contain_text("pas été enregistrée")
    retry = form.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()
    assert in_viewport(page, alert) and in_viewport(page, retry)
    expect(page.locator("#connection")).to_be_visible()
    expect(page.get_by_label("Votre commentaire")).to_have_value(body)
    shot(page, "35_offline_comment", full_page=False)

    context.set_offline(False)
    expect(page.locator("#connection")).to_be_hidden()  # the page knows it is back online
    expect(alert).to_be_visible()  # back online is not sent: the message stays until it is
    retry.click()
    expect(page.locator(".comment-list")).to_contain_text(body)
    expect(page.locator("#comment-form [role=alert]")).to_have_count(0)
    expect(page.get_by_label("Votre commentaire")).to_have_value("")
    assert comments_saved(live_server, body) == 1
    assert draft_keys(page) == []
    page.reload()
    expect(page.get_by_label("Votre commentaire")).to_have_value("")
    expect(page.locator(".comment-list li.comment", has_text=body)).to_have_count(1)


def test_a_comment_typed_offline_survives_a_reload_and_is_sent_once_back_online(
    page, context, live_server, proposing_room
):
    open_idea_to_comment(page, live_server)
    url = page.url
    body = "À tester dans deux quartiers"
    page.get_by_label("Votre commentaire").fill(body)
    context.set_offline(True)
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator("#comment-form [role=alert]")).to_be_visible()
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
        page.reload()  # the phone reloads with no network: the browser's error page
    context.set_offline(False)
    page.goto(url)
    expect(page.get_by_label("Votre commentaire")).to_have_value(body)
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator(".comment-list")).to_contain_text(body)
    expect(page.get_by_label("Votre commentaire")).to_have_value("")
    assert comments_saved(live_server, body) == 1
    assert draft_keys(page) == []
    page.reload()
    expect(page.get_by_label("Votre commentaire")).to_have_value("")
