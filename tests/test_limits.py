"""Rate limits: every one lives in cite_vote/limits.py, and joining fits the expected room.

Joining from one address: the whole expected room fits, a script making identities does not.

A room reaches the forum through the venue's one address (NAT); the organisers say how many
people they expect, and that many may join within a minute from one address. A phone already
in the forum is never held back, and one forum's rush does not block another's.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
    from cite_vote.limits import joins_per_minute

    forum = make_forum()
    assert forum.expected_participants == 200 and joins_per_minute(forum) == 200
    assert joins_per_minute(None) == 60


def test_the_organisers_expected_size_sets_the_join_limit(db, make_forum):
    from cite_vote.forums.setup import update_forum
    from cite_vote.limits import joins_per_minute
    from cite_vote.votes.services import dots_held

    forum = make_forum()
    update_forum(forum, held=dots_held(forum), expected_participants=2000)
    db.session.commit()
    assert joins_per_minute(forum) == 2000


# --- one home for every limit ------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parent.parent / "cite_vote"
HOME = PACKAGE / "limits.py"
# "10 per minute", "5/second", "100 per 1 hour"... and the tail of f"{n} per minute".
LIMIT_STRING = re.compile(r"^\s*(\d+\s*)?(per|/)\s*(\d+\s*)?(second|minute|hour|day)s?\s*$")
LIMITER_CALLS = {"limit", "shared_limit", "exempt", "request_filter"}


def limit_sources_outside_home() -> list[str]:
    """Every place outside limits.py that holds a limit: a limit string, a key function handed
    to the limiter, a call on the limiter, or the limiter (Flask-Limiter) itself."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == HOME:
            continue
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if LIMIT_STRING.match(node.value):
                    found.append(f"{where}:{line} limit string {node.value!r}")
            elif isinstance(node, ast.keyword) and node.arg == "key_func":
                found.append(f"{where}:{node.value.lineno} key_func=")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                name = receiver.id if isinstance(receiver, ast.Name) else ""
                if node.func.attr in LIMITER_CALLS and "limiter" in name.lower():
                    found.append(f"{where}:{line} {name}.{node.func.attr}(")
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = {alias.name for alias in node.names}
                # flask_limiter.errors: request_hooks answers a refused request (429).
                limiter_module = node.module.startswith("flask_limiter")
                if limiter_module and node.module != "flask_limiter.errors":
                    found.append(f"{where}:{line} from {node.module} import")
                elif "limiter" in names:
                    found.append(f"{where}:{line} imports the limiter")
    return found


def test_every_limit_lives_in_the_limits_module():
    assert limit_sources_outside_home() == []


def test_the_check_sees_a_limit_written_elsewhere(tmp_path, monkeypatch):
    """The check above is not blind: each way of writing a limit in a view is found."""
    package = tmp_path / "cite_vote"
    package.mkdir()
    (package / "limits.py").write_text("")
    (package / "view.py").write_text(
        "from cite_vote.limits import limiter\n"
        "from flask_limiter.util import get_remote_address\n"
        "@limiter.limit('10 per minute', key_func=get_remote_address)\n"
        "@limiter.shared_limit(f'{N} per minute', scope='s')\n"
        "def view(): ...\n"
    )
    monkeypatch.setattr(f"{__name__}.PACKAGE", package)
    monkeypatch.setattr(f"{__name__}.HOME", package / "limits.py")
    found = limit_sources_outside_home()
    assert len(found) == 7, found
    assert any("'10 per minute'" in place for place in found)
    assert any("' per minute'" in place for place in found)
