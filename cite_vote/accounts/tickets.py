"""Printed tickets: one QR code each, for events that need one person, one budget.

The organiser generates and prints them (control/forum.py); a phone claims one at /t/<code>
(phone/forum.py). A ticket binds to one phone only, even when two phones scan it at the same
moment. The model, ``accounts.models.Ticket``, points to the participant it binds.
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update

from cite_vote.accounts.models import Participant, Ticket
from cite_vote.accounts.services import clean_profile, new_participant, participant_for_token
from cite_vote.extensions import db
from cite_vote.forums.join_codes import JOIN_CODE_ALPHABET, normalise_code
from cite_vote.forums.models import Forum
from cite_vote.refusals import RuleError
from cite_vote.timeutil import utcnow

TICKET_CODE_LENGTH = 10  # 31**10 ≈ 8·10^14 codes: not guessed by trying, short enough to type
TICKETS_PER_BATCH = 500
TICKETS_PER_FORUM = 5000


def new_ticket_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(TICKET_CODE_LENGTH))


def ticket_counts(forum: Forum) -> tuple[int, int]:
    """(tickets printed, tickets used)."""
    total, used = db.session.execute(
        select(func.count(Ticket.id), func.count(Ticket.used_at)).where(Ticket.forum_id == forum.id)
    ).one()
    return total, used


def generate_tickets(forum: Forum, count: int) -> list[Ticket]:
    if not 1 <= count <= TICKETS_PER_BATCH:
        raise RuleError(_l("Generate between 1 and 500 tickets at a time."))
    total, _used = ticket_counts(forum)
    if total + count > TICKETS_PER_FORUM:
        raise RuleError(_l("A forum has at most 5000 tickets."))
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_ticket_code())
    # A collision with an existing code is astronomically unlikely; check anyway.
    taken = set(db.session.scalars(select(Ticket.code).where(Ticket.code.in_(codes))))
    while taken:
        codes -= taken
        while len(codes) < count:
            codes.add(new_ticket_code())
        taken = set(db.session.scalars(select(Ticket.code).where(Ticket.code.in_(codes))))
    tickets = [Ticket(forum_id=forum.id, code=code) for code in sorted(codes)]
    db.session.add_all(tickets)
    db.session.flush()
    return tickets


def forum_tickets(
    forum: Forum, *, unused_only: bool = False, first: int | None = None, last: int | None = None
) -> Select[tuple[Ticket]]:
    query = select(Ticket).where(Ticket.forum_id == forum.id).order_by(Ticket.id)
    if unused_only:
        query = query.where(Ticket.used_at.is_(None))
    if first is not None:
        query = query.where(Ticket.id >= first)
    if last is not None:
        query = query.where(Ticket.id <= last)
    return query


def ticket_by_code(code: str) -> Ticket | None:
    code = normalise_code(code)
    if not code or len(code) > 24:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.code == code))


def ticket_forum(ticket: Ticket) -> Forum:
    return db.session.get(Forum, ticket.forum_id)


def ticket_holder(ticket: Ticket, token: str | None) -> bool:
    """Whether the phone with this token is the one the ticket is bound to."""
    if not token or ticket.participant_id is None:
        return False
    participant = participant_for_token(ticket_forum(ticket), token)
    return participant is not None and participant.id == ticket.participant_id


def bind_ticket(
    ticket: Ticket,
    token: str,
    *,
    display_name: str | None = None,
    category: str | None = None,
) -> Participant:
    """Make the phone with ``token`` the ticket's participant; a ticket binds only once.

    The ticket is claimed with a conditional UPDATE, so two phones scanning the same ticket at
    the same moment cannot both get it: the second one's participant is rolled back.
    """
    forum = ticket_forum(ticket)
    clean_profile(forum, display_name, category)  # a bad name or category is said first
    if ticket.used_at is not None:
        raise RuleError(
            _l("This ticket has already been used on another phone. Ask the organisers for one.")
        )
    if participant_for_token(forum, token) is not None:
        raise RuleError(_l("This phone is already in the forum: give this ticket to someone else."))
    participant = new_participant(forum, token=token, display_name=display_name, category=category)
    claimed = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.used_at.is_(None))
        .values(participant_id=participant.id, used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise RuleError(
            _l("This ticket has already been used on another phone. Ask the organisers for one.")
        )
    db.session.refresh(ticket)
    return participant
