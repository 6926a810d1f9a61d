"""The participant on this phone, or the forum's door: every phone page starts here.

``require_participant`` sends a phone without a participant of the forum to its door and shows
a participant the notices waiting for them (``votes.notices``) on a full page;
``participant_forum`` reads the forum, the participant, whether notices wait and the challenge
asked for in one statement. They stand above the domains (the cookie is ``accounts``', the
notices are ``votes``'), with the pages that call them.
"""

from __future__ import annotations

import functools

from flask import abort, request, url_for
from sqlalchemy import Integer, String, bindparam, select

from cite_vote.accounts.identity import cookie_token, current_participant
from cite_vote.accounts.models import Participant
from cite_vote.accounts.phone import holding_token
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.htmx import done, is_htmx
from cite_vote.tokens import hash_token
from cite_vote.votes.notices import notices_waiting, show_notices


def require_participant(
    forum: Forum, participant: Participant | None = None, *, notices: bool = True
) -> Participant:
    """The participant on this phone, or off to the forum's door, which asks for the code.

    The door, never the join page: the address of a forum is in every link and often easy to
    guess, the code is what the room gives (the door leads on by itself only where the
    organiser opened the link, ``forums.join_codes.open_link_code``).
    A cookie can be lost mid-vote: an htmx request then gets HX-Redirect (the whole page goes
    to the door) rather than a 303 that htmx would follow and swap into the idea card.
    ``participant`` is the one the caller already found for the cookie, if any; ``notices``
    False when the caller knows none is waiting.
    """
    participant = participant or current_participant(forum)
    if participant is None:
        abort(done(url_for("forums.door", slug=forum.slug)))
    if notices and request.method == "GET" and not is_htmx():
        show_notices(participant)  # flushes only: the GET view commits after its answer
    return participant


def participant_forum(
    slug: str, challenge_id: int | None = None
) -> tuple[Forum, Participant, Challenge | None]:
    """``forum_by_slug``, ``require_participant`` (with whether notices wait for them) and
    the challenge asked for, in one statement: every page of a phone starts with these.

    The same answers: 404 for an unknown forum, the door without a participant; the
    challenge is None when it is not the forum's (the caller answers 404, as
    ``challenge_in_forum`` does).
    """
    token = cookie_token()
    row = db.session.execute(
        _forum_statement(challenge_id is not None),
        {
            "slug": slug,
            "token_hash": hash_token(token) if token else "",
            "challenge_id": challenge_id,
        },
    ).first()
    if row is None:
        abort(404)
    forum, participant, notices = row[:3]
    participant = require_participant(forum, participant, notices=bool(notices))
    return forum, participant, row[3] if challenge_id is not None else None


@functools.cache
def _forum_statement(with_challenge: bool):
    """``participant_forum``'s statement, built once for each shape (every phone page runs it).
    Without a cookie the token hash is empty, which no participant holds."""
    wanted = select(Forum, Participant, notices_waiting())
    if with_challenge:
        wanted = wanted.add_columns(Challenge)
    wanted = wanted.select_from(Forum).outerjoin(Participant, holding_token())
    if with_challenge:
        wanted = wanted.outerjoin(
            Challenge,
            (Challenge.id == bindparam("challenge_id", type_=Integer))
            & (Challenge.forum_id == Forum.id),
        )
    return wanted.where(Forum.slug == bindparam("slug", type_=String))
