"""Phases move forward in one step, backward only once confirmed; the room's counts."""

import pytest

from cite_vote.forums.services import ConfirmationNeeded, next_phase, previous_phase
from cite_vote.refusals import RuleError
from cite_vote.room import room_state
from cite_vote.votes.phases import change_phase
from cite_vote.votes.services import set_dots


def test_phase_order():
    assert [next_phase(p) for p in ("draft", "proposing", "voting", "closed")] == [
        "proposing",
        "voting",
        "closed",
        None,
    ]
    assert previous_phase("draft") is None and previous_phase("closed") == "voting"


def test_moving_forward_needs_no_confirmation(make_forum, db):
    forum = make_forum(phase="proposing")
    challenge = forum.challenges[0]
    change_phase(forum, "voting", challenge)
    db.session.commit()
    assert [c.phase for c in forum.challenges] == ["voting", "proposing"]


def test_moving_back_asks_for_confirmation_and_changes_nothing(make_forum, db):
    forum = make_forum(phase="voting")
    challenge = forum.challenges[0]
    with pytest.raises(ConfirmationNeeded) as needed:
        change_phase(forum, "proposing", challenge)
    assert [(c.id, a, b) for c, a, b in needed.value.moves] == [
        (challenge.id, "voting", "proposing")
    ]
    db.session.rollback()
    assert challenge.phase == "voting"
    change_phase(forum, "proposing", challenge, confirmed=True)
    db.session.commit()
    assert challenge.phase == "proposing"


def test_set_all_asks_confirmation_only_for_those_going_back(make_forum, db):
    forum = make_forum(phase="proposing", challenges=3)
    change_phase(forum, "closed", forum.challenges[2])
    with pytest.raises(ConfirmationNeeded) as needed:
        change_phase(forum, "voting")
    assert [c.id for c, _, _ in needed.value.moves] == [forum.challenges[2].id]
    db.session.rollback()
    change_phase(forum, "voting", confirmed=True)
    db.session.commit()
    assert {c.phase for c in forum.challenges} == {"voting"}


def test_unknown_phase_is_refused(make_forum):
    forum = make_forum()
    with pytest.raises(RuleError):
        change_phase(forum, "brainstorm")


def test_room_counts_ideas_comments_dots(make_forum, make_participant, make_idea, make_comment, db):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    first, second = forum.challenges
    people = [make_participant(forum) for _ in range(3)]
    idea = make_idea(first)
    make_idea(first, status="pending")
    make_idea(first, status="hidden")
    make_comment(idea)
    make_comment(idea, status="pending")
    set_dots(people[0], idea, 3)
    set_dots(people[1], idea, 1)
    db.session.commit()
    state = room_state(forum)
    assert state.participants == 3 and state.dots_available == 15
    row = state.challenges[0]
    assert (row.ideas, row.pending_ideas, row.comments, row.pending_comments) == (1, 1, 1, 1)
    assert (row.dots_spent, row.voters) == (4, 2)
    assert state.challenges[1].ideas == 0


def test_room_version_changes_with_what_is_shown(make_forum, make_participant, make_idea, db):
    forum = make_forum(phase="voting")
    before = room_state(forum).version
    assert room_state(forum).version == before
    person = make_participant(forum)
    after_join = room_state(forum).version
    assert after_join != before
    idea = make_idea(forum.challenges[0])
    after_idea = room_state(forum).version
    assert after_idea != after_join
    set_dots(person, idea, 1)
    db.session.commit()
    assert room_state(forum).version != after_idea


def test_room_state_runs_a_fixed_number_of_queries(
    make_forum, make_participant, make_idea, count_queries, db
):
    forum = make_forum(phase="voting", challenges=6)
    for challenge in forum.challenges:
        for _ in range(5):
            make_idea(challenge)
    for _ in range(10):
        make_participant(forum)
    db.session.expire_all()
    with count_queries() as counter:
        room_state(forum)
    assert counter.count <= 6


# --- join bursts: the facilitator sees scripted joins -------------------------------------------


def joined_minutes_ago(db, participants, minutes: float) -> None:
    from datetime import timedelta

    from cite_vote.timeutil import utcnow

    for participant in participants:
        participant.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_room_counts_joins_per_minute_for_the_last_ten_minutes(scene, make_participant, db):
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(3)], 0.2)
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(2)], 4.5)
    joined_minutes_ago(db, [make_participant(scene["forum"]) for _ in range(4)], 30)
    make_participant(scene["other_forum"])
    joins = room_state(scene["forum"]).joins
    # The scene's voter joined just now too; assisted participants are not joins.
    assert joins == [4, 0, 0, 0, 2, 0, 0, 0, 0, 0]


def test_new_joins_change_the_control_page_version(scene, make_participant, db):
    before = room_state(scene["forum"]).version
    make_participant(scene["forum"])
    assert room_state(scene["forum"]).version != before


def test_control_page_and_screen_show_one_participant_count_on_the_demo_forum(
    client, db, make_staff, staff_login
):
    """The demo's seeded idea authors (no phone) are not people in the room: 15 vs 9 before."""
    import re

    from cite_vote.demo import ensure_demo_forum
    from cite_vote.votes.categories import join_forum

    forum, _ = ensure_demo_forum()
    for n in range(3):
        join_forum(forum, f"jeton-de-la-salle-{n}")
    db.session.commit()
    staff_login(client, make_staff("organiser", forums=[forum]))
    control = client.get(f"/staff/f/{forum.slug}").text
    screen = client.get(f"/f/{forum.slug}/screen").text
    on_control = re.search(r'<span class="big">(\d+)</span>', control)
    on_screen = re.search(r"<strong>(\d+)</strong> participant", screen)
    assert on_control and on_screen
    assert int(on_control.group(1)) == int(on_screen.group(1)) == 3
