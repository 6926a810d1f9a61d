"""The staff navigation is rendered once per page, forum, role and language, then reused
(control.forum.staff_nav): what it shows must still be each viewer's own."""

from __future__ import annotations

import re

from cite_vote.page_caches import STAFF_NAVS


def nav_of(html: str) -> str:
    return re.search(r'<nav class="staff-nav".*?</nav>', html, re.S).group(0)


def test_the_cached_navigation_follows_the_role_the_page_the_forum_and_the_language(
    app, client, make_forum, make_staff, staff_login
):
    first, second = make_forum(slug="premier"), make_forum(slug="second")
    organiser = make_staff("organiser", owns=[first, second])
    facilitator = make_staff("facilitator", forums=[first])
    STAFF_NAVS.clear()

    boss, helper = client, app.test_client()
    staff_login(boss, organiser)
    staff_login(helper, facilitator)
    for _ in range(2):  # the second round is served from the cache
        boss_results = nav_of(boss.get("/f/premier/results").text)
        helper_results = nav_of(helper.get("/f/premier/results").text)
        assert "/staff/f/premier/settings" in boss_results
        assert "/settings" not in helper_results  # organisers only
        current = re.search(r'<a href="([^"]+)" aria-current="page"', boss_results)
        assert current.group(1) == "/f/premier/results"
        control = nav_of(boss.get("/staff/f/premier").text)
        current = re.search(r'<a href="([^"]+)" aria-current="page"', control)
        assert current.group(1) == "/staff/f/premier"
        other = nav_of(boss.get("/f/second/results").text)
        assert "/staff/f/second/settings" in other and "/premier" not in other
        assert "Animer la salle" in boss_results
    english = nav_of(boss.get("/f/premier/results?lang=en").text)
    assert "Run the room" in english and "Animer la salle" not in english
    french = nav_of(boss.get("/f/premier/results?lang=fr").text)
    assert "Animer la salle" in french
    assert 0 < len(STAFF_NAVS) <= 5


def test_the_new_pages_say_where_they_are_in_the_navigation(
    client, make_forum, make_idea, make_staff, staff_login
):
    """Issue 23's pages are reached from a page of the menu; once there, the menu says which:
    on a phone its summary reads "Menu · <that page>", not a bare "Menu"."""
    forum = make_forum(slug="ici")
    challenge = forum.challenges[0]
    idea = make_idea(challenge, title="Une idée")
    staff_login(client, make_staff("organiser", owns=[forum]))
    pages = {
        f"/staff/f/ici/c/{challenge.id}/import": "/staff/f/ici/challenges",
        f"/staff/f/ici/moderation/i/{idea.id}/sheet": "/staff/f/ici/moderation",
        "/f/ici/open-data": "/f/ici/results#downloads",
    }
    for page, expected in pages.items():
        nav = nav_of(client.get(page).text)
        current = re.search(r'<a href="([^"]+)" aria-current="page"', nav)
        assert current is not None and current.group(1) == expected, page
