"""Assisted voting over HTTP (votes/manage.py): a facilitator votes for someone without a phone."""

import pytest
from sqlalchemy import select

from cite_vote.votes.models import LedgerEntry
from tests.helpers import snapshot

# --- assisted voting -----------------------------------------------------------------------------


def test_assisted_participant_created_then_dots_placed_both_ways(
    facilitator, facilitator_htmx, scene, db
):
    response = facilitator.post(
        "/staff/f/salle/assisted", data={"display_name": "M. Diallo", "category": "association"}
    )
    assert response.status_code == 303
    pid = int(response.location.rsplit("/", 1)[1])
    url = f"/staff/f/salle/assisted/{pid}/i/{scene['kept'].id}/dots"
    assert facilitator.post(url, data={"dots": 1}).status_code == 303
    fragment = facilitator_htmx.post(url, data={"dots": 2})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'id="assisted-idea-{scene["kept"].id}"' in fragment.text
    assert 'hx-swap-oob="true"' in fragment.text and 'data-left="3"' in fragment.text
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.participant_id == pid)).all()
    assert [e.delta for e in entries] == [1, 1]
    assert all(e.assisted and e.staff_id == scene["facilitator"].id for e in entries)
    page = facilitator.get(f"/staff/f/salle/assisted/{pid}")
    assert "<html" in page.text and "M. Diallo" in page.text


@pytest.mark.parametrize(
    "data,status", [({"dots": "x"}, 422), ({"dots": 4}, 409), ({}, 422), ({"dots": -1}, 422)]
)
def test_assisted_dots_bad_input(facilitator, scene, db, data, status):
    url = f"/staff/f/salle/assisted/{scene['assisted'].id}/i/{scene['kept'].id}/dots"
    before = snapshot(db)
    assert facilitator.post(url, data=data).status_code == status
    assert snapshot(db) == before


def test_assisted_dots_on_another_forums_idea_is_404(facilitator, scene, make_idea, db):
    foreign = make_idea(scene["other_forum"].challenges[0], title="Ailleurs")
    url = f"/staff/f/salle/assisted/{scene['assisted'].id}/i/{foreign.id}/dots"
    assert facilitator.post(url, data={"dots": 1}).status_code == 404


@pytest.mark.parametrize("data", [{"display_name": "x" * 81}, {"category": "martien"}])
def test_assisted_participant_bad_input_both_ways(facilitator, facilitator_htmx, db, data):
    page = facilitator.post("/staff/f/salle/assisted", data=data)
    assert page.status_code == 422 and "<html" in page.text
    fragment = facilitator_htmx.post("/staff/f/salle/assisted", data=data)
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="assisted-form"' in fragment.text


def test_assisted_ballot_shows_dots_left_as_the_participants_page_does(
    facilitator, facilitator_htmx, scene, db
):
    """The same partial as the phone: a live region per challenge, "no dots left" at 0, and
    "cap reached" on an idea at the cap (the "+" pointed to a note that did not exist)."""
    import re

    person = scene["assisted"]
    challenge = scene["challenge"]
    kept, dup = scene["kept"].id, scene["dup"].id
    base = f"/staff/f/salle/assisted/{person.id}"
    page = facilitator.get(base).text
    live = re.search(
        r'<div class="dots-left-bar dots-left-inline" role="status" aria-live="polite"'
        r' aria-atomic="true">\s*<p id="assisted-left-(\d+)"',
        page,
    )
    assert live and int(live.group(1)) == challenge.id

    facilitator.post(f"{base}/i/{kept}/dots", data={"dots": 3})
    fragment = facilitator_htmx.post(f"{base}/i/{dup}/dots", data={"dots": 2}).text
    # The counter comes out of band into the live region, which stays put.
    assert re.search(
        rf'<p id="assisted-left-{challenge.id}" class="dots-left spent" hx-swap-oob="true">',
        fragment,
    )
    counter = fragment.split(f'<p id="assisted-left-{challenge.id}"')[1].split("</p>")[0]
    assert 'class="limit-note">plus de points' in counter and 'role="status"' not in fragment
    page = facilitator.get(base).text
    card = page.split(f'id="assisted-idea-{kept}"')[1].split("</li>")[0]
    assert 'class="idea supported at-cap"' in page
    assert f'aria-describedby="assisted-idea-{kept}-limit"' in card
    assert f'id="assisted-idea-{kept}-limit"' in card and "plafond atteint" in card
