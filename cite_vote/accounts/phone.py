"""One reader of "this phone's participant and forum": every fast path of a phone starts here.

A phone's request names a forum (its slug) and carries a cookie; whatever it asks next (a
vote, its challenge page, the phase poll's full path) needs the forum, the person holding the
cookie in it, and a few things about the challenge or idea asked for. One statement reads them
all: the forum by slug, the person outer-joined to it, and the *parts* the caller asks for,
each a domain's columns and outer joins (``votes.target``: the idea and its card, the dots
spent, the notices waiting; below: an open challenge's phase). The answer is plain values
(frozen dataclasses with the models' attribute names), never ORM objects: loading four entities
per request cost more than a vote's writes (``bench/profile.py``).

The caller answers as ``forum_by_slug`` + ``require_participant`` do: None (no such forum) is
a 404; no participant is the forum's door.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, select
from sqlalchemy.engine import Connection

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import open_to_participants_clause


@dataclass(frozen=True, slots=True)
class ForumRow:
    id: int
    slug: str
    join_code: str
    dot_budget: int
    dot_cap: int
    show_totals_during_voting: bool
    title: str
    languages: str

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    id: int
    forum_id: int
    display_name: str | None
    shuffle_seed: int


@dataclass(frozen=True, slots=True)
class Part:
    """What a domain adds to the reader: its labelled columns and outer joins (given the
    forums and participants tables), and how it reads its value back from the row."""

    name: str
    columns: Callable[[Any, Any], tuple]
    join: Callable[[Any, Any, Any], Any]
    read: Callable[[Any, ForumRow], Any]


@dataclass(frozen=True, slots=True)
class Phone:
    """The forum, the person holding the cookie (None without one) and each part's value."""

    forum: ForumRow
    participant: ParticipantRow | None
    parts: dict[str, Any]


def read_phone(
    slug: str,
    token_hash: str | None,
    parts: tuple[Part, ...] = (),
    *,
    connection: Connection | None = None,
    **params,
) -> Phone | None:
    """The forum called ``slug``, its participant holding ``token_hash`` and the parts asked
    for, in one statement; None for an unknown forum. ``params`` are the parts' bound values
    (``idea_id``, ``challenge_id``); ``connection`` one of the caller's, else the session's."""
    run = connection.execute if connection is not None else db.session.execute
    row = run(_statement(parts), {"slug": slug, "token_hash": token_hash or "", **params}).first()
    if row is None:
        return None
    forum = ForumRow(
        row.forum_id,
        slug,
        row.join_code,
        row.dot_budget,
        row.dot_cap,
        bool(row.show_totals_during_voting),
        row.forum_title,
        row.languages,
    )
    participant = None
    if row.participant_id is not None:
        participant = ParticipantRow(
            row.participant_id, forum.id, row.display_name, row.shuffle_seed
        )
    return Phone(forum, participant, {part.name: part.read(row, forum) for part in parts})


def holding_token(forums=None, people=None):
    """ "The participant of this forum holding the cookie": the join condition of a forum's row
    (``forums``, the table or an alias) to its person's (``people``), the token's hash bound as
    ``token_hash``. Every reader of a phone's person joins on it."""
    forums = Forum.__table__ if forums is None else forums
    people = Participant.__table__ if people is None else people
    return and_(
        people.c.forum_id == forums.c.id,
        people.c.token_hash == bindparam("token_hash", type_=String),
    )


@functools.cache
def _statement(parts: tuple[Part, ...]):
    """Built once per set of parts, on the tables' columns (no ORM compile step). Without a
    cookie the token hash is empty, which no participant holds."""
    forums, people = Forum.__table__, Participant.__table__
    columns = [
        forums.c.id.label("forum_id"),
        forums.c.join_code,
        forums.c.dot_budget,
        forums.c.dot_cap,
        forums.c.show_totals_during_voting,
        forums.c.title.label("forum_title"),
        forums.c.languages,
        people.c.id.label("participant_id"),
        people.c.display_name,
        people.c.shuffle_seed,
    ]
    for part in parts:
        columns.extend(part.columns(forums, people))
    joined = forums.outerjoin(people, holding_token(forums, people))
    for part in parts:
        joined = part.join(joined, forums, people)
    return (
        select(*columns).select_from(joined).where(forums.c.slug == bindparam("slug", type_=String))
    )


# --- a part every phone path may ask for: the challenge asked for, if open to participants ---

_OPEN = Challenge.__table__.alias("open_challenge")


def _open_join(joined, forums, _people):
    return joined.outerjoin(
        _OPEN,
        and_(
            _OPEN.c.id == bindparam("challenge_id", type_=Integer),
            _OPEN.c.forum_id == forums.c.id,
            open_to_participants_clause(_OPEN),
        ),
    )


OPEN_PHASE = Part(
    "open_phase",
    lambda _forums, _people: (_OPEN.c.phase.label("open_phase"),),
    _open_join,
    lambda row, _forum: row.open_phase,
)
"""The phase of the challenge ``challenge_id`` when it is the forum's and open to participants
(not a draft, not archived), else None: what the phase poll's full path compares."""


def watched_phase(slug: str, challenge_id: int, token_hash: str | None) -> str | None:
    """The phase of a challenge whose page the holder of ``token_hash`` may see, else None.

    For the challenge page's phase poll when it reaches Flask: the reader with the open
    challenge's phase, on a connection of its own (no session to commit). None means "not that
    simple": the caller takes the full path, which answers the forum's door or the 404.
    """
    if not token_hash:
        return None
    with db.engine.connect() as connection:
        phone = read_phone(
            slug, token_hash, (OPEN_PHASE,), connection=connection, challenge_id=challenge_id
        )
    if phone is None or phone.participant is None:
        return None
    return phone.parts["open_phase"]
