"""A proxy's error page never replaces a card or a form (issue 20, finding 2).

A real nginx in front of gunicorn, as docs/deploy.md recommends for big rooms, answers with its
own page when the app cannot: 502 when the upstream is down, 504 when it is frozen past
``proxy_read_timeout``, 503 for maintenance. The phone swaps in only the app's own answers
(they carry its mark, ``X-Cite-Vote``): the card stays, says the server did not answer and
offers a retry; a typed comment stays in its form. Once the server is back, the screen equals
the server.
"""

from __future__ import annotations

import os
import signal

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from cite_vote.ideas.models import Comment
from cite_vote.votes.models import Vote
from tests.browser.helpers import shot
from tests.server import free_port, gunicorn_server, nginx_in_front

pytestmark = pytest.mark.server


def stored_dots(db, idea_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.sum(Vote.dots)).where(Vote.idea_id == idea_id)) or 0


def test_a_proxy_error_page_never_replaces_a_card_and_the_card_learns_the_truth(
    page, app, db, database_url, tmp_path, make_forum, make_idea
):
    forum = make_forum(phase="voting", challenges=1, join_code="PROXY9", dot_budget=6, dot_cap=3)
    challenge = forum.challenges[0]
    idea_id = make_idea(challenge, title="Une idée derrière le proxy").id
    db.session.commit()
    app_port = free_port()
    server = gunicorn_server(database_url, tmp_path, port=app_port, workers=2)
    running = server.__enter__()
    try:
        with nginx_in_front(tmp_path, app_port) as nginx:
            url = nginx.url
            page.goto(f"{url}/j/PROXY9")
            page.get_by_role("button", name="Entrer dans le forum").click()
            page.get_by_text(challenge.title).click()
            page.wait_for_function("() => window.htmx !== undefined")
            card = page.locator(f"#idea-{idea_id}")
            status = card.locator(".vote-status")
            plus = card.get_by_role("button", name="Ajouter un point")
            count = page.locator("#dots-left .dots-left-count")

            def proxy_answers(code: int):
                with page.expect_response(lambda r: r.url.endswith("/dots")) as answer:
                    plus.click()
                assert answer.value.status == code
                assert "X-Cite-Vote" not in answer.value.headers  # nginx's own page
                expect(status).to_contain_text("n’a pas répondu")
                expect(card.get_by_role("button", name="Réessayer")).to_be_visible()
                expect(page.locator("body")).not_to_contain_text("nginx")
                expect(plus).to_be_visible()
                expect(page.locator("#messages")).to_have_text("")
                expect(page.locator("#connection")).to_be_hidden()  # the phone is online

            # 503: nginx's maintenance page. The tap never reached the app.
            nginx.maintenance(True)
            proxy_answers(503)
            shot(page, "21_proxy_503_card", full_page=False)
            nginx.maintenance(False)
            expect(status).to_contain_text("Pas envoyé", timeout=20_000)
            expect(card.locator(".my-dots")).to_have_attribute("data-dots", "0")
            card.get_by_role("button", name="Réessayer").click()
            expect(status).to_contain_text("Enregistré", timeout=15_000)
            assert stored_dots(db, idea_id) == 1

            # 504: the upstream is frozen; the tap waits in its queue and counts once it wakes.
            os.killpg(running.process.pid, signal.SIGSTOP)
            try:
                proxy_answers(504)
            finally:
                os.killpg(running.process.pid, signal.SIGCONT)
            expect(status).to_contain_text("Enregistré", timeout=30_000)
            expect(card.locator(".my-dots")).to_have_attribute("data-dots", "2")
            expect(count).to_have_text("4")
            assert stored_dots(db, idea_id) == 2

            # 502: the upstream is down; the card keeps asking until it is back.
            server.__exit__(None, None, None)
            server = None
            proxy_answers(502)
            server = gunicorn_server(database_url, tmp_path, port=app_port, workers=2)
            running = server.__enter__()
            expect(status).to_contain_text("Pas envoyé", timeout=30_000)
            expect(card.locator(".my-dots")).to_have_attribute("data-dots", "2")
            expect(count).to_have_text("4")
            assert stored_dots(db, idea_id) == 2
    finally:
        if server is not None:
            server.__exit__(None, None, None)


def test_a_comment_answered_by_a_proxy_error_page_stays_in_its_form(
    page, app, db, database_url, tmp_path, make_forum, make_idea
):
    forum = make_forum(phase="voting", challenges=1, join_code="PROXY8")
    idea_id = make_idea(forum.challenges[0], title="Une idée à commenter").id
    db.session.commit()
    app_port = free_port()
    with (
        gunicorn_server(database_url, tmp_path, port=app_port, workers=2),
        nginx_in_front(tmp_path, app_port) as nginx,
    ):
        url = nginx.url
        page.goto(f"{url}/j/PROXY8")
        page.get_by_role("button", name="Entrer dans le forum").click()
        page.wait_for_url(f"{url}/f/{forum.slug}")
        page.goto(f"{url}/f/{forum.slug}/i/{idea_id}")
        page.wait_for_function("() => window.htmx !== undefined")
        body = "Un commentaire tapé pendant la panne"
        page.get_by_label("Votre commentaire").fill(body)
        nginx.maintenance(True)
        with page.expect_response(lambda r: r.url.endswith("/comments")) as answer:
            page.get_by_role("button", name="Commenter").click()
        assert answer.value.status == 503
        form = page.locator("#comment-form")
        expect(form.locator("[role=alert]")).to_contain_text("n’a pas répondu")
        expect(page.get_by_label("Votre commentaire")).to_have_value(body)
        expect(page.locator("body")).not_to_contain_text("nginx")
        shot(page, "22_proxy_503_comment", full_page=False)
        nginx.maintenance(False)
        form.get_by_role("button", name="Réessayer").click()
        expect(page.locator(".comment-list")).to_contain_text(body, timeout=15_000)
        expect(form.locator("[role=alert]")).to_have_count(0)
        db.session.expire_all()
        assert db.session.scalar(select(func.count(Comment.id))) == 1
