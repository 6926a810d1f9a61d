"""Two app servers on one database: nothing a second host needs is kept in memory.

Two gunicorn servers (two ports standing for two hosts) share the database and, for the rate
limits, Redis. A vote sent to one host shows on the projector that polls the other, at its next
poll; a person's limit counts across both hosts.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from cite_vote.results.screen.services import regenerate_screen_token
from tests.server import gunicorn_server, participant_tab
from tests.test_limit_storage import REDIS_URL, redis_or_fail

pytestmark = pytest.mark.server


@pytest.fixture
def two_hosts(app, database_url, tmp_path):
    redis_or_fail()
    env = {
        "CITE_VOTE_RATELIMIT_ENABLED": "true",
        "CITE_VOTE_RATELIMIT_STORAGE_URI": REDIS_URL,
        # One cluster's own counters: no other test run shares them.
        "CITE_VOTE_RATELIMIT_KEY_PREFIX": f"two-hosts-{uuid.uuid4().hex}",
    }
    with (
        gunicorn_server(database_url, tmp_path, workers=2, env=env) as first,
        gunicorn_server(database_url, tmp_path, workers=2, env=env) as second,
    ):
        yield first.url, second.url


def live_block(session: requests.Session, url: str, version: str) -> requests.Response:
    return session.get(url, params={"v": version}, headers={"HX-Request": "true"}, timeout=10)


def test_a_vote_on_one_host_shows_on_the_projector_polling_the_other(
    app, db, two_hosts, make_forum, make_participant, make_idea
):
    host_a, host_b = two_hosts
    # Rotation off: a turn of the screen (every ROTATE_SECONDS) between the page and its first
    # poll would change the version for a reason this test is not about.
    forum = make_forum(phase="voting", challenges=1, projection_mode="live", screen_rotate=False)
    idea = make_idea(forum.challenges[0], title="Une idée vue des deux côtés")
    person = make_participant(forum)
    token = regenerate_screen_token(forum)
    db.session.commit()

    projector = requests.Session()
    screen = projector.get(f"{host_b}/s/{token}", timeout=10)
    assert screen.status_code == 200
    version = re.search(r'data-version="([^"]+)"', screen.text).group(1)
    assert live_block(projector, f"{host_b}/s/{token}/live", version).status_code == 204

    cookie = app.config["PARTICIPANT_COOKIE_NAME"]
    phone = participant_tab(host_a, cookie, person, f"/f/{forum.slug}/c/{forum.challenges[0].id}")
    voted = phone.post(
        f"{host_a}/f/{forum.slug}/i/{idea.id}/dots",
        data={"dots": 3},
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert voted.status_code == 200

    changed = live_block(projector, f"{host_b}/s/{token}/live", version)
    assert changed.status_code == 200
    assert "Une idée vue des deux côtés" in changed.text
    new_version = re.search(r'data-version="([^"]+)"', changed.text).group(1)
    assert new_version != version


def test_a_persons_limit_counts_across_both_hosts(app, db, two_hosts, make_forum, make_participant):
    host_a, host_b = two_hosts
    forum = make_forum(phase="proposing", challenges=1)
    person = make_participant(forum)
    cookie = app.config["PARTICIPANT_COOKIE_NAME"]
    page = f"/f/{forum.slug}/c/{forum.challenges[0].id}"
    tabs = [participant_tab(host, cookie, person, page) for host in (host_a, host_b)]
    statuses = [
        tabs[n % 2]
        .post(
            f"{(host_a, host_b)[n % 2]}{page}/ideas",
            data={"title": f"Idée numéro {n}"},
            allow_redirects=False,
            timeout=10,
        )
        .status_code
        for n in range(11)
    ]
    assert statuses[:10] == [303] * 10  # 10 ideas a minute per person, in all
    assert statuses[10] == 429
