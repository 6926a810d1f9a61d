"""A stalled server never makes the phone lie (issue 20, finding 1).

A real gunicorn server is frozen (SIGSTOP on its arbiter and workers) for 20 s while a phone
taps: htmx gives up after 15 s, the server then wakes up and saves the tap. The card must say
it is checking (never "not sent" while the answer is unknown), the "no connection" banner stays
hidden (the phone is online), and once the card knows, the screen equals the server: its dots,
the dots left, and what the card says. Ten rounds in ``make test-slow``, fewer in CI.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cite_vote.votes.models import Vote
from tests.browser.helpers import shot
from tests.helpers import scaled
from tests.server import gunicorn_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

FREEZE = 20  # seconds: longer than htmx's timeout (15 s), as a stalled server is
ROUNDS = 10

# Every status a card ever showed, and whether the banner was ever shown: recorded in the page.
WATCH = """() => {
  window.__seen = []; window.__banner = false;
  new MutationObserver(() => {
    document.querySelectorAll("li.idea").forEach((card) => {
      const state = card.dataset.voteState;
      const said = card.querySelector(".vote-status").textContent;
      if (state) { window.__seen.push(state + ":" + said); }
    });
    if (!document.getElementById("connection").hidden) { window.__banner = true; }
  }).observe(document.body,
             {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def server_dots(db, idea_id: int) -> int:
    db.session.expire_all()
    votes = db.session.scalars(select(Vote).where(Vote.idea_id == idea_id)).all()
    return sum(v.dots for v in votes)


def test_a_frozen_server_never_makes_the_card_contradict_it(
    page, app, db, database_url, tmp_path, make_forum, make_idea
):
    forum = make_forum(phase="voting", challenges=1, join_code="GELE42", dot_budget=4, dot_cap=2)
    challenge = forum.challenges[0]
    idea = make_idea(challenge, title="Une idée pendant la panne")
    idea_id = idea.id
    db.session.commit()
    with gunicorn_server(database_url, tmp_path, workers=2, threads=2) as server:
        page.goto(f"{server.url}/j/GELE42")
        page.get_by_role("button", name="Entrer dans le forum").click()
        page.get_by_text(challenge.title).click()
        page.wait_for_function("() => window.htmx !== undefined")
        card = page.locator(f"#idea-{idea_id}")
        count = page.locator("#dots-left .dots-left-count")
        for round_ in range(scaled(ROUNDS)):
            page.evaluate(WATCH)
            held = server_dots(db, idea_id)
            name = "Ajouter un point" if held == 0 else "Retirer un point"
            wanted = 1 if held == 0 else 0
            os.killpg(server.process.pid, signal.SIGSTOP)
            resume = threading.Timer(FREEZE, os.killpg, (server.process.pid, signal.SIGCONT))
            resume.start()
            try:
                card.get_by_role("button", name=name).click()
                # htmx gives up at 15 s: the card asks, and says so.
                expect(card.locator(".vote-status")).to_contain_text("vérification", timeout=20_000)
                expect(card).to_have_attribute("data-vote-state", "checking")
                if round_ == 0:
                    shot(page, "20_frozen_server_checking", full_page=False)
                page.wait_for_function(
                    f"""() => ["saved", "unsent"].includes(
                        document.getElementById("idea-{idea_id}").dataset.voteState)""",
                    timeout=60_000,
                )
            finally:
                resume.join()
            state = card.get_attribute("data-vote-state")
            stored = server_dots(db, idea_id)
            seen = page.evaluate("window.__seen")
            assert card.locator(".my-dots").get_attribute("data-dots") == str(stored), (
                round_,
                seen,
            )
            expect(count).to_have_text(str(4 - stored))
            # Saved is said only when saved, "not sent" only when the server does not hold it.
            assert state == ("saved" if stored == wanted else "unsent"), (round_, state, seen)
            if state == "saved":
                assert not any(s.startswith("unsent") for s in seen), (round_, seen)
            assert page.evaluate("window.__banner") is False, "the phone was online"
