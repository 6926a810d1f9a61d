"""The notices: what staff did to a participant's dots (a merge, a hide), shown to them once.

Moderation writes them (``notify``); the person's next full page shows them and marks them
seen (``show_notices``, which flushes only: the page's view commits). Whether notices wait
for a person is one clause, ``notices_waiting``, that the phone's first reads select
(``phone.participant.participant_forum``, ``votes.target.challenge_target``).
"""

from __future__ import annotations

from flask import flash
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Exists, Table, and_, exists, select

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.ideas.models import Idea
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


def notice_text(notice: Notice, titles: dict[int, str] | None = None) -> str:
    """The notice in the reader's language (formatted when shown, not when written). Ideas are
    named by their title (``titles``: id -> title), never by an internal number."""
    data = notice.data or {}
    titles = titles or {}

    def title(key: str) -> str:
        return titles.get(int(data.get(key, 0)), "…")

    if notice.kind == "hide":
        n = int(data.get("refunded", 0))
        return ngettext(
            "%(num)d dot refunded: the idea “%(idea)s” was withdrawn by a facilitator.",
            "%(num)d dots refunded: the idea “%(idea)s” was withdrawn by a facilitator.",
            n,
            idea=title("idea"),
        )
    if notice.kind == "merge":
        parts = []
        ideas = {"idea": title("idea"), "target": title("target")}
        moved, refunded = int(data.get("moved", 0)), int(data.get("refunded", 0))
        if refunded:
            parts.append(
                ngettext(
                    "%(num)d dot refunded: the idea “%(idea)s” was merged into “%(target)s”.",
                    "%(num)d dots refunded: the idea “%(idea)s” was merged into “%(target)s”.",
                    refunded,
                    **ideas,
                )
            )
        if moved:
            parts.append(
                ngettext(
                    "%(num)d dot moved from the idea “%(idea)s” to “%(target)s”, "
                    "which it was merged into.",
                    "%(num)d dots moved from the idea “%(idea)s” to “%(target)s”, "
                    "which it was merged into.",
                    moved,
                    **ideas,
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
    named = {int(v) for n in notices for k, v in (n.data or {}).items() if k in ("idea", "target")}
    titles = dict(db.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(named))).all())
    return [text for text in (notice_text(n, titles) for n in notices) if text]


def show_notices(participant: Participant) -> bool:
    """Flash the participant's unseen notices and mark them seen, on a full page load (a
    fragment has no message area). Flushes only: the view commits, so a notice counts as
    shown once the page that shows it is answered. Whether there were any."""
    texts = take_notices(participant)
    for text in texts:
        flash(text, "info")
    return bool(texts)
