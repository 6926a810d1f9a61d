import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Challenge
from cite_vote.forums.services import (
    open_to_participants,
    open_to_participants_clause,
    open_to_participants_sql,
)
from cite_vote.refusals import NotAllowed, RuleError
from cite_vote.tokens import hash_token
from cite_vote.votes.categories import join_forum
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


@pytest.mark.parametrize("archived", [False, True], ids=["shown", "archived"])
@pytest.mark.parametrize("phase", ["draft", "proposing", "voting", "closed"])
def test_open_to_participants_agrees_in_every_form(make_forum, db, phase, archived):
    """One rule, four forms: the Python predicate, the clause in an ORM select and in a Core
    select, and the raw SQL the polls answered before Flask run on the engine (its booleans
    compiled for this database's dialect)."""
    forum = make_forum(challenges=2, phase=phase)
    challenge, other = forum.challenges
    challenge.archived = archived
    other.archived = not archived
    db.session.commit()
    expected = phase != "draft" and not archived

    assert open_to_participants(challenge) is expected
    orm = select(Challenge.id).where(Challenge.id == challenge.id, open_to_participants_clause())
    assert (db.session.scalar(orm) is not None) is expected
    table = Challenge.__table__.alias("c")
    core = select(table.c.id).where(table.c.id == challenge.id, open_to_participants_clause(table))
    with db.engine.connect() as connection:
        assert (connection.execute(core).scalar() is not None) is expected
        sql = open_to_participants_sql(db.engine.dialect)
        raw = connection.exec_driver_sql(
            f"SELECT challenges.id FROM challenges WHERE challenges.forum_id = {forum.id}"
            f" AND {sql} ORDER BY challenges.id"
        ).scalars()
        assert list(raw) == [
            c.id for c in (challenge, other) if c.phase != "draft" and not c.archived
        ]
        assert (challenge.id in raw_ids(connection, sql, challenge.id)) is expected
    # The values are written into the SQL, booleans as this dialect writes them.
    assert "'draft'" in sql and "%" not in sql and "?" not in sql
    written = {"sqlite": "challenges.archived IS 0", "postgresql": "challenges.archived IS false"}
    assert sql.startswith(written[db.engine.dialect.name])
    assert sql == open_to_participants_sql(db.engine.dialect)  # compiled once, kept


def raw_ids(connection, sql: str, challenge_id: int) -> list[int]:
    return list(
        connection.exec_driver_sql(
            f"SELECT challenges.id FROM challenges WHERE challenges.id = {challenge_id} AND {sql}"
        ).scalars()
    )
