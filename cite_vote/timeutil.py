"""Naive UTC timestamps everywhere, so SQLite and PostgreSQL compare them alike."""

from datetime import UTC, datetime

EPOCH = datetime(1970, 1, 1)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def seconds_since_epoch(now: datetime) -> int:
    """Whole seconds since 1970 of a naive UTC time: the clock every worker counts turns by."""
    return int((now - EPOCH).total_seconds())
