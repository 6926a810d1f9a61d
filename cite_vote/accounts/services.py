"""Participant identity: a random token in a long-lived cookie, only its hash in the database."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cite_vote.accounts.models import Participant
from cite_vote.errors import NotAllowed, RuleError
from cite_vote.extensions import db
from cite_vote.forums.models import Forum

NAME_MAX = 80


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def participant_for_token(forum: Forum, token: str | None) -> Participant | None:
    if not token:
        return None
    return db.session.scalar(
        select(Participant).where(
            Participant.forum_id == forum.id, Participant.token_hash == hash_token(token)
        )
    )


def _clean_profile(forum: Forum, display_name: str | None, category: str | None):
    name = (display_name or "").strip() or None
    if name and len(name) > NAME_MAX:
        raise RuleError(_l("The name is too long."))
    category = (category or "").strip() or None
    if category and category not in forum.categories:
        raise RuleError(_l("Unknown category."))
    return name, category


def join_forum(
    forum: Forum,
    token: str,
    *,
    display_name: str | None = None,
    category: str | None = None,
    via_ticket: bool = False,
) -> Participant:
    """The participant this token is in the forum, created on first join.

    Joining again with the same token updates the profile instead of creating a second
    participant, so a person who rejoins keeps their dots.
    """
    if forum.tickets_required and not via_ticket:
        raise NotAllowed(_l("This forum is joined with a printed ticket: scan its QR code."))
    name, category = _clean_profile(forum, display_name, category)
    participant = participant_for_token(forum, token)
    if participant is None:
        participant = Participant(
            forum_id=forum.id,
            token_hash=hash_token(token),
            shuffle_seed=secrets.randbelow(2**31),
        )
        db.session.add(participant)
    participant.display_name = name
    participant.category = category
    db.session.flush()
    return participant
