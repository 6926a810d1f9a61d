"""The audit: replaying the ledger proves the totals; a closed challenge's results are frozen."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from cite_vote.ideas.services import add_comment, propose_idea
from cite_vote.refusals import RuleError
from cite_vote.results.services import rank_ideas
from cite_vote.votes.models import Ballot, Vote
from cite_vote.votes.services import set_dots


@pytest.fixture
def voted(make_forum, make_participant, make_idea, cast_dots, db):
    forum = make_forum(slug="audit", challenges=2, phase="voting")
    first, second = forum.challenges
    alice = make_participant(forum, "association")
    bob = make_participant(forum, "citoyen·ne")
    one, two = make_idea(first, title="Une"), make_idea(second, title="Deux")
    cast_dots(alice, one, 2)
    cast_dots(bob, one, 1)
    cast_dots(alice, two, 3)
    cast_dots(alice, two, 1)
    return forum, alice, bob, one, two


def test_verify_passes_and_reports_each_challenge(runner, voted):
    result = runner.invoke(args=["verify", "audit"])
    assert result.exit_code == 0, result.output
    assert "1. Défi 1 [voting]: OK (2 ledger entries, 3 dots)" in result.output
    assert "2. Défi 2 [voting]: OK (2 ledger entries, 1 dots)" in result.output
    assert "the ledger gives exactly the stored totals" in result.output


def test_verify_fails_on_a_tampered_vote(runner, voted, db):
    forum, alice, _bob, one, _two = voted
    db.session.execute(
        update(Vote).where(Vote.participant_id == alice.id, Vote.idea_id == one.id).values(dots=3)
    )
    db.session.commit()
    result = runner.invoke(args=["verify", "audit"])
    assert result.exit_code == 1
    assert "1. Défi 1 [voting]: 2 DIFFERENCE(S)" in result.output
    assert f"DIFFERENCE participant {alice.id} idea {one.id}: ledger 2, stored 3" in result.output
    assert "2. Défi 2 [voting]: OK" in result.output


def test_verify_fails_on_a_tampered_ballot(runner, voted, db):
    forum, alice, _bob, _one, two = voted
    challenge = two.challenge
    db.session.execute(
        update(Ballot)
        .where(Ballot.participant_id == alice.id, Ballot.challenge_id == challenge.id)
        .values(dots_spent=0)
    )
    db.session.commit()
    result = runner.invoke(args=["verify", "audit"])
    assert result.exit_code == 1
    assert (
        f"DIFFERENCE participant {alice.id} challenge {challenge.id}: ballot 0, votes 1"
        in result.output
    )


def test_verify_refuses_an_unknown_forum(runner, voted):
    result = runner.invoke(args=["verify", "nope"])
    assert result.exit_code != 0 and "No forum" in result.output


@pytest.fixture
def closed(voted, db):
    forum, alice, bob, one, two = voted
    for challenge in forum.challenges:
        challenge.phase = "closed"
    db.session.commit()
    return voted


def test_dots_cannot_change_once_closed(closed, db):
    _forum, alice, bob, one, _two = closed
    before = [(r.idea.id, r.dots, r.supporters) for r in rank_ideas(one.challenge)]
    for who, target in ((alice, 0), (bob, 3)):
        with pytest.raises(RuleError):
            set_dots(who, one, target)
        db.session.rollback()
    assert [(r.idea.id, r.dots, r.supporters) for r in rank_ideas(one.challenge)] == before


def test_no_idea_can_be_proposed_once_closed(closed, db):
    _forum, alice, _bob, one, _two = closed
    with pytest.raises(RuleError):
        propose_idea(one.challenge, alice, "Trop tard")
    db.session.rollback()
    assert len(rank_ideas(one.challenge)) == 1


def test_no_comment_once_closed(closed, db):
    _forum, alice, _bob, one, _two = closed
    with pytest.raises(RuleError):
        add_comment(one, alice, "Trop tard")


def test_closed_challenge_refuses_changes_over_http(client, closed, as_participant, db):
    forum, alice, _bob, one, _two = closed
    as_participant(client, alice)
    assert client.post(f"/f/audit/i/{one.id}/dots", data={"dots": 0}).status_code == 409
    assert (
        client.post(f"/f/audit/c/{one.challenge_id}/ideas", data={"title": "Trop tard"}).status_code
        == 409
    )
    assert client.post(f"/f/audit/i/{one.id}/comments", data={"body": "Non"}).status_code == 409
    dots = db.session.scalar(
        select(Vote.dots).where(Vote.participant_id == alice.id, Vote.idea_id == one.id)
    )
    assert dots == 2
