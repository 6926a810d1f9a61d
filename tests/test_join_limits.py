"""Joining from one address: the whole expected room fits, a script making identities does not.

A room reaches the forum through the venue's one address (NAT); the organisers say how many
people they expect, and that many may join within a minute from one address. A phone already
in the forum is never held back, and one forum's rush does not block another's.
"""

from __future__ import annotations

import pytest

LIMITED = {"RATELIMIT_ENABLED": True}


def join(app, forum, address: str = "198.51.100.9"):
    """A new phone (no cookie) posts the join form from ``address``."""
    client = app.test_client()
    response = client.post(f"/j/{forum.join_code}", data={}, environ_base={"REMOTE_ADDR": address})
    return client, response


@pytest.mark.parametrize("app_config", [LIMITED])
def test_the_expected_room_joins_from_one_address_and_a_script_beyond_it_is_stopped(
    app, make_forum, app_config
):
    forum = make_forum(expected_participants=80)
    statuses = [join(app, forum)[1].status_code for _ in range(81)]
    assert statuses[:80] == [303] * 80
    assert statuses[80] == 429


@pytest.mark.parametrize("app_config", [LIMITED])
def test_a_phone_already_in_the_forum_is_never_held_back(app, make_forum, app_config):
    forum = make_forum(expected_participants=1)  # the floor: 60 a minute
    inside, first = join(app, forum)
    assert first.status_code == 303
    for _ in range(60):
        join(app, forum)
    assert join(app, forum)[1].status_code == 429
    again = inside.post(
        f"/j/{forum.join_code}",
        data={"display_name": "Camille", "category": ""},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert again.status_code == 303


@pytest.mark.parametrize("app_config", [LIMITED])
def test_one_forums_rush_does_not_block_another_forum(app, make_forum, app_config):
    busy, quiet = make_forum(expected_participants=1), make_forum()
    for _ in range(60):
        join(app, busy)
    assert join(app, busy)[1].status_code == 429
    assert join(app, quiet)[1].status_code == 303


def test_a_new_forum_expects_two_hundred_people(make_forum):
    from cite_vote.forums.services import joins_per_minute

    forum = make_forum()
    assert forum.expected_participants == 200 and joins_per_minute(forum) == 200
    assert joins_per_minute(None) == 60


def test_the_organisers_expected_size_sets_the_join_limit(db, make_forum):
    from cite_vote.forums.services import joins_per_minute
    from cite_vote.forums.setup import update_forum

    forum = make_forum()
    update_forum(forum, expected_participants=2000)
    db.session.commit()
    assert joins_per_minute(forum) == 2000
