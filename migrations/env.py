"""Alembic environment: the app's engine and metadata, through Flask-Migrate."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# Keep the app's own loggers when migrations run inside the app (tests, benchmark).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
engine = migrate.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
metadata = migrate.db.metadata


def skip_empty_autogenerate(context, revision, directives):
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    options = dict(migrate.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
