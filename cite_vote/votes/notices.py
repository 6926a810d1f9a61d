"""The notices: what staff did to a participant's dots (a merge, a hide), shown to them once.

Moderation writes them (``notify``); the person's next full page shows them and marks them
seen (``show_notices``, which flushes only: the page's view commits). Whether notices wait
for a person is one clause, ``notices_waiting``, that the phone's first reads select
(``accounts.identity.participant_forum``, ``votes.target.challenge_target``).
"""

from __future__ import annotations

from flask import flash
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Exists, Table, and_, exists, select

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.timeutil import utcnow
from cite_vote.votes.models import Notice


def notify(participant_id: int, kind: str, **data) -> None:
    db.session.add(Notice(participant_id=participant_id, kind=kind, data=data))


def unseen(participant_id) -> ColumnElement[bool]:
    """The notices of this person (an id, or a column) not shown yet."""
    notices = Notice.__table__
    return and_(notices.c.participant_id == participant_id, notices.c.seen_at.is_(None))


def notices_waiting(people: Table | None = None) -> Exists:
    """Whether notices wait for the person of each row of ``people`` (the participants table,
    or an alias of it): an EXISTS correlated to it, for ORM and Core selects alike."""
    people = Participant.__table__ if people is None else people
    return exists().where(unseen(people.c.id)).correlate(people)


def notice_text(notice: Notice) -> str:
    """The notice in the reader's language (formatted when shown, not when written)."""
    data = notice.data or {}
    if notice.kind == "hide":
        n = int(data.get("refunded", 0))
        return ngettext(
            "%(num)d dot refunded: idea #%(idea)d was withdrawn by a facilitator.",
            "%(num)d dots refunded: idea #%(idea)d was withdrawn by a facilitator.",
            n,
            idea=data.get("idea", 0),
        )
    if notice.kind == "merge":
        parts = []
        ids = {"idea": data.get("idea", 0), "target": data.get("target", 0)}
        moved, refunded = int(data.get("moved", 0)), int(data.get("refunded", 0))
        if refunded:
            parts.append(
                ngettext(
                    "%(num)d dot refunded: idea #%(idea)d was merged into idea #%(target)d.",
                    "%(num)d dots refunded: idea #%(idea)d was merged into idea #%(target)d.",
                    refunded,
                    **ids,
                )
            )
        if moved:
            parts.append(
                ngettext(
                    "%(num)d dot moved from idea #%(idea)d to idea #%(target)d, "
                    "which it was merged into.",
                    "%(num)d dots moved from idea #%(idea)d to idea #%(target)d, "
                    "which it was merged into.",
                    moved,
                    **ids,
                )
            )
        return " ".join(parts)
    return ""


def take_notices(participant: Participant) -> list[str]:
    """The participant's unseen notices, as text, marked seen: each is shown once."""
    notices = db.session.scalars(
        select(Notice).where(unseen(participant.id)).order_by(Notice.id)
    ).all()
    now = utcnow()
    for notice in notices:
        notice.seen_at = now
    db.session.flush()
    return [text for text in map(notice_text, notices) if text]


def show_notices(participant: Participant) -> bool:
    """Flash the participant's unseen notices and mark them seen, on a full page load (a
    fragment has no message area). Flushes only: the view commits, so a notice counts as
    shown once the page that shows it is answered. Whether there were any."""
    texts = take_notices(participant)
    for text in texts:
        flash(text, "info")
    return bool(texts)
