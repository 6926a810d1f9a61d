"""The forum's version: every change the room sees bumps it, in the change's own transaction."""

import pytest
from sqlalchemy import text, update

from cite_vote.extensions import db as _db
from cite_vote.forums.models import Challenge
from cite_vote.forums.versions import forum_version
from cite_vote.ideas.moderation import edit_idea, set_comment_status
from cite_vote.ideas.services import add_comment, propose_idea
from cite_vote.results.screen.services import show_on_screen, start_timer
from cite_vote.timeutil import utcnow
from cite_vote.votes.categories import join_forum
from cite_vote.votes.moderation import hide_idea, merge_ideas
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots


@pytest.fixture
def room(make_forum, make_participant, make_idea, db):
    forum = make_forum(slug="salle", phase="voting", dot_budget=5, dot_cap=3)
    other = make_forum(slug="ailleurs", phase="voting")
    challenge = forum.challenges[0]
    voter = make_participant(forum, category="citoyen·ne")
    ideas = [make_idea(challenge, title="Un tiers-lieu"), make_idea(challenge, title="Un jardin")]
    return forum, other, challenge, voter, ideas


CHANGES = {
    "vote": lambda r, staff: set_dots(r[3], r[4][0], 2),
    "phase": lambda r, staff: set_phase(r[0], "closed", r[2]),
    "idea proposed": lambda r, staff: (
        set_phase(r[0], "proposing", r[2]),
        _db.session.commit(),
        propose_idea(r[2], r[3], "Une piste cyclable", ""),
    ),
    "idea edited": lambda r, staff: edit_idea(r[4][0], "Un tiers-lieu ouvert", None),
    "idea hidden": lambda r, staff: hide_idea(r[4][0], staff, "off_topic"),
    "ideas merged": lambda r, staff: merge_ideas(r[4][1], r[4][0], staff),
    "comment": lambda r, staff: add_comment(r[4][0], r[3], "Bonne idée"),
    "comment hidden": lambda r, staff: (
        add_comment(r[4][0], r[3], "Bof"),
        _db.session.commit(),
        set_comment_status(r[4][0].comments[-1], "hide"),
    ),
    "screen pinned": lambda r, staff: show_on_screen(r[0], r[2]),
    "timer": lambda r, staff: start_timer(r[0], 5, utcnow()),
    "forum settings": lambda r, staff: setattr(r[0], "show_totals_during_voting", True),
    "profile": lambda r, staff: join_forum(r[0], r[3].token, display_name="Camille"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_the_room_sees_bumps_its_forum_version_only(
    room, change, make_staff, make_participant, db
):
    forum, other, *_ = room
    staff = make_staff("facilitator", forums=[forum])
    before, other_before = forum_version(forum.id), forum_version(other.id)
    CHANGES[change](room, staff)
    db.session.commit()
    assert forum_version(forum.id) > before
    assert forum_version(other.id) == other_before


def test_a_join_bumps_the_version(room, make_participant):
    forum = room[0]
    before = forum_version(forum.id)
    make_participant(forum)
    assert forum_version(forum.id) == before + 1


def test_a_core_update_marked_by_its_service_bumps_the_version(room, db):
    """The screen's pin is one Core UPDATE: the flush never sees it, the service marks it."""
    forum, _other, challenge, *_ = room
    before = forum_version(forum.id)
    show_on_screen(forum, challenge)
    db.session.commit()
    assert forum_version(forum.id) == before + 1


def test_a_rolled_back_change_leaves_the_version(room, db):
    forum, _other, challenge, voter, ideas = room
    before = forum_version(forum.id)
    set_dots(voter, ideas[0], 2)
    db.session.rollback()
    db.session.execute(update(Challenge).values(title="x").where(Challenge.id == -1))
    db.session.commit()
    assert forum_version(forum.id) == before


def test_a_vote_that_changes_nothing_leaves_the_version(room, db):
    forum, _other, _challenge, voter, ideas = room
    set_dots(voter, ideas[0], 1)
    db.session.commit()
    before = forum_version(forum.id)
    set_dots(voter, ideas[0], 1)
    db.session.commit()
    assert forum_version(forum.id) == before


def test_reading_leaves_the_version(room, client, as_participant, db):
    forum, _other, challenge, voter, _ideas = room
    as_participant(client, voter)
    before = forum_version(forum.id)
    assert client.get(f"/f/{forum.slug}/c/{challenge.id}").status_code == 200
    assert client.get(f"/f/{forum.slug}").status_code == 200
    assert forum_version(forum.id) == before


def test_two_writers_of_one_forum_never_wait_for_each_other(room, db):
    """Every vote bumps its forum's version just before its commit. With one row per forum,
    that row's lock made every vote of the room wait for the previous one's commit (the WAL on
    disk): on PostgreSQL the room voted one transaction at a time. Each connection bumps its own
    slot now; a reader still sees the sum grow by one per commit."""
    from sqlalchemy.orm import Session

    from cite_vote.forums.versions import bump

    forum = room[0]
    before = forum_version(forum.id)
    db.session.commit()
    with Session(db.engine) as first, Session(db.engine) as second:
        bump(first, [forum.id])  # not committed: its slot's row stays locked
        if db.engine.dialect.name == "postgresql":
            second.execute(text("SET LOCAL lock_timeout = '1s'"))
            bump(second, [forum.id])  # waited for the first's commit, and timed out, before
            second.commit()
        first.commit()
        if db.engine.dialect.name != "postgresql":
            bump(second, [forum.id])  # SQLite: one writer at a time, one slot
            second.commit()
    assert forum_version(forum.id) == before + 2
