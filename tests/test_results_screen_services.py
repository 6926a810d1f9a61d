"""The projection screen's services: what it shows, and the version token behind its polling."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cite_vote.forums.services import add_challenge
from cite_vote.refusals import RuleError
from cite_vote.results.screen import services as projection
from cite_vote.results.screen.services import (
    BLIND,
    LATEST,
    RANKING,
    RESULTS,
    WAITING,
    forum_by_screen_token,
    regenerate_screen_token,
    revoke_screen_token,
    screen_state,
    show_on_screen,
    start_timer,
    stop_timer,
    version_token,
)
from cite_vote.results.screen.version import ROTATE_SECONDS
from cite_vote.timeutil import utcnow
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots

# The start of a rotation turn, so that "a few seconds later" stays in the same turn.
NOW = datetime(2026, 3, 14, 10, 0, 0)


@pytest.fixture
def voting_forum(make_forum, make_participant, make_idea, db):
    """One challenge voting, three ideas, and dots that rank them Cc > Aa > Bb."""
    forum = make_forum(challenges=1, phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = {
        title: make_idea(challenge, title=title, created_at=NOW - timedelta(minutes=n))
        for n, title in enumerate(["Bb moins", "aa milieu", "Cc premier"], start=1)
    }
    alice, bob = make_participant(forum), make_participant(forum)
    set_dots(alice, ideas["Cc premier"], 3)
    set_dots(bob, ideas["Cc premier"], 2)
    set_dots(alice, ideas["aa milieu"], 1)
    db.session.commit()
    return forum, challenge, ideas, (alice, bob)


# --- the version token ----------------------------------------------------------------------


def test_token_stays_equal_when_nothing_changes(voting_forum):
    forum, *_ = voting_forum
    assert version_token(forum, NOW) == version_token(forum, NOW + timedelta(seconds=5))


def test_token_changes_on_a_vote(voting_forum, db):
    forum, _challenge, ideas, (alice, _bob) = voting_forum
    before = version_token(forum, NOW)
    set_dots(alice, ideas["Bb moins"], 1)
    db.session.commit()
    assert version_token(forum, NOW) != before


def test_token_changes_when_a_vote_is_taken_back(voting_forum, db):
    forum, _challenge, ideas, (alice, _bob) = voting_forum
    before = version_token(forum, NOW)
    set_dots(alice, ideas["aa milieu"], 0)
    db.session.commit()
    assert version_token(forum, NOW) != before


def test_token_changes_on_a_new_idea(make_forum, make_idea):
    forum = make_forum(challenges=1, phase="proposing")
    before = version_token(forum, NOW)
    make_idea(forum.challenges[0], title="Nouvelle")
    assert version_token(forum, NOW) != before


def test_token_ignores_an_idea_waiting_for_moderation(make_forum, make_idea):
    forum = make_forum(challenges=1, phase="proposing", premoderation=True)
    before = version_token(forum, NOW)
    make_idea(forum.challenges[0], title="En attente", status="pending")
    assert version_token(forum, NOW) == before


def test_token_changes_when_an_idea_is_hidden_or_approved(make_forum, make_idea, db):
    forum = make_forum(challenges=1, phase="proposing")
    idea = make_idea(forum.challenges[0])
    pending = make_idea(forum.challenges[0], status="pending")
    before = version_token(forum, NOW)
    idea.status = "hidden"
    db.session.commit()
    hidden = version_token(forum, NOW)
    assert hidden != before
    # Approving one while another is hidden keeps the count equal: the token still moves.
    pending.status = "visible"
    idea.status = "visible"
    db.session.commit()
    assert version_token(forum, NOW) not in (before, hidden)


def test_token_changes_when_an_idea_is_edited(make_forum, make_idea, db):
    forum = make_forum(challenges=1, phase="proposing")
    idea = make_idea(forum.challenges[0])
    before = version_token(forum, NOW)
    idea.title, idea.edited_at = "Titre corrigé", utcnow()
    db.session.commit()
    assert version_token(forum, NOW) != before


def test_token_changes_on_a_phase_change(voting_forum, db):
    forum, challenge, *_ = voting_forum
    before = version_token(forum, NOW)
    set_phase(forum, "closed", challenge)
    db.session.commit()
    assert version_token(forum, NOW) != before


def test_token_changes_when_the_timer_starts_and_stops(voting_forum, db):
    forum, *_ = voting_forum
    before = version_token(forum, NOW)
    start_timer(forum, 5, NOW)
    db.session.commit()
    running = version_token(forum, NOW)
    assert running != before
    stop_timer(forum)
    db.session.commit()
    # A version only moves on: the screen redraws once more, without the countdown.
    assert version_token(forum, NOW) not in (before, running)


def test_token_changes_with_the_screen_settings(voting_forum, db):
    forum, challenge, *_ = voting_forum
    before = version_token(forum, NOW)
    forum.projection_mode = "live"
    db.session.commit()
    live = version_token(forum, NOW)
    assert live != before
    show_on_screen(forum, challenge)
    db.session.commit()
    assert version_token(forum, NOW) not in (before, live)


def test_token_changes_when_someone_joins(voting_forum, make_participant):
    forum, *_ = voting_forum
    before = version_token(forum, NOW)
    make_participant(forum)
    assert version_token(forum, NOW) != before


def test_token_changes_at_each_rotation_turn_only(make_forum):
    forum = make_forum(challenges=3, phase="proposing")
    first = version_token(forum, NOW)
    assert version_token(forum, NOW + timedelta(seconds=ROTATE_SECONDS - 1)) == first
    assert version_token(forum, NOW + timedelta(seconds=ROTATE_SECONDS)) != first


def test_token_does_not_turn_with_the_clock_when_the_screen_stays(make_forum, db):
    forum = make_forum(challenges=3, phase="proposing")
    show_on_screen(forum, forum.challenges[1])
    db.session.commit()
    assert version_token(forum, NOW) == version_token(forum, NOW + timedelta(minutes=3))


def test_token_ignores_changes_in_another_forum(voting_forum, make_forum, make_idea):
    forum, *_ = voting_forum
    before = version_token(forum, NOW)
    other = make_forum(challenges=1, phase="proposing")
    make_idea(other.challenges[0])
    assert version_token(forum, NOW) == before


def test_token_takes_a_fixed_number_of_queries(voting_forum, count_queries):
    forum, *_ = voting_forum
    assert forum.title  # loaded, as a request has it
    with count_queries() as counter:
        version_token(forum, NOW)
    assert counter.count == 1


# --- what the screen shows ------------------------------------------------------------------


def test_blind_mode_hides_totals_and_rank_order_while_voting(voting_forum):
    forum, challenge, _ideas, _people = voting_forum
    assert forum.projection_mode == "blind"
    state = screen_state(forum, NOW)
    assert state.view == BLIND and state.challenge.id == challenge.id
    # Alphabetical, whatever the dots say (the ranking would be Cc, aa, Bb).
    assert [i.idea.title for i in state.ideas] == ["aa milieu", "Bb moins", "Cc premier"]
    assert all(i.dots is None and i.rank is None and i.share == 0 for i in state.ideas)


def test_blind_mode_reveals_the_ranking_once_closed(voting_forum, db):
    forum, challenge, *_ = voting_forum
    set_phase(forum, "closed", challenge)
    db.session.commit()
    state = screen_state(forum, NOW)
    assert state.view == RESULTS
    assert [(i.idea.title, i.rank, i.dots) for i in state.ideas] == [
        ("Cc premier", 1, 5),
        ("aa milieu", 2, 1),
        ("Bb moins", 3, 0),
    ]
    assert [i.share for i in state.ideas] == [100, 20, 0]


def test_live_mode_shows_the_ranking_with_dots_while_voting(voting_forum, db):
    forum, *_ = voting_forum
    forum.projection_mode = "live"
    db.session.commit()
    state = screen_state(forum, NOW)
    assert state.view == RANKING
    assert [(i.idea.title, i.dots) for i in state.ideas][0] == ("Cc premier", 5)


def test_room_meter_counts_dots_of_the_shown_challenge_against_people_times_budget(voting_forum):
    forum, *_ = voting_forum
    meter = screen_state(forum, NOW).meter
    assert (meter.participants, meter.voters, meter.ideas) == (2, 2, 3)
    assert (meter.dots_spent, meter.dots_available, meter.percent) == (6, 10, 60)


def test_proposing_shows_the_latest_ideas_first_and_marks_the_fresh_ones(make_forum, make_idea):
    forum = make_forum(challenges=1, phase="proposing")
    challenge = forum.challenges[0]
    for n in range(projection.LATEST_ROWS + 2):
        make_idea(challenge, title=f"Idée {n}", created_at=NOW - timedelta(minutes=10 - n))
    make_idea(challenge, title="Toute fraîche", created_at=NOW - timedelta(seconds=3))
    make_idea(challenge, title="Cachée", created_at=NOW, status="hidden")
    state = screen_state(forum, NOW)
    assert state.view == LATEST
    titles = [i.idea.title for i in state.ideas]
    assert titles[0] == "Toute fraîche" and "Cachée" not in titles
    assert len(titles) == projection.LATEST_ROWS
    assert [i.fresh for i in state.ideas[:2]] == [True, False]
    assert state.meter.ideas == projection.LATEST_ROWS + 3


def test_without_an_open_challenge_the_screen_only_invites_to_join(make_forum):
    forum = make_forum(challenges=2, phase="draft")
    state = screen_state(forum, NOW)
    assert state.view == WAITING and state.challenge is None and state.challenges == []


def test_rotation_goes_through_the_open_challenges_by_the_clock(make_forum, db):
    forum = make_forum(challenges=3, phase="proposing")
    set_phase(forum, "draft", forum.challenges[1])
    db.session.commit()
    seen = [
        screen_state(forum, NOW + timedelta(seconds=ROTATE_SECONDS * n)).challenge.title
        for n in range(4)
    ]
    assert set(seen) == {"Défi 1", "Défi 3"}
    assert seen[0] != seen[1] and seen[0] == seen[2]


def test_staying_on_a_challenge_pins_it_and_only_it(make_forum, db):
    forum = make_forum(challenges=3, phase="proposing")
    show_on_screen(forum, forum.challenges[0])
    show_on_screen(forum, forum.challenges[2])
    db.session.commit()
    assert [c.on_screen for c in forum.challenges] == [False, False, True]
    for n in range(3):
        later = NOW + timedelta(seconds=ROTATE_SECONDS * n)
        assert screen_state(forum, later).challenge.title == "Défi 3"
    show_on_screen(forum, None)
    db.session.commit()
    assert forum.screen_rotate and not any(c.on_screen for c in forum.challenges)


def test_a_challenge_not_open_yet_cannot_be_pinned(make_forum):
    forum = make_forum(challenges=1, phase="draft")
    with pytest.raises(RuleError):
        show_on_screen(forum, forum.challenges[0])


def test_a_challenge_of_another_forum_cannot_be_pinned(make_forum):
    forum, other = make_forum(challenges=1), make_forum(challenges=1)
    with pytest.raises(RuleError):
        show_on_screen(forum, other.challenges[0])


def test_pinned_challenge_back_to_draft_leaves_the_screen(make_forum, db):
    forum = make_forum(challenges=2, phase="proposing")
    show_on_screen(forum, forum.challenges[1])
    set_phase(forum, "draft", forum.challenges[1])
    add_challenge(forum, title="Défi 3", phase="voting")
    db.session.commit()
    assert screen_state(forum, NOW).challenge.title == "Défi 1"


def test_timer_counts_down_from_the_server_clock(voting_forum, db):
    forum, *_ = voting_forum
    start_timer(forum, 5, NOW)
    db.session.commit()
    state = screen_state(forum, NOW + timedelta(seconds=61))
    assert (state.timer_remaining, state.timer_clock) == (239, "3:59")
    assert screen_state(forum, NOW + timedelta(minutes=6)).timer_remaining == 0


@pytest.mark.parametrize("minutes", [0, -3, projection.TIMER_MAX_MINUTES + 1])
def test_timer_refuses_a_duration_out_of_range(voting_forum, minutes):
    forum, *_ = voting_forum
    with pytest.raises(RuleError):
        start_timer(forum, minutes, NOW)
    assert forum.timer_ends_at is None


def test_regenerating_the_screen_link_replaces_the_old_one(make_forum, db):
    forum = make_forum()
    old = regenerate_screen_token(forum)
    new = regenerate_screen_token(forum)
    db.session.commit()
    assert forum_by_screen_token(new).id == forum.id
    assert forum_by_screen_token(old) is None
    assert new not in forum.screen_token_hash and len(forum.screen_token_hash) == 64
    revoke_screen_token(forum)
    db.session.commit()
    assert forum_by_screen_token(new) is None


@pytest.mark.parametrize("phase", ["proposing", "voting", "closed"])
def test_the_screen_takes_the_same_number_of_queries_for_few_or_many_ideas(
    make_forum, make_idea, make_participant, count_queries, db, phase
):
    counts = []
    for ideas in (2, 20):
        forum = make_forum(challenges=1, phase=phase, projection_mode="live")
        for n in range(ideas):
            author = make_participant(forum, name=f"Personne {n}")
            make_idea(forum.challenges[0], author=author, title=f"Idée {n}", show_author_name=True)
        db.session.expire_all()
        forum = db.session.get(type(forum), forum.id)
        with count_queries() as counter:
            state = screen_state(forum, NOW)
            [i.idea.author for i in state.ideas]  # what the template reads
        counts.append(counter.count)
    assert counts[0] == counts[1]


# --- the staged reveal ------------------------------------------------------------------------


@pytest.fixture
def staged(voting_forum, db):
    """The blind challenge staged before it closes, then closed: nothing revealed yet."""
    forum, challenge, ideas, _people = voting_forum
    projection.stage_reveal(forum, challenge)
    set_phase(forum, "closed", challenge)
    db.session.commit()
    return forum, challenge


def shown(state):
    return [(i.idea.title if not i.hidden else None, i.rank) for i in state.ideas]


def test_a_staged_reveal_shows_the_ranking_from_the_last_idea_to_the_first(staged, db):
    forum, challenge = staged
    state = screen_state(forum, NOW)
    assert state.view == RESULTS
    assert shown(state) == [(None, 1), (None, 2), (None, 3)]
    assert all(i.dots is None for i in state.ideas)  # a hidden row gives nothing away
    tokens = {version_token(forum, NOW)}
    for expected in (
        [(None, 1), (None, 2), ("Bb moins", 3)],
        [(None, 1), ("aa milieu", 2), ("Bb moins", 3)],
        [("Cc premier", 1), ("aa milieu", 2), ("Bb moins", 3)],
    ):
        projection.reveal_step(forum, challenge, NOW)
        db.session.commit()
        assert shown(screen_state(forum, NOW)) == expected
        tokens.add(version_token(forum, NOW))
    assert len(tokens) == 4  # the projector's poll sees every step
    # One more click changes nothing: everything is revealed.
    projection.reveal_step(forum, challenge, NOW)
    db.session.commit()
    assert version_token(forum, NOW) in tokens


def test_a_timed_reveal_moves_by_the_clock_and_its_token_changes_at_each_step(staged, db):
    forum, challenge = staged
    projection.reveal_every(forum, challenge, 10, NOW)
    db.session.commit()
    at = [NOW + timedelta(seconds=s) for s in (0, 9, 10, 25, 30, 90)]
    counts = [sum(not i.hidden for i in screen_state(forum, t).ideas) for t in at]
    assert counts == [0, 0, 1, 2, 3, 3]
    tokens = [version_token(forum, t) for t in at]
    assert tokens[0] == tokens[1] != tokens[2] != tokens[3] != tokens[4]
    assert tokens[4] == tokens[5]  # all revealed: the screen is quiet again


def test_pausing_a_timed_reveal_keeps_what_is_shown(staged, db):
    forum, challenge = staged
    projection.reveal_every(forum, challenge, 10, NOW)
    projection.reveal_pause(forum, challenge, NOW + timedelta(seconds=15))
    db.session.commit()
    later = screen_state(forum, NOW + timedelta(minutes=5))
    assert sum(not i.hidden for i in later.ideas) == 1


def test_revealing_all_at_once_ends_the_staging(staged, db):
    forum, challenge = staged
    projection.reveal_all(forum, challenge)
    db.session.commit()
    assert shown(screen_state(forum, NOW)) == [("Cc premier", 1), ("aa milieu", 2), ("Bb moins", 3)]
    assert challenge.reveal_shown is None


def test_the_reveal_is_state_in_the_database_any_worker_serves_it(staged, db):
    forum, challenge = staged
    projection.reveal_step(forum, challenge, NOW)
    db.session.commit()
    db.session.expire_all()
    from cite_vote.forums.models import Challenge

    assert db.session.get(Challenge, challenge.id).reveal_shown == 1


def test_staging_is_refused_in_live_mode_or_before_voting(voting_forum, db):
    forum, challenge, *_ = voting_forum
    forum.projection_mode = "live"
    with pytest.raises(RuleError):
        projection.stage_reveal(forum, challenge)
    forum.projection_mode = "blind"
    set_phase(forum, "proposing", challenge)
    with pytest.raises(RuleError):
        projection.stage_reveal(forum, challenge)


def test_a_timed_reveal_needs_a_sensible_interval(staged):
    forum, challenge = staged
    for seconds in (0, -3, 3601):
        with pytest.raises(RuleError):
            projection.reveal_every(forum, challenge, seconds, NOW)
