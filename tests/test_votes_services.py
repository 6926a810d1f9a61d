import pytest
from sqlalchemy import func, select

from cite_vote.refusals import RuleError
from cite_vote.votes.models import Ballot, LedgerEntry, Vote
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import ledger_differences, set_dots


@pytest.fixture
def voting(make_forum, make_participant, make_idea, db):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    person = make_participant(forum, category="citoyen·ne")
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(4)]
    return forum, challenge, person, ideas


def ledger_sum(db, person, idea) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
            LedgerEntry.participant_id == person.id, LedgerEntry.idea_id == idea.id
        )
    )


def test_set_dots_states_a_target_not_an_increment(voting, db):
    _, _, person, ideas = voting
    set_dots(person, ideas[0], 2)
    state = set_dots(person, ideas[0], 2)  # a retry of the same request
    db.session.commit()
    assert state.dots == 2 and state.spent == 2 and state.left == 3
    assert ledger_sum(db, person, ideas[0]) == 2
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_lowering_dots_refunds_them_and_records_it(voting, db):
    _, _, person, ideas = voting
    set_dots(person, ideas[0], 3)
    state = set_dots(person, ideas[0], 1)
    db.session.commit()
    assert state.spent == 1
    deltas = db.session.scalars(select(LedgerEntry.delta).order_by(LedgerEntry.id)).all()
    assert deltas == [3, -2]


def test_cannot_exceed_cap_on_one_idea(voting, db):
    _, _, person, ideas = voting
    with pytest.raises(RuleError, match="3"):
        set_dots(person, ideas[0], 4)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_cannot_exceed_budget_across_ideas(voting, db):
    _, _, person, ideas = voting
    set_dots(person, ideas[0], 3)
    set_dots(person, ideas[1], 2)
    db.session.commit()
    with pytest.raises(RuleError, match="plus de points"):
        set_dots(person, ideas[2], 1)
    db.session.rollback()
    assert db.session.scalar(select(Ballot.dots_spent)) == 5
    assert db.session.scalar(select(func.sum(Vote.dots))) == 5


def test_negative_target_is_refused(voting):
    _, _, person, ideas = voting
    with pytest.raises(RuleError):
        set_dots(person, ideas[0], -1)


@pytest.mark.parametrize("phase", ["draft", "proposing", "closed"])
def test_dots_only_while_voting(voting, db, phase):
    forum, challenge, person, ideas = voting
    set_phase(forum, phase, challenge)
    db.session.commit()
    with pytest.raises(RuleError, match="pas ouvert"):
        set_dots(person, ideas[0], 1)


def test_closed_challenge_freezes_existing_dots(voting, db):
    forum, challenge, person, ideas = voting
    set_dots(person, ideas[0], 2)
    set_phase(forum, "closed", challenge)
    db.session.commit()
    with pytest.raises(RuleError):
        set_dots(person, ideas[0], 0)
    db.session.rollback()
    assert db.session.scalar(select(Vote.dots)) == 2


def test_hidden_idea_takes_no_dots(voting, db):
    _, _, person, ideas = voting
    ideas[0].status = "hidden"
    db.session.commit()
    with pytest.raises(RuleError):
        set_dots(person, ideas[0], 1)


def test_budgets_are_per_challenge(make_forum, make_participant, make_idea, db):
    forum = make_forum(phase="voting", dot_budget=2, dot_cap=2)
    person = make_participant(forum)
    first = make_idea(forum.challenges[0])
    second = make_idea(forum.challenges[1])
    set_dots(person, first, 2)
    state = set_dots(person, second, 2)
    db.session.commit()
    assert state.spent == 2


def test_participant_of_another_forum_gets_404(voting, make_forum, make_participant):
    from cite_vote.refusals import Unknown

    _, _, _, ideas = voting
    stranger = make_participant(make_forum(phase="voting"))
    with pytest.raises(Unknown):
        set_dots(stranger, ideas[0], 1)


def test_ledger_replay_matches_stored_totals(voting, db):
    _, _, person, ideas = voting
    for target in (1, 3, 0, 2):
        set_dots(person, ideas[0], target)
    set_dots(person, ideas[1], 3)
    db.session.commit()
    assert ledger_differences([ideas[0].challenge_id]) == []
    db.session.execute(Vote.__table__.update().values(dots=1))
    assert ledger_differences([ideas[0].challenge_id]) != []


def test_recategorising_moves_the_open_challenges_dots_and_leaves_closed_ones(
    make_forum, make_participant, make_idea, cast_dots, db
):
    from cite_vote.forums.versions import forum_version
    from cite_vote.votes.categories import join_forum, recategorise_open_votes

    forum = make_forum(challenges=2, phase="voting")
    still_open, closed = forum.challenges
    person = make_participant(forum, category="citoyen·ne")
    for challenge in (still_open, closed):
        cast_dots(person, make_idea(challenge), 2)
    set_phase(forum, "closed", closed)
    db.session.commit()

    def categories():
        return dict(db.session.execute(select(Vote.challenge_id, Vote.category)).all())

    version = forum_version(forum.id)
    recategorise_open_votes(person, "association")
    db.session.commit()
    assert categories() == {still_open.id: "association", closed.id: "citoyen·ne"}
    assert forum_version(forum.id) != version  # the pages that show categories are redrawn
    # Changing one's profile goes through it.
    join_forum(forum, person.token, category="chercheur·e", via_ticket=True)
    db.session.commit()
    assert categories() == {still_open.id: "chercheur·e", closed.id: "citoyen·ne"}
