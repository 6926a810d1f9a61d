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
    """0012 rewrites the ledger's check of reasons (SQLite: the table is rebuilt)."""
    from sqlalchemy import text

    app = make_test_app(database_url)
    from cite_vote.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        try:
            with db.engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    sql = "SELECT sql FROM sqlite_master WHERE name = 'ledger'"
                else:
                    sql = (
                        "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                        " WHERE conname = 'ck_ledger_reason_known'"
                    )
                check = conn.execute(text(sql)).scalar_one()
            assert "'paper'" in check and "'merge'" in check and "'bribe'" not in check
            downgrade(revision="0011")
            with db.engine.connect() as conn:
                assert "'paper'" not in conn.execute(text(sql)).scalar_one()
        finally:
            downgrade(revision="base")
            db.engine.dispose()
