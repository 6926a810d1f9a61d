import pytest
from sqlalchemy import func, select

from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea
from cite_vote.votes.models import Vote
from cite_vote.votes.services import set_dots


def test_demo_creates_the_reference_forum_once(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "cite-2018" in first.output and "password:" in first.output
    forum = db.session.scalar(select(Forum).where(Forum.slug == "cite-2018"))
    titles = [c.title for c in forum.challenges]
    assert titles == [
        "La tête chercheuse",
        "Le crash test des innovations pédagogiques",
        "L’accélérateur d’entrepreneuriat",
        "L’exploratoire des métiers",
        "La cité connectée",
        "La vigie collective",
    ]
    assert all(c.question.startswith("Comment pourrions-nous") for c in forum.challenges)
    assert {c.phase for c in forum.challenges} == {"proposing"}
    assert (forum.dot_budget, forum.dot_cap) == (5, 3)
    assert "collectivité / institution" in forum.categories
    assert db.session.scalar(select(func.count()).select_from(Idea)) >= 6

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already there" in second.output
    assert "password:" not in second.output
    assert db.session.scalar(select(func.count()).select_from(Forum)) == 1


def test_phase_command_sets_one_or_all_challenges(runner, db):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["phase", "cite-2018", "voting", "--challenge", "2"])
    assert result.exit_code == 0, result.output
    phases = db.session.scalars(select(Challenge.phase).order_by(Challenge.position)).all()
    assert phases == ["proposing", "voting", "proposing", "proposing", "proposing", "proposing"]
    assert runner.invoke(args=["phase", "cite-2018", "closed"]).exit_code == 0
    db.session.expire_all()
    assert set(db.session.scalars(select(Challenge.phase))) == {"closed"}


def test_phase_command_refuses_bad_input(runner, db):
    runner.invoke(args=["demo"])
    assert runner.invoke(args=["phase", "nope", "voting"]).exit_code != 0
    assert runner.invoke(args=["phase", "cite-2018", "counting"]).exit_code != 0
    assert runner.invoke(args=["phase", "cite-2018", "voting", "--challenge", "9"]).exit_code != 0


def test_verify_passes_on_a_clean_ledger_and_fails_on_tampering(
    runner, db, make_forum, make_participant, make_idea
):
    forum = make_forum(slug="audit", phase="voting")
    idea = make_idea(forum.challenges[0])
    set_dots(make_participant(forum), idea, 2)
    db.session.commit()
    clean = runner.invoke(args=["verify", "audit"])
    assert clean.exit_code == 0, clean.output
    db.session.execute(Vote.__table__.update().values(dots=3))
    db.session.commit()
    tampered = runner.invoke(args=["verify", "audit"])
    assert tampered.exit_code == 1 and "DIFFERENCE" in tampered.output


def test_phase_command_takes_the_exclusive_challenge_lock_like_the_facilitator_page(runner, db):
    """A vote in flight holds the challenge row shared: the CLI must wait for it (FOR UPDATE)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    runner.invoke(args=["demo"])
    locks = []

    def record(state):
        lock = getattr(state.statement, "_for_update_arg", None)
        if lock is not None and not lock.read:
            locks.append(state.statement)

    event.listen(Session, "do_orm_execute", record)
    try:
        result = runner.invoke(args=["phase", "cite-2018", "closed"])
    finally:
        event.remove(Session, "do_orm_execute", record)
    assert result.exit_code == 0, result.output
    assert len(locks) == 1 and "challenge" in str(locks[0]).lower()


def test_phase_command_moves_back_without_asking(runner, db):
    """The person at the terminal is deliberate: going back a phase needs no confirmation."""
    runner.invoke(args=["demo"])
    assert runner.invoke(args=["phase", "cite-2018", "closed"]).exit_code == 0
    result = runner.invoke(args=["phase", "cite-2018", "proposing", "--challenge", "1"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    phases = db.session.scalars(select(Challenge.phase).order_by(Challenge.position)).all()
    assert phases == ["proposing"] + ["closed"] * 5


def test_backup_copies_the_sqlite_database(runner, db, tmp_path, make_forum):
    import sqlite3

    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL: pg_dump's format, tests/test_backup_restore.py
    make_forum(slug="sauvegarde")
    target = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT slug FROM forums").fetchall() == [("sauvegarde",)]
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output


def test_verify_names_each_broken_rule_even_when_the_arithmetic_agrees(
    runner, db, make_forum, make_participant, make_idea
):
    forum = make_forum(slug="rules", phase="voting", dot_budget=5, dot_cap=3)
    stranded, crowded = (make_idea(forum.challenges[0], title=t) for t in ("Cachée", "Pleine"))
    person = make_participant(forum)
    set_dots(person, stranded, 2)
    set_dots(person, crowded, 3)
    db.session.commit()
    assert runner.invoke(args=["verify", "rules"]).exit_code == 0
    # What the moderation race left behind: dots on a hidden idea that still count, and
    # settings that no ballot can meet (the ledger replays to exactly these totals).
    stranded.status = "hidden"
    forum.dot_cap, forum.dot_budget = 2, 4
    db.session.commit()
    result = runner.invoke(args=["verify", "rules"])
    assert result.exit_code == 1
    assert f"idea {stranded.id}: 2 dots on an idea that is hidden" in result.output
    assert f"idea {crowded.id}: 3 dots over the cap of 2" in result.output
    assert "ballot of 5 dots outside the budget of 4" in result.output


# --- staff accounts from the terminal ----------------------------------------------------------


def test_set_password_with_the_option(runner, db, make_staff):
    from cite_vote.accounts.services import authenticate

    user = make_staff("facilitator")
    result = runner.invoke(
        args=["set-password", user.email.upper(), "--password", "brand new pass"]
    )
    assert result.exit_code == 0, result.output
    assert authenticate(user.email, "brand new pass") is not None


def test_set_password_prompts_twice_without_the_option(runner, db, make_staff):
    from cite_vote.accounts.services import authenticate

    user = make_staff("facilitator")
    result = runner.invoke(
        args=["set-password", user.email], input="brand new pass\nbrand new pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "brand new pass" not in result.output
    assert authenticate(user.email, "brand new pass") is not None


def test_set_password_ends_the_accounts_sessions(app, client, runner, make_staff, staff_login):
    user = make_staff("facilitator")
    staff_login(client, user)
    runner.invoke(args=["set-password", user.email, "--password", "brand new pass"])
    assert client.get("/staff/").status_code == 303


def test_set_password_refuses_a_short_password(runner, make_staff):
    user = make_staff("facilitator")
    result = runner.invoke(args=["set-password", user.email, "--password", "short"])
    assert result.exit_code == 1 and "10" in result.output


def test_set_password_of_an_unknown_account_is_an_error(runner, db):
    result = runner.invoke(args=["set-password", "nobody@example.org", "--password", "x" * 12])
    assert result.exit_code == 1 and "nobody@example.org" in result.output


def test_create_user_refuses_an_email_with_a_control_character(runner, db):
    from cite_vote.accounts.models import StaffUser

    result = runner.invoke(args=["create-user", "bea\x01@example.org", "--role", "organiser"])
    assert result.exit_code == 1 and "U+0001" in result.output
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_add_to_team_gives_a_new_account_the_forum(runner, db, make_forum):
    from cite_vote.accounts.models import StaffUser
    from cite_vote.accounts.services import can_access

    forum = make_forum(slug="salle")
    runner.invoke(args=["create-user", "bea@example.org", "--role", "organiser"])
    result = runner.invoke(args=["add-to-team", "Bea@Example.org", "salle"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "bea@example.org"))
    assert can_access(user, forum)


def test_add_to_team_lets_the_new_account_open_the_demo_forum(
    client, runner, db, make_staff, staff_login
):
    runner.invoke(args=["demo"])
    user = make_staff("facilitator")
    assert runner.invoke(args=["add-to-team", user.email, "cite-2018"]).exit_code == 0
    staff_login(client, user)
    assert client.get("/staff/f/cite-2018").status_code == 200


@pytest.mark.parametrize(
    "email, slug, message",
    [
        ("nobody@example.org", "salle", "No staff account"),
        ("{member}", "nowhere", "nowhere"),
        ("{member}", "salle", "déjà"),
    ],
    ids=["unknown account", "unknown forum", "already on the team"],
)
def test_add_to_team_refusals_are_errors(runner, make_forum, make_staff, email, slug, message):
    forum = make_forum(slug="salle")
    member = make_staff("facilitator", forums=[forum])
    result = runner.invoke(args=["add-to-team", email.format(member=member.email), slug])
    assert result.exit_code == 1 and message in result.output
