"""Secrets handed to people, and the signatures only the server can make.

A token (the participant cookie, the projector's link, a read-only results link) is random;
only its hash is stored, so a copy of the database opens nothing. ``hash_token`` is that hash,
written once: the database's columns, the poll answered before Flask and the rate limits'
keys all compare the same value. ``sign`` is the short HMAC the polls carry (cite_vote.polls).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    """A fresh secret: ``nbytes`` random bytes, URL-safe."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """What is stored of a token: its SHA-256, in lowercase hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: str | bytes, *parts) -> str:
    """A short HMAC of ``parts``: only the server can make it, any worker can check it."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = "\x1f".join("" if part is None else str(part) for part in parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]
