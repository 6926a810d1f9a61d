"""Settings from the environment, with embedded defaults that are safe for development.

Every setting is read from a ``CITE_VOTE_*`` environment variable. In production
(``CITE_VOTE_ENV=production``) the app refuses to start with a secret key that is not a secret:
the development key, a value written in our docs, a key shorter than 32 characters, or one
whose characters are too few or too regular to be random (``secret_key_problem``), and
without ``CITE_VOTE_DATABASE_URL`` (never a new SQLite file in place of the real database).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"
SECRET_KEY_MIN = 32
# Every value of CITE_VOTE_SECRET_KEY that our docs and examples show: copied as it is, it is a
# key anyone can read (tests/test_config.py checks every such value in docs/ and README is here).
DOCUMENTED_SECRET_KEYS = frozenset({DEV_SECRET_KEY, "change-me-to-a-long-random-value"})
# A key's estimated randomness, from how often each of its characters occurs (its Shannon
# entropy times its length): 32 random URL-safe characters give about 146 bits, 32 hexadecimal
# ones about 116, 48 times the same letter 0. The floors sit far below what any random key of 32
# characters or more can draw: 32 hexadecimal characters (`openssl rand -hex 16`) fell to 88 bits
# and 8 different characters once in a million draws, and a floor of 96 bits and 10 characters
# refused one such key in ten thousand. Below 72 bits or 7 characters, a key is a word or a
# pattern, not a draw.
SECRET_KEY_MIN_BITS = 72
SECRET_KEY_MIN_DISTINCT = 7
MAKE_A_KEY = '`python3 -c "import secrets; print(secrets.token_urlsafe(48))"`'


class ConfigError(RuntimeError):
    """The environment describes a configuration we refuse to run with."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key_problem(secret: str) -> str | None:
    """Why ``secret`` is no secret, in words; None when it will do."""
    if secret in DOCUMENTED_SECRET_KEYS:
        return "is a value written in the documentation, which anyone can read"
    if len(secret) < SECRET_KEY_MIN:
        return f"has {len(secret)} characters"
    for period in range(1, len(secret) // 2 + 1):
        if secret == (secret[:period] * (len(secret) // period + 1))[: len(secret)]:
            return "repeats the same few characters"
    counts = Counter(secret)
    bits = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    if len(counts) < SECRET_KEY_MIN_DISTINCT or bits < SECRET_KEY_MIN_BITS:
        return "is not random enough (too few different characters)"
    return None


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from ``os.environ``."""
    env = os.environ
    production = env.get("CITE_VOTE_ENV", "development") == "production"
    secret = (env.get("CITE_VOTE_SECRET_KEY") or "").strip()
    if not secret:
        key_file = Path(instance_path) / "secret_key"
        secret = key_file.read_text().strip() if key_file.exists() else DEV_SECRET_KEY
    problem = secret_key_problem(secret) if production else None
    if problem:
        # The key signs the staff sessions: one that can be guessed forges an organiser's cookie.
        raise ConfigError(
            f"CITE_VOTE_SECRET_KEY {problem}. Production needs a random value of at least "
            f"{SECRET_KEY_MIN} characters: make one with {MAKE_A_KEY} and put it in the "
            "settings file (docs/deploy.md)."
        )
    public_url = env.get("CITE_VOTE_PUBLIC_URL", "").strip().rstrip("/")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigError("CITE_VOTE_PUBLIC_URL must start with http:// or https://.")
    database_url = (env.get("CITE_VOTE_DATABASE_URL") or "").strip()
    if production and not database_url:
        # A command run from a shell that did not read the service's settings would otherwise
        # make, migrate or back up a new, empty SQLite file and say it went well.
        raise ConfigError(
            "CITE_VOTE_DATABASE_URL is not set: production never falls back to a new SQLite "
            "file under instance/. Run commands as `cite-vote --env-file /etc/cite-vote/env "
            "...` (docs/deploy.md), or set it in the settings file."
        )
    database_url = database_url or "sqlite:///" + str(Path(instance_path) / "cite_vote.sqlite3")
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # How long a request waits for the database before answering 503 (busy / away): well
        # under htmx's 15 s, so the phone hears "not saved, retry" instead of timing out.
        "DATABASE_BUSY_TIMEOUT": float(env.get("CITE_VOTE_DATABASE_BUSY_TIMEOUT", "5")),
        "DATABASE_CONNECT_TIMEOUT": int(env.get("CITE_VOTE_DATABASE_CONNECT_TIMEOUT", "5")),
        # Connections each worker's pool keeps (PostgreSQL): gunicorn.conf.py gives its threads.
        "DB_POOL_SIZE": int(env.get("CITE_VOTE_DB_POOL_SIZE") or 5),
        "PRODUCTION": production,
        # The address phones use (printed links, QR codes, tickets); empty: the request's own.
        "PUBLIC_URL": public_url or None,
        # How many reverse proxies stand in front of the app (their X-Forwarded-* are trusted).
        "PROXY_COUNT": int(env.get("CITE_VOTE_PROXY_COUNT", "0")),
        # Who answers about accessibility (the statement at /accessibilite): e-mail, address...
        "ACCESSIBILITY_CONTACT": env.get("CITE_VOTE_ACCESSIBILITY_CONTACT", "").strip() or None,
        # A phone stays on a page for hours: the CSRF token must not expire under it.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("CITE_VOTE_SECURE_COOKIES"), production),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        # Staff logins from other machines over plain HTTP (a laptop serving the room with
        # `make run HOST=0.0.0.0`): refused unless set, since the password crosses in clear.
        "STAFF_OVER_PLAIN_HTTP": _bool(env.get("CITE_VOTE_STAFF_OVER_PLAIN_HTTP"), False),
        "STAFF_SESSION_HOURS": int(env.get("CITE_VOTE_STAFF_SESSION_HOURS", "12")),
        "PARTICIPANT_COOKIE_NAME": "cite_vote_participant",
        "PARTICIPANT_COOKIE_DAYS": int(env.get("CITE_VOTE_PARTICIPANT_COOKIE_DAYS", "400")),
        "BABEL_DEFAULT_LOCALE": "fr",
        # Times are stored in UTC and shown in the room's time zone.
        "BABEL_DEFAULT_TIMEZONE": env.get("CITE_VOTE_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ["fr", "en"],
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Every worker of this host counts in one file (cite_vote.limit_storage); several hosts
        # share their counters through Redis (redis://...).
        "RATELIMIT_STORAGE_URI": env.get(
            "CITE_VOTE_RATELIMIT_STORAGE_URI",
            "sqlite:///" + str(Path(instance_path) / "ratelimits.sqlite3"),
        ),
        # Several deployments may share one Redis: each counts under its own prefix.
        "RATELIMIT_KEY_PREFIX": env.get("CITE_VOTE_RATELIMIT_KEY_PREFIX", "cite-vote"),
        # A limiter whose storage fails lets people through (and logs): never a locked room.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_ENABLED": _bool(env.get("CITE_VOTE_RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
    }


def engine_options(config: dict) -> dict:
    """SQLAlchemy engine options for the configured database, with its time limits.

    SQLite waits at most ``DATABASE_BUSY_TIMEOUT`` seconds for another writer's lock (a
    backup, a long staff action, an outside connection); PostgreSQL gives up connecting after
    ``DATABASE_CONNECT_TIMEOUT`` seconds, so an unreachable server does not hang the workers,
    and waits for a row lock no longer than SQLite waits for its lock.
    Connections are checked before use, so a restarted server costs one failed request at most.
    """
    url = str(config["SQLALCHEMY_DATABASE_URI"])
    options: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": config["DATABASE_BUSY_TIMEOUT"]}
    elif url.startswith("postgresql"):
        options["connect_args"] = {
            "connect_timeout": config["DATABASE_CONNECT_TIMEOUT"],
            # A lock held elsewhere (a long script, a stuck transaction) times out like SQLite's.
            "options": f"-c lock_timeout={int(config['DATABASE_BUSY_TIMEOUT'] * 1000)}",
        }
        options["pool_timeout"] = config["DATABASE_BUSY_TIMEOUT"]
        # One connection per thread of the worker (gunicorn.conf.py sets it to its threads), and
        # as many again for a burst: workers x 2 x threads stay under max_connections
        # (docs/deploy.md).
        pool_size = int(config.get("DB_POOL_SIZE") or 5)
        options["pool_size"] = pool_size
        options["max_overflow"] = pool_size
    return {**options, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
