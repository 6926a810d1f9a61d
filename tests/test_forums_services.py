import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.accounts.services import join_forum
from cite_vote.refusals import NotAllowed, RuleError
from cite_vote.tokens import hash_token
from cite_vote.votes.phases import set_phase


def test_set_phase_for_one_challenge_or_all(make_forum, db):
    forum = make_forum(challenges=3, phase="draft")
    set_phase(forum, "proposing", forum.challenges[1])
    assert [c.phase for c in forum.challenges] == ["draft", "proposing", "draft"]
    set_phase(forum, "voting")
    assert {c.phase for c in forum.challenges} == {"voting"}


def test_unknown_phase_is_refused(make_forum):
    with pytest.raises(RuleError):
        set_phase(make_forum(), "counting")


def test_joining_twice_with_the_same_token_keeps_one_participant(make_forum, db):
    forum = make_forum()
    first = join_forum(forum, "token-1", display_name="Ana", category="citoyen·ne")
    again = join_forum(forum, "token-1", display_name="Ana B.", category="association")
    db.session.commit()
    assert first.id == again.id
    assert again.display_name == "Ana B." and again.category == "association"
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_only_the_token_hash_is_stored(make_forum, db):
    forum = make_forum()
    participant = join_forum(forum, "clear-token")
    db.session.commit()
    assert participant.token_hash == hash_token("clear-token")
    assert "clear-token" not in participant.token_hash


def test_category_must_be_one_of_the_forum(make_forum):
    with pytest.raises(RuleError):
        join_forum(make_forum(), "t", category="pirate")


def test_name_too_long_is_refused(make_forum):
    with pytest.raises(RuleError):
        join_forum(make_forum(), "t", display_name="x" * 81)


def test_open_join_refused_when_tickets_required(make_forum):
    with pytest.raises(NotAllowed):
        join_forum(make_forum(tickets_required=True), "t")


@pytest.mark.parametrize(
    "phase, forum_shows, visible",
    [
        ("proposing", True, False),
        ("voting", False, False),
        ("voting", True, True),
        ("closed", False, True),
    ],
)
def test_participants_see_totals_once_closed_or_if_the_forum_shows_them(
    make_forum, phase, forum_shows, visible
):
    from cite_vote.forums.services import totals_visible

    forum = make_forum(phase=phase, show_totals_during_voting=forum_shows)
    assert totals_visible(forum.challenges[0]) is visible
