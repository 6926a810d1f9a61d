"""Extension objects, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
babel = Babel()


def init_migrations(app) -> None:
    """``flask db …`` (Flask-Migrate, Alembic), for every process but a web worker.

    Alembic, Mako and Pygments are 5 MB of a worker's memory that no request uses: gunicorn's
    workers never load them. The CLI, the tests and scripts get them as before.
    """
    import sys

    if "gunicorn" in sys.modules and not app.config.get("TESTING"):
        return
    from flask_migrate import Migrate

    from cite_vote.paths import ROOT

    Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers and the writer work at once; foreign keys are off in SQLite by default.

    The busy timeout is the driver's ``timeout`` (see ``config.engine_options``).
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ping_with_begin(engine) -> None:
    """On PostgreSQL, the pool's check of a connection before each use opens the transaction.

    ``pool_pre_ping`` sends a statement before each checkout so that a connection the server
    dropped (a restart) is replaced instead of failing the request. psycopg then sends BEGIN
    before the request's first statement: two round trips before any work, and a poll that
    reads one row paid BEGIN, the ping, its read and a ROLLBACK (four; ``bench/profile.py``).
    Here the ping is that BEGIN: one round trip checks the connection and opens the transaction
    psycopg would open next (it sends no BEGIN into a transaction already open). A connection
    that fails it is replaced as before.
    """
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    import psycopg
    from psycopg import pq

    default = engine.dialect.do_ping

    def do_ping(dbapi_connection) -> bool:
        pgconn = dbapi_connection.pgconn
        if dbapi_connection.autocommit or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return default(dbapi_connection)
        with dbapi_connection.lock:
            result = pgconn.exec_(b"BEGIN")
        if result.status != pq.ExecStatus.COMMAND_OK:
            # Only a connection the server dropped fails a BEGIN (its last words, "terminating
            # connection", may arrive before libpq sees the socket closed): closed here, the
            # pool knows it for a disconnect and opens a new one, as after its own ping.
            message = pgconn.get_error_message() or "the connection is lost"
            dbapi_connection.close()
            raise psycopg.OperationalError(message)
        return True

    engine.dialect.do_ping = do_ping
