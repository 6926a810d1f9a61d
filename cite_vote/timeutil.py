"""Naive UTC timestamps everywhere, so SQLite and PostgreSQL compare them alike."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
