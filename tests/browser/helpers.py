"""What the browser tests share: the browser and its sizes, screenshots, waits on a
condition, staff login, a one-challenge forum and a phone entering it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cite_vote.extensions import db
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.ideas.models import Idea
from tests.helpers import STAFF_PASSWORD

CHROMIUM = os.environ.get("CITE_VOTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "fr-FR",
}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}, "locale": "fr-FR"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under tests/artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# What htmx marks while a request, a swap or a settle is under way.
HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def settled(page) -> None:
    """Wait until the page's fonts are drawn and htmx has no request, swap or settle under way:
    what a screenshot or a measure needs, without a fixed pause."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


def tap(page, button) -> None:
    """Click a dot button and wait for the server's answer to be swapped in."""
    with page.expect_response(lambda response: response.url.endswith("/dots")):
        button.click()
    settled(page)


LAPTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "fr-FR"}


def log_in(page, address: str, email: str, password: str | None = None) -> None:
    """Open ``address`` as staff: its login form (in any language), then back to it."""
    page.goto(address)
    form = page.locator("form", has=page.locator("input[type=password]"))
    form.locator("input[type=email]").fill(email)
    form.locator("input[type=password]").fill(password or STAFF_PASSWORD)
    form.locator("[type=submit]").click()
    page.wait_for_url(lambda url: "/staff/login" not in url)


def one_challenge_forum(
    live_server,
    *,
    slug: str,
    join_code: str,
    phase: str,
    ideas=(),
    title: str = "Forum de test",
    challenge: str = "Le défi",
    question: str = "Que faire ?",
    **settings,
) -> int:
    """A forum with one challenge in ``phase`` and its ``ideas`` (titles, or dicts of Idea
    fields), made in the live server's database; the challenge's id."""
    with live_server.app.app_context():
        forum = create_forum(slug=slug, title=title, join_code=join_code, **settings)
        made = add_challenge(forum, title=challenge, question=question, phase=phase)
        for idea in ideas:
            fields = {"title": idea} if isinstance(idea, str) else idea
            db.session.add(Idea(challenge_id=made.id, **fields))
        db.session.commit()
        return made.id


def enter(page, url: str, code: str, challenge: str = "Le défi") -> None:
    """Join with ``code`` on a phone and open ``challenge``, htmx loaded."""
    page.goto(f"{url}/j/{code}")
    page.get_by_role("button", name="Entrer dans le forum").click()
    page.get_by_text(challenge).click()
    # The forum page has htmx too: wait for the challenge page itself, or a setting made next
    # (htmx.config.timeout) could land on the page being left.
    page.wait_for_url(re.compile(r"/f/[^/]+/c/[0-9]+(\?.*)?$"))
    page.wait_for_function("() => window.htmx !== undefined")
