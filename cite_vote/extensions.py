"""Extension objects, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from cite_vote import ratelimits  # noqa: F401  (registers the sqlite:/// counters storage)
from cite_vote.tokens import hash_token

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
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Writing limits: no person proposes ten ideas a minute, but a script could. Joining is limited
# per address and forum by the forum's expected size (forums.services.joins_per_minute), since
# a whole room may reach us through one NAT address; wrong join codes per address
# (forums.services.WRONG_CODES_PER_MINUTE).
PROPOSE_LIMIT = "10 per minute"
COMMENT_LIMIT = "20 per minute"


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


def participant_key() -> str:
    """Rate-limit key of the person: their participant cookie, else their address."""
    from flask import current_app

    token = request.cookies.get(current_app.config["PARTICIPANT_COOKIE_NAME"])
    return f"participant:{hash_token(token)}" if token else (f"address:{get_remote_address()}")


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
