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
