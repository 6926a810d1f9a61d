"""Rate-limit counters that every worker of one host shares, in a small SQLite file.

Flask-Limiter's ``memory://`` counts per worker process, so with three workers every limit is
three times the documented one. This storage keeps the counters in their own SQLite file
(``sqlite:///path``), apart from the forum's database so that counting never waits for a vote's
lock; several hosts share counters through Redis instead (``redis://``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
)
"""


class SQLiteFileStorage(Storage):
    """Fixed-window counters: ``incr`` starts a new window once the old one has expired."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = (uri or "").split(":///", 1)[1] if uri and ":///" in uri else ":memory:"
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread of each process (a forked worker opens its own)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            if self.path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")  # counters, not votes
            connection.execute(SCHEMA)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            (count,) = connection.execute(
                """
                INSERT INTO counters (key, count, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                    count = CASE WHEN expires_at <= ? THEN excluded.count ELSE count + ? END,
                    expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at
                                 ELSE expires_at END
                RETURNING count
                """,
                (key, amount, now + expiry, now, amount, now),
            ).fetchone()
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return int(count)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ?", (key,))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        """Whether counters can be written here (a read-only folder or file cannot)."""
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
        except (sqlite3.Error, OSError):
            self._local.connection = None
            return False
        return True

    def reset(self) -> int | None:
        connection = self._connection()
        (count,) = connection.execute("SELECT count(*) FROM counters").fetchone()
        connection.execute("DELETE FROM counters")
        return int(count)

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))
