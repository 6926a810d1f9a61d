"""The Alembic migrations build the same schema as the models, on the test's engine."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.helpers import make_test_app


def test_migrations_build_the_models_schema(database_url):
    app = make_test_app(database_url)
    from cite_vote.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert differences == []
        downgrade(revision="base")
        db.engine.dispose()


def test_the_ledger_accepts_paper_dots_after_0012_and_still_refuses_unknown_reasons(database_url):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    app = make_test_app(database_url)
    from cite_vote.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        try:
            with db.engine.connect() as conn:
                sql = "SELECT sql FROM sqlite_master WHERE name = 'ledger'"
                if conn.dialect.name == "sqlite":
                    assert "'paper'" in conn.execute(text(sql)).scalar_one()
                conn.execute(
                    text("PRAGMA foreign_keys=OFF")
                ) if conn.dialect.name == "sqlite" else None
                insert = (
                    "INSERT INTO ledger (challenge_id, idea_id, participant_id, delta, reason,"
                    " assisted, created_at) VALUES (1, 1, 1, 1, :reason, false, '2026-01-01')"
                )
                if conn.dialect.name == "sqlite":
                    conn.execute(text(insert), {"reason": "paper"})
                with pytest.raises(IntegrityError):
                    conn.execute(text(insert), {"reason": "bribe"})
                conn.rollback()
        finally:
            downgrade(revision="base")
            db.engine.dispose()
