"""The visual identity (issue 9): one wordmark, one palette and type scale, on every medium;
and a phone page that stays light on a crowded Wi-Fi."""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

import pytest

from cite_vote.template_globals import IDENTITY_BLOCK

APP_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"
# What a phone may download for the challenge page while voting: HTML, every CSS and JS file.
PAGE_BUDGET_GZIP = 60 * 1024
WORDMARK = re.compile(r'<svg class="wordmark"[^>]*role="img"[^>]*aria-label="cite-vote"')


def identity_block() -> str:
    return IDENTITY_BLOCK.search(APP_CSS.read_text(encoding="utf-8")).group(0)


def test_app_css_starts_with_the_identity_block_of_custom_properties():
    block = identity_block()
    assert APP_CSS.read_text(encoding="utf-8").index(block) < 200
    for name in ("--accent:", "--font-sans:", "--step-0:", "--step-4:"):
        assert name in block
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", block)
    assert [selector.strip().rsplit("*/", 1)[-1].strip() for selector, _ in rules] == [":root"]
    declarations = [d.strip() for d in re.sub(r"/\*.*?\*/", "", rules[0][1], flags=re.S).split(";")]
    assert all(d.startswith("--") for d in declarations if d), "only custom properties"


@pytest.mark.parametrize("path", ["/", "/j/{code}", "/f/{slug}", "/f/{slug}/c/{challenge}"])
def test_every_participant_page_shows_the_wordmark_in_its_header(
    client, make_forum, make_participant, as_participant, path
):
    forum = make_forum(phase="voting")
    as_participant(client, make_participant(forum))
    url = path.format(code=forum.join_code, slug=forum.slug, challenge=forum.challenges[0].id)
    html = client.get(url, follow_redirects=True).text
    header = html.split('<header class="top">', 1)[1].split("</header>", 1)[0]
    assert WORDMARK.search(header), header
    assert "<title>cite-vote</title>" in header


def test_staff_pages_show_the_wordmark(client, make_forum, make_staff, staff_login):
    forum = make_forum()
    staff_login(client, make_staff("organiser", forums=[forum]))
    assert WORDMARK.search(client.get(f"/staff/f/{forum.slug}").text)


def test_the_projector_uses_the_palette_and_scale_of_app_css(client, screen_scene, staff_login):
    staff_login(client, screen_scene.facilitator)
    html = client.get(f"/f/{screen_scene.forum.slug}/screen").text
    assert identity_block() in html
    assert html.index(identity_block()) < html.index("css/screen.css")
    assert WORDMARK.search(html)


def test_the_cahier_uses_the_palette_and_scale_of_app_css(
    client, make_forum, make_staff, staff_login
):
    forum = make_forum(phase="closed")
    staff_login(client, make_staff("organiser", forums=[forum]))
    html = client.get(f"/f/{forum.slug}/cahier").text
    assert identity_block() in html
    assert WORDMARK.search(html)


def page_weight(client, html: str) -> dict[str, int]:
    """Each file the page loads, gzip-compressed (level 6, as `gzip` and most proxies)."""
    sizes = {"html": len(gzip.compress(html.encode(), compresslevel=6))}
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script[^>]* src="([^"]+)"', html)
    assets += re.findall(r'<img[^>]* src="(/[^"]+)"', html)
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        sizes[url] = len(gzip.compress(response.get_data(), compresslevel=6))
        response.close()
    return sizes


def test_the_phone_challenge_page_while_voting_stays_under_60_kb_compressed(
    client, make_forum, make_participant, make_idea, make_comment, as_participant, cast_dots
):
    """A busy challenge: 30 ideas with long descriptions (words that do not repeat in a row, as
    real text compresses) and comments, dots placed."""
    words = "région atelier quartier jeunes emploi formation maison mobilité partage outil"
    pick = random.Random(9).choice
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    person = make_participant(forum, category="association")
    ideas = [
        make_idea(
            challenge,
            title=f"Idée numéro {n} pour la région",
            description=" ".join(pick(words.split()) for _ in range(120)),
        )
        for n in range(30)
    ]
    for idea in ideas:
        make_comment(idea, body="Un avis")
    cast_dots(person, ideas[0], 2)
    as_participant(client, person)
    response = client.get(f"/f/{forum.slug}/c/{challenge.id}")
    assert response.status_code == 200 and 'id="dots-left"' in response.text
    sizes = page_weight(client, response.text)
    assert any("htmx" in url for url in sizes), sizes
    assert any("app.css" in url for url in sizes), sizes
    assert sum(sizes.values()) < PAGE_BUDGET_GZIP, sizes
