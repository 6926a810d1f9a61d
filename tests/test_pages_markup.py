"""What every page and download says about itself: unique ids, content types, the icon, HSTS.

Small findings of issue 19, each on every page the app serves rather than on the one found.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.helpers import every_get_page

ID = re.compile(r'\sid="([^"]+)"')


@pytest.fixture
def organiser_everywhere(client, scene, staff_login, as_participant, db):
    """The organiser logged in, and a participant cookie in the same browser; the projector's
    link made, so that the screen's control page shows its forms."""
    from cite_vote.results.screen.services import regenerate_screen_token

    regenerate_screen_token(scene["forum"])
    db.session.commit()
    staff_login(client, scene["organiser"])
    as_participant(client, scene["voter"])
    return {
        "slug": scene["forum"].slug,
        "challenge_id": scene["challenge"].id,
        "idea_id": scene["dup"].id,
        "participant_id": scene["assisted"].id,
        "code": scene["forum"].join_code,
    }


def test_no_page_has_two_elements_with_one_id(app, client, organiser_everywhere):
    """The screen's control page had two ``id="csrf_token"`` (one per form): a label or a
    script pointing at the id reaches the wrong one, and axe rightly complains."""
    app.config["WTF_CSRF_ENABLED"] = True  # logged in; now the forms carry their token inputs
    seen = 0
    for url in every_get_page(app, organiser_everywhere):
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        twice = {i: n for i, n in Counter(ID.findall(response.text)).items() if n > 1}
        assert not twice, (url, twice)
        seen += 1
    assert seen >= 20, seen


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("log.csv", "text/csv"),
        ("results.csv", "text/csv"),
        ("recount.py", "text/x-python"),
    ],
)
def test_downloads_name_their_charset_once(client, scene, staff_login, path, mimetype, db):
    """They said ``text/csv; charset=utf-8; charset=utf-8``."""
    from cite_vote.votes.phases import set_phase

    set_phase(scene["forum"], "closed")
    db.session.commit()
    staff_login(client, scene["organiser"])
    response = client.get(f"/f/salle/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{mimetype}; charset=utf-8"


def test_the_icon_is_served_and_named_by_every_page(client):
    """No 404 on every first load: /favicon.ico leads to the icon, and pages name it."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
    page = client.get("/").text
    assert re.search(
        r'<link rel="icon" href="/static/favicon\.svg\?v=\w+" type="image/svg\+xml">', page
    )


def test_https_answers_ask_browsers_to_keep_to_https(client):
    """HSTS where HTTPS is used (behind nginx the app sees https through X-Forwarded-Proto)."""
    secure = client.get("/", base_url="https://forum.example.org")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/")  # the room's laptop on plain HTTP: no promise it cannot keep
    assert "Strict-Transport-Security" not in plain.headers
