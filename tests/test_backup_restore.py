"""Backups that restore, and commands that run on the server's own database (issue 19).

Finding 3: the guide's upgrade, typed in a fresh shell, created and migrated
``instance/cite_vote.sqlite3`` and exited 0, PostgreSQL untouched. Finding 4: ``pg_restore -d``
into the existing database failed on all 141 objects and restored nothing. Each test here runs
on SQLite, and on PostgreSQL with ``CITE_VOTE_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from cite_vote.forums.models import Forum
from cite_vote.votes.models import LedgerEntry, Vote
from tests import recount_scenes
from tests.server import ROOT

closed_scene = recount_scenes.closed_scene  # the fixture
CITE_VOTE = Path(sys.executable).parent / "cite-vote"


def test_a_backup_restores_over_the_live_database_and_verifies(closed_scene, runner, db, tmp_path):
    """A backup made while the forum is live is put back over a database that has moved on
    since, on SQLite and on PostgreSQL, and `verify` and `recount` pass on what it restored."""
    backup = tmp_path / "before.backup"
    made = runner.invoke(args=["backup", str(backup)])
    assert made.exit_code == 0, made.output
    votes_then = db.session.scalar(select(func.count()).select_from(Vote))
    ledger_then = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    assert votes_then and ledger_then

    # After the backup: a new forum, and every vote lost (a bad script, a wrong command).
    db.session.add(Forum(slug="apres", title="Après", join_code="APRES7"))
    db.session.execute(Vote.__table__.delete())
    db.session.commit()

    refused = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert refused.exit_code != 0  # it asks first, and "no" changes nothing
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0

    restored = runner.invoke(args=["restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "verify recompte && recount recompte" in restored.output
    assert db.session.scalar(select(func.count()).select_from(Vote)) == votes_then
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == ledger_then
    assert db.session.scalars(select(Forum.slug)).all() == ["recompte"]

    verified = runner.invoke(args=["verify", "recompte"])
    assert verified.exit_code == 0, verified.output
    recounted = runner.invoke(args=["recount", "recompte"])
    assert recounted.exit_code == 0, recounted.output
    assert "the recount matches the published results" in recounted.output


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    runner, db, make_forum, tmp_path
):
    make_forum(slug="reste")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "is not a backup" in result.output
    assert db.session.scalars(select(Forum.slug)).all() == ["reste"]


def test_backup_never_overwrites_a_file(runner, db, tmp_path, make_forum):
    make_forum(slug="sauvegarde")
    target = tmp_path / "copy.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output


# --- cite-vote: the service's settings, from any shell ------------------------------------------


def fresh_shell(**extra: str) -> dict[str, str]:
    """The environment of a new login shell: no CITE_VOTE_* variable."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return {**keep, **extra}


def settings_file(tmp_path: Path, database_url: str | None) -> Path:
    lines = [
        "# as docs/deploy/env.example, filled in",
        "CITE_VOTE_ENV=production",
        f'CITE_VOTE_SECRET_KEY="{secrets.token_urlsafe(48)}"',
        f"CITE_VOTE_RATELIMIT_STORAGE_URI=sqlite:///{tmp_path / 'limits.sqlite3'}",
    ]
    if database_url:
        lines.append(f"CITE_VOTE_DATABASE_URL={database_url}")
    path = tmp_path / "env"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def instance_files() -> set[str]:
    folder = ROOT / "instance"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_an_upgrade_from_a_fresh_shell_migrates_the_services_database(db, database_url, tmp_path):
    """Finding 3: the upgrade read nothing, so it made and migrated instance/cite_vote.sqlite3."""
    db.session.remove()
    db.drop_all()  # the service's database, empty: the schema is the upgrade's to make
    db.engine.dispose()
    engine = create_engine(database_url)
    before = instance_files()
    env = settings_file(tmp_path, database_url)
    done = subprocess.run(
        [str(CITE_VOTE), "--env-file", str(env), "db", "upgrade"],
        env=fresh_shell(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    shown = make_url(database_url).render_as_string(hide_password=True)
    assert f"settings from {env}; database {shown}" in done.stderr
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version"))
        assert "forums" in inspect(conn).get_table_names()
    engine.dispose()
    assert instance_files() == before  # no SQLite file made on the side


def test_a_production_command_without_a_database_refuses_instead_of_making_sqlite(tmp_path):
    before = instance_files()
    env = settings_file(tmp_path, None)
    for command in (["db", "upgrade"], ["backup", str(tmp_path / "b.backup")]):
        done = subprocess.run(
            [str(CITE_VOTE), "--env-file", str(env), *command],
            env=fresh_shell(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0
        assert "CITE_VOTE_DATABASE_URL is not set" in done.stderr, done.stderr
        assert "never falls back to a new SQLite file" in done.stderr
    assert instance_files() == before
    assert not (tmp_path / "b.backup").exists()


def test_the_environment_wins_over_the_settings_file(tmp_path):
    """To check a restored copy elsewhere: CITE_VOTE_DATABASE_URL=... cite-vote verify SLUG."""
    copy = tmp_path / "copy.sqlite3"
    sqlite3.connect(copy).close()
    env = settings_file(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    done = subprocess.run(
        [str(CITE_VOTE), "--env-file", str(env), "public-url"],
        env=fresh_shell(CITE_VOTE_DATABASE_URL=f"sqlite:///{copy}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"database sqlite:///{copy}" in done.stderr


def test_an_unreadable_settings_file_says_so(tmp_path):
    done = subprocess.run(
        [str(CITE_VOTE), "--env-file", str(tmp_path / "missing"), "db", "current"],
        env=fresh_shell(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "Cannot read the settings file" in done.stderr


def test_a_damaged_backup_fails_and_changes_nothing(runner, db, make_forum, tmp_path):
    """PostgreSQL restores in one transaction, SQLite copies in one: a backup cut short (a
    disk full, a copy interrupted) is refused whole, the database as it was."""
    make_forum(slug="intacte")
    whole = tmp_path / "whole.backup"
    assert runner.invoke(args=["backup", str(whole)]).exit_code == 0
    damaged = tmp_path / "damaged.backup"
    data = whole.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    result = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert result.exit_code != 0 and "nothing was changed" in result.output, result.output
    assert db.session.scalars(select(Forum.slug)).all() == ["intacte"]
