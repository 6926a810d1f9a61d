"""Moderation's dots: hides refund, merges move within caps, the ledger always replays; each
action re-reads what it checked under the challenge lock."""

import pytest
from sqlalchemy import func, select

from cite_vote.accounts.services import create_assisted_participant
from cite_vote.ideas.models import Comment, Idea
from cite_vote.refusals import RuleError
from cite_vote.votes import moderation
from cite_vote.votes.models import Ballot, LedgerEntry, Notice, Vote
from cite_vote.votes.notices import notice_text, take_notices
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import dots_on_idea, ledger_differences, set_dots


def spent(db, person, challenge) -> int:
    return db.session.scalar(
        select(Ballot.dots_spent).where(
            Ballot.participant_id == person.id, Ballot.challenge_id == challenge.id
        )
    )


def test_hiding_an_idea_refunds_every_voter_in_the_ledger(moderation_scene, db):
    forum, challenge, (ana, bob, _), (idea, other, _), staff = moderation_scene
    set_dots(ana, idea, 2)
    set_dots(ana, other, 1)
    set_dots(bob, idea, 3)
    db.session.commit()
    returned = moderation.hide_idea(idea, staff, reason="duplicate")
    db.session.commit()
    assert idea.status == "hidden"
    assert {(r.participant_id, r.refunded) for r in returned} == {(ana.id, 2), (bob.id, 3)}
    assert spent(db, ana, challenge) == 1 and spent(db, bob, challenge) == 0
    refunds = db.session.execute(
        select(LedgerEntry.participant_id, LedgerEntry.delta, LedgerEntry.staff_id).where(
            LedgerEntry.reason == "hide"
        )
    ).all()
    assert sorted(refunds) == sorted([(ana.id, -2, staff.id), (bob.id, -3, staff.id)])
    assert ledger_differences([challenge.id]) == []


def test_restoring_a_hidden_idea_does_not_give_dots_back(moderation_scene, db):
    _, challenge, (ana, *_), (idea, *_), staff = moderation_scene
    set_dots(ana, idea, 2)
    moderation.hide_idea(idea, staff, reason="duplicate")
    moderation.restore_idea(idea)
    db.session.commit()
    assert idea.status == "visible"
    assert dots_on_idea(ana.id, idea.id) == 0 and spent(db, ana, challenge) == 0
    assert ledger_differences([challenge.id]) == []


def test_hidden_idea_refuses_new_dots(moderation_scene, db):
    _, _, (ana, *_), (idea, *_), staff = moderation_scene
    moderation.hide_idea(idea, staff, reason="duplicate")
    db.session.commit()
    with pytest.raises(RuleError):
        set_dots(ana, idea, 1)


def test_merge_moves_dots_within_the_cap_and_refunds_the_excess(moderation_scene, db):
    forum, challenge, (ana, bob, cleo), (dup, kept, _), staff = moderation_scene
    set_dots(ana, dup, 3)  # ana already has 2 on kept: only 1 more fits under the cap of 3
    set_dots(ana, kept, 2)
    set_dots(bob, dup, 2)  # bob has none on kept: both move
    set_dots(cleo, kept, 1)  # cleo never voted for the duplicate: untouched
    db.session.commit()
    returned = moderation.merge_ideas(dup, kept, staff)
    db.session.commit()
    assert {(r.participant_id, r.moved, r.refunded) for r in returned} == {
        (ana.id, 1, 2),
        (bob.id, 2, 0),
    }
    assert dots_on_idea(ana.id, kept.id) == 3 and dots_on_idea(ana.id, dup.id) == 0
    assert dots_on_idea(bob.id, kept.id) == 2 and dots_on_idea(cleo.id, kept.id) == 1
    assert spent(db, ana, challenge) == 3 and spent(db, bob, challenge) == 2
    assert dup.status == "merged" and dup.merged_into_id == kept.id
    legs = db.session.execute(
        select(LedgerEntry.participant_id, LedgerEntry.idea_id, LedgerEntry.delta)
        .where(LedgerEntry.reason == "merge")
        .order_by(LedgerEntry.id)
    ).all()
    assert legs == [
        (ana.id, dup.id, -3),
        (ana.id, kept.id, 1),
        (bob.id, dup.id, -2),
        (bob.id, kept.id, 2),
    ]
    related = db.session.scalars(
        select(LedgerEntry.related_idea_id).where(LedgerEntry.reason == "merge")
    ).all()
    assert set(related) == {dup.id, kept.id}
    assert ledger_differences([challenge.id]) == []


def test_merge_moves_the_comments_to_the_target(moderation_scene, make_comment, db):
    _, _, _, (dup, kept, _), staff = moderation_scene
    first = make_comment(dup, body="Bonne idée")
    second = make_comment(dup, body="Pas mal", status="hidden")
    moderation.merge_ideas(dup, kept, staff)
    db.session.commit()
    assert {
        c.id for c in db.session.scalars(select(Comment).where(Comment.idea_id == kept.id))
    } == {
        first.id,
        second.id,
    }


@pytest.mark.parametrize("case", ["itself", "other challenge", "already merged", "hidden target"])
def test_merge_refuses_impossible_pairs(moderation_scene, make_idea, db, case):
    forum, _, (ana, *_), (dup, kept, third), staff = moderation_scene
    set_dots(ana, dup, 1)
    db.session.commit()
    target = kept
    if case == "itself":
        target = dup
    elif case == "other challenge":
        target = make_idea(forum.challenges[1], title="Ailleurs")
    elif case == "already merged":
        moderation.merge_ideas(dup, third, staff)
        db.session.commit()
    else:
        moderation.hide_idea(kept, staff, reason="duplicate")
        db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    with pytest.raises(RuleError):
        moderation.merge_ideas(dup, target, staff)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == before


@pytest.mark.parametrize("action", ["merge", "hide", "restore"])
def test_closed_challenge_refuses_changes_to_the_running(moderation_scene, db, action):
    forum, challenge, (ana, *_), (dup, kept, _), staff = moderation_scene
    set_dots(ana, dup, 2)
    if action == "restore":
        moderation.hide_idea(dup, staff, reason="duplicate")
    set_phase(forum, "closed", challenge)
    db.session.commit()
    with pytest.raises(RuleError, match="figés"):
        if action == "merge":
            moderation.merge_ideas(dup, kept, staff)
        elif action == "hide":
            moderation.hide_idea(dup, staff, reason="duplicate")
        else:
            moderation.restore_idea(dup)
    db.session.rollback()
    assert dup.status == ("hidden" if action == "restore" else "visible")
    assert ledger_differences([challenge.id]) == []


def test_merge_and_hide_leave_notices_shown_once(app, moderation_scene, db):
    _, _, (ana, bob, _), (dup, kept, third), staff = moderation_scene
    set_dots(ana, dup, 3)
    set_dots(ana, kept, 2)
    set_dots(bob, third, 2)
    db.session.commit()
    moderation.merge_ideas(dup, kept, staff)
    moderation.hide_idea(third, staff, reason="duplicate")
    db.session.commit()
    with app.test_request_context():
        texts = take_notices(ana)
        # Ideas named by their titles, never by an internal number (issue 20).
        assert texts == [
            f"2 points rendus : l’idée « {dup.title} » a été fusionnée avec « {kept.title} ». "
            f"1 point déplacé de l’idée « {dup.title} » vers « {kept.title} », "
            "avec laquelle elle a été fusionnée."
        ]
        assert take_notices(ana) == []
        assert take_notices(bob) == [
            f"2 points rendus : l’idée « {third.title} » a été retirée par un·e animateur·rice."
        ]
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 2


def test_notice_text_is_pluralised(app, db, moderation_scene):
    _, _, (ana, *_), _, _ = moderation_scene
    with app.test_request_context():
        one = notice_text(
            Notice(participant_id=ana.id, kind="hide", data={"idea": 4, "refunded": 1})
        )
        assert one.startswith("1 point rendu :")


def test_assisted_dots_are_flagged_in_the_ledger(moderation_scene, db):
    forum, challenge, _, (idea, *_), staff = moderation_scene
    person = create_assisted_participant(forum, display_name="Mme Martin", category="citoyen·ne")
    db.session.commit()
    assert person.assisted and person.token_hash is None
    state = set_dots(person, idea, 2, assisted=True, staff_id=staff.id)
    db.session.commit()
    assert state.spent == 2
    entry = db.session.scalars(select(LedgerEntry)).one()
    assert entry.assisted and entry.staff_id == staff.id and entry.participant_id == person.id


def test_assisted_voting_keeps_budget_and_cap(moderation_scene, db):
    forum, _, _, ideas, staff = moderation_scene
    person = create_assisted_participant(forum)
    with pytest.raises(RuleError):
        set_dots(person, ideas[0], 4, assisted=True, staff_id=staff.id)
    set_dots(person, ideas[0], 3, assisted=True, staff_id=staff.id)
    set_dots(person, ideas[1], 2, assisted=True, staff_id=staff.id)
    with pytest.raises(RuleError):
        set_dots(person, ideas[2], 1, assisted=True, staff_id=staff.id)


def test_assisted_participant_category_must_be_known(moderation_scene):
    forum = moderation_scene[0]
    with pytest.raises(RuleError):
        create_assisted_participant(forum, category="martien")


def test_pending_ideas_are_approved_or_rejected(moderation_scene, make_idea, db):
    _, challenge, _, _, staff = moderation_scene
    waiting = make_idea(challenge, title="En attente", status="pending")
    refused = make_idea(challenge, title="Refusée", status="pending")
    moderation.approve_idea(waiting)
    moderation.reject_idea(refused)
    db.session.commit()
    assert (waiting.status, refused.status) == ("visible", "hidden")
    with pytest.raises(RuleError):
        moderation.approve_idea(waiting)


def test_plan_merge_predicts_what_merge_does(moderation_scene, db):
    _, _, (ana, bob, _), (dup, kept, _), staff = moderation_scene
    set_dots(ana, dup, 3)
    set_dots(ana, kept, 2)
    set_dots(bob, dup, 1)
    db.session.commit()
    plan = moderation.plan_merge(dup, kept)
    returned = moderation.merge_ideas(dup, kept, staff)
    assert (plan.voters, plan.dots) == (2, 4)
    assert plan.moved == sum(r.moved for r in returned) == 2
    assert plan.refunded == sum(r.refunded for r in returned) == 2


def test_votes_sum_matches_ballots_after_many_moves(moderation_scene, db):
    _, challenge, people, ideas, staff = moderation_scene
    for n, person in enumerate(people):
        set_dots(person, ideas[n % 3], 3)
        set_dots(person, ideas[(n + 1) % 3], 2)
    db.session.commit()
    moderation.merge_ideas(ideas[0], ideas[1], staff)
    moderation.hide_idea(ideas[2], staff, reason="duplicate")
    db.session.commit()
    assert ledger_differences([challenge.id]) == []
    total = db.session.scalar(select(func.sum(Vote.dots)))
    assert total == db.session.scalar(select(func.sum(Ballot.dots_spent)))


# --- two facilitators at once: the statuses are re-read under the challenge lock ------------


def _changed_behind_our_back(db, idea, status, merged_into=None):
    """Another facilitator's committed change, which the objects loaded by this request miss."""
    from sqlalchemy import update

    db.session.execute(
        update(Idea)
        .where(Idea.id == idea.id)
        .values(status=status, merged_into_id=merged_into)
        .execution_options(synchronize_session=False)
    )


def test_crossed_merges_cannot_move_dots_onto_an_idea_already_merged(moderation_scene, db):
    """A->B and B->A at once: the second merge sees B already merged into A and refuses."""
    _, challenge, (ana, bob, _), (a, b, _), staff = moderation_scene
    set_dots(ana, a, 2)
    set_dots(bob, b, 3)
    db.session.commit()
    assert (a.status, b.status) == ("visible", "visible")  # what the second request loaded
    _changed_behind_our_back(db, b, "merged", merged_into=a.id)  # the first request: B -> A
    with pytest.raises(RuleError, match="entre-temps"):
        moderation.merge_ideas(a, b, staff)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(LedgerEntry.reason == "merge")) == 0
    assert dots_on_idea(ana.id, a.id) == 2 and dots_on_idea(bob.id, b.id) == 3
    assert dots_on_idea(bob.id, a.id) == 0


def test_merge_refuses_a_source_merged_meanwhile(moderation_scene, db):
    _, _, (ana, *_), (a, b, c), staff = moderation_scene
    set_dots(ana, a, 2)
    db.session.commit()
    _changed_behind_our_back(db, a, "merged", merged_into=c.id)
    with pytest.raises(RuleError, match="entre-temps"):
        moderation.merge_ideas(a, b, staff)
    db.session.rollback()
    assert dots_on_idea(ana.id, b.id) == 0 and dots_on_idea(ana.id, a.id) == 2


@pytest.mark.parametrize("action", ["hide", "restore", "approve", "reject"])
def test_moderation_refuses_an_idea_whose_status_changed_meanwhile(moderation_scene, db, action):
    _, _, _, (idea, *_), staff = moderation_scene
    loaded, meanwhile = {
        "hide": ("visible", "merged"),
        "restore": ("hidden", "visible"),
        "approve": ("pending", "hidden"),
        "reject": ("pending", "visible"),
    }[action]
    idea.status = loaded
    db.session.commit()
    assert idea.status == loaded  # what the moderation page loaded
    _changed_behind_our_back(db, idea, meanwhile)  # e.g. approved, then voted on
    with pytest.raises(RuleError, match="entre-temps"):
        {
            "hide": lambda: moderation.hide_idea(idea, staff, reason="duplicate"),
            "restore": lambda: moderation.restore_idea(idea),
            "approve": lambda: moderation.approve_idea(idea),
            "reject": lambda: moderation.reject_idea(idea),
        }[action]()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(LedgerEntry.reason == "hide")) == 0
