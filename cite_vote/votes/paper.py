"""Printed ballot sheets: paper and phones in one tally.

A table votes on a printed sheet (one per table, dots or numbers beside each idea); a
facilitator or an organiser types the counted sheet in: its number, how many people voted on
it, optionally their category, and the dots each idea received. The rules are those of a
phone, scaled by the people: no idea above people × cap, no total above people × budget. A
sheet that breaks them is refused, line named, and nothing is stored.

A sheet's dots are held by a participant row of its own (no token: nobody can act as it; not
counted in the room, given no receipt), so the ranking, the breakdowns, the exports and the
screen count them with the phones'. Every change to them goes through the ledger with the
reason ``paper``; an idea merged or hidden after printing is handled as for phones (the merge
moves the sheet's dots within its cap, a hide gives them back), and the sheet's page says so.
A sheet can be corrected until the challenge closes: each entry is kept (``PaperEntry``), the
latest is the sheet's. The sealed record publishes each sheet as a ballot of its own kind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update

from cite_vote.accounts.models import Participant
from cite_vote.accounts.services import new_participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea
from cite_vote.refusals import RuleError, Unknown
from cite_vote.votes.models import Ballot, PaperEntry, PaperPolicy, PaperSheet, Vote
from cite_vote.votes.services import hold_challenge, lock_ballot, move_dots

# A table, not a hall: more people than this on one sheet is a typing error.
PEOPLE_MAX = 200
SHEET_NUMBER_MAX = 9999
# Sheets printed at once (each is a page with a QR code): about 10 s of WeasyPrint for 40 sheets
# of 10 ideas on a busy 2-core machine, well within a worker's 30 s timeout.
SHEETS_PER_PRINT = 40
# The photo of a sheet: a phone's camera picture, kept with the sheet.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
# The idea statuses a sheet may name: those printed (a pending idea was never on a sheet).
PRINTED_STATUSES = ("visible", "merged", "hidden")


@dataclass(frozen=True)
class SheetLine:
    """One line of a sheet as entered, and where its dots went."""

    idea: Idea
    written: int
    counted_on: Idea | None  # the idea the dots count for (a merge's target), None if hidden


def photo_type(data: bytes) -> str | None:
    """The image type of ``data`` from its first bytes (JPEG or PNG), or None."""
    for magic, kind in PHOTO_TYPES.items():
        if data.startswith(magic):
            return kind
    return None


def check_photo(data: bytes | None) -> str | None:
    """The photo's type; a RuleError when it is too large (413) or not a picture (422)."""
    if not data:
        return None
    if len(data) > PHOTO_MAX_BYTES:
        raise PhotoTooLarge(_l("The photo is too large: at most 5 MB."))
    kind = photo_type(data)
    if kind is None:
        raise PhotoRefused(_l("The photo must be a JPEG or PNG picture."))
    return kind


class PhotoRefused(RuleError):
    status = 422


class PhotoTooLarge(PhotoRefused):
    status = 413


class SheetRefused(RuleError):
    """A sheet breaking the rules: 422, with the line it names."""

    status = 422


def printed_ideas(challenge: Challenge) -> Select[tuple[Idea]]:
    """The ideas a sheet may name, in the order the sheet prints them."""
    return (
        select(Idea)
        .where(Idea.challenge_id == challenge.id, Idea.status.in_(PRINTED_STATUSES))
        .order_by(Idea.created_at, Idea.id)
    )


def sheet_ideas(challenge: Challenge) -> Select[tuple[Idea]]:
    """The ideas printed on a new sheet: the visible ones."""
    return (
        select(Idea)
        .where(Idea.challenge_id == challenge.id, Idea.status == "visible")
        .order_by(Idea.created_at, Idea.id)
    )


def final_idea(idea: Idea, by_id: dict[int, Idea]) -> Idea | None:
    """Where an idea's dots count: itself if visible, its merge target's (followed), else none."""
    seen = set()
    while idea is not None and idea.status == "merged" and idea.id not in seen:
        seen.add(idea.id)
        idea = by_id.get(idea.merged_into_id)
    return idea if idea is not None and idea.status == "visible" else None


def sheet_by_number(challenge: Challenge, number: int) -> PaperSheet | None:
    return db.session.scalar(
        select(PaperSheet).where(
            PaperSheet.challenge_id == challenge.id, PaperSheet.number == number
        )
    )


def challenge_sheets(challenge: Challenge) -> Select[tuple[PaperSheet]]:
    return (
        select(PaperSheet)
        .where(PaperSheet.challenge_id == challenge.id)
        .order_by(PaperSheet.number)
    )


def latest_entry(sheet: PaperSheet) -> PaperEntry:
    return db.session.scalars(
        select(PaperEntry).where(PaperEntry.sheet_id == sheet.id).order_by(PaperEntry.id.desc())
    ).first()


def sheet_history(sheet: PaperSheet) -> list[PaperEntry]:
    return list(
        db.session.scalars(
            select(PaperEntry).where(PaperEntry.sheet_id == sheet.id).order_by(PaperEntry.id)
        )
    )


def check_sheet(
    forum: Forum, ideas: list[Idea], people: int, dots: dict[int, int]
) -> dict[int, int]:
    """The sheet's rule, line by line, on the dots as written; the dots by idea, zeros dropped.

    Raises ``SheetRefused`` naming the first line that breaks the rule.
    """
    if not 1 <= people <= PEOPLE_MAX:
        raise SheetRefused(
            _l("People on the sheet: give a whole number from 1 to %(max)d.", max=PEOPLE_MAX)
        )
    by_id = {idea.id: idea for idea in ideas}
    cap, budget = people * forum.dot_cap, people * forum.dot_budget
    written: dict[int, int] = {}
    for idea_id, count in dots.items():
        idea = by_id.get(idea_id)
        if idea is None:
            raise Unknown(_l("An idea of this sheet is not an idea of this challenge."))
        if count < 0:
            raise SheetRefused(_l("Line “%(title)s”: a negative number of dots.", title=idea.title))
        if count > cap:
            raise SheetRefused(
                _l(
                    "Line “%(title)s”: %(dots)d dots, more than %(people)d people × "
                    "%(cap)d per idea = %(max)d.",
                    title=idea.title,
                    dots=count,
                    people=people,
                    cap=forum.dot_cap,
                    max=cap,
                )
            )
        if count:
            written[idea_id] = count
    total = sum(written.values())
    if total > budget:
        raise SheetRefused(
            _l(
                "Total: %(dots)d dots, more than %(people)d people × %(budget)d dots = %(max)d.",
                dots=total,
                people=people,
                budget=forum.dot_budget,
                max=budget,
            )
        )
    return written


def counted_dots(ideas: list[Idea], written: dict[int, int], cap: int) -> dict[int, int]:
    """The dots as they count today: a merged idea's on its target within the sheet's cap, a
    hidden idea's given back (as a phone's would be)."""
    by_id = {idea.id: idea for idea in ideas}
    counted: dict[int, int] = {}
    # The visible ideas first, so that a merge tops up what the sheet already gives the target.
    for idea_id in sorted(written, key=lambda i: by_id[i].status != "visible"):
        target = final_idea(by_id[idea_id], by_id)
        if target is None:
            continue
        room = cap - counted.get(target.id, 0)
        if room > 0:
            counted[target.id] = counted.get(target.id, 0) + min(room, written[idea_id])
    return counted


def sheet_lines(sheet: PaperSheet, entry: PaperEntry, ideas: list[Idea]) -> list[SheetLine]:
    """What the sheet says, idea by idea, with where each line's dots count today."""
    by_id = {idea.id: idea for idea in ideas}
    written = {int(k): v for k, v in entry.dots.items()}
    return [
        SheetLine(idea=idea, written=written.get(idea.id, 0), counted_on=final_idea(idea, by_id))
        for idea in ideas
        if idea.status == "visible" or written.get(idea.id)
    ]


def enter_sheet(
    challenge: Challenge,
    *,
    number: int,
    people: int,
    category: str | None,
    dots: dict[int, int],
    staff_id: int | None,
    staff_role: str,
    correcting: bool = False,
    photo: bytes | None = None,
) -> PaperSheet:
    """Enter a counted sheet, or correct one (``correcting``): every rule first, then the dots.

    A first entry of a number already entered is refused (it is a correction, on the sheet's
    page); a correction replaces the sheet's dots through the ledger, the old entry stays.
    """
    forum = challenge.forum
    if not 1 <= number <= SHEET_NUMBER_MAX:
        raise SheetRefused(
            _l("Sheet number: give a whole number from 1 to %(max)d.", max=SHEET_NUMBER_MAX)
        )
    if category and category not in forum.categories:
        raise SheetRefused(_l("This category is not one of the forum's."))
    kind = check_photo(photo)
    hold_challenge(challenge.id, exclusive=True)
    db.session.refresh(challenge)
    if challenge.phase != "voting":
        raise RuleError(
            _l("Voting is not open on this challenge: its sheets can no longer be entered.")
        )
    ideas = list(db.session.scalars(printed_ideas(challenge)))
    written = check_sheet(forum, ideas, people, dots)
    sheet = sheet_by_number(challenge, number)
    if sheet is None and correcting:
        raise Unknown()
    if sheet is not None and not correcting:
        raise RuleError(
            _l(
                "Sheet %(num)d has already been entered. Open it to correct it.",
                num=number,
            )
        )
    if sheet is None:
        holder = new_participant(forum, category=category or None)
        sheet = PaperSheet(
            challenge_id=challenge.id,
            number=number,
            participant_id=holder.id,
            people=people,
            category=category or None,
        )
        db.session.add(sheet)
    else:
        sheet.people = people
        sheet.category = category or None
        holder = db.session.get(Participant, sheet.participant_id)
        holder.category = category or None
    db.session.flush()
    if photo is None and correcting:  # a correction keeps the photo already given
        previous = latest_entry(sheet)
        photo, kind = previous.photo, previous.photo_type
    db.session.add(
        PaperEntry(
            sheet_id=sheet.id,
            people=people,
            category=category or None,
            dots={str(k): v for k, v in sorted(written.items())},
            staff_id=staff_id,
            staff_role=staff_role,
            photo=photo,
            photo_type=kind,
        )
    )
    _set_sheet_dots(sheet, challenge, counted_dots(ideas, written, people * forum.dot_cap))
    db.session.flush()
    return sheet


def _set_sheet_dots(sheet: PaperSheet, challenge: Challenge, wanted: dict[int, int]) -> None:
    """Bring the sheet's votes to ``wanted`` through the ledger (reason ``paper``)."""
    forum = challenge.forum
    budget = sheet.people * forum.dot_budget
    lock_ballot(sheet.participant_id, challenge.id)
    held = dict(
        db.session.execute(
            select(Vote.idea_id, Vote.dots).where(
                Vote.participant_id == sheet.participant_id, Vote.challenge_id == challenge.id
            )
        ).all()
    )
    ideas = {
        i.id: i
        for i in db.session.scalars(select(Idea).where(Idea.id.in_(set(held) | set(wanted))))
    }
    changes = [(idea_id, wanted.get(idea_id, 0) - held.get(idea_id, 0)) for idea_id in ideas]
    # Give back before taking, so a smaller sheet never passes its new budget on the way.
    for idea_id, delta in sorted(changes, key=lambda c: c[1]):
        if not delta:
            continue
        spent = move_dots(
            sheet.participant_id,
            ideas[idea_id],
            delta,
            budget=budget,
            reason="paper",
            has_vote=idea_id in held,
            forum_id=forum.id,
        )
        if spent is None:
            raise RuntimeError(f"sheet {sheet.id}: its ballot disagrees with its votes")
    db.session.execute(
        update(Vote)
        .where(Vote.participant_id == sheet.participant_id, Vote.challenge_id == challenge.id)
        .values(category=sheet.category)
    )


# --- what other parts read: the sheets' holders, limits and counts ---------------------------


def paper_holders() -> Select[tuple[int]]:
    """The participant rows that hold a sheet's dots (not people: no receipt, no room count)."""
    return select(PaperSheet.participant_id)


def paper_dots(challenge_ids: list[int]) -> dict[int, int]:
    """Per idea, the dots that came from paper."""
    if not challenge_ids:
        return {}
    rows = db.session.execute(
        select(Vote.idea_id, func.sum(Vote.dots))
        .join(PaperSheet, PaperSheet.participant_id == Vote.participant_id)
        .where(Vote.challenge_id.in_(challenge_ids), Vote.dots > 0)
        .group_by(Vote.idea_id)
    )
    return {idea_id: int(total) for idea_id, total in rows}


@dataclass(frozen=True)
class PaperCounts:
    sheets: int
    people: int
    dots: int
    entries_by_role: dict[str, int]


def paper_counts(challenge_ids: list[int]) -> PaperCounts:
    """Sheets, people and dots from paper, and who entered them (entries by role)."""
    if not challenge_ids:
        return PaperCounts(0, 0, 0, {})
    sheets, people = db.session.execute(
        select(func.count(PaperSheet.id), func.coalesce(func.sum(PaperSheet.people), 0)).where(
            PaperSheet.challenge_id.in_(challenge_ids)
        )
    ).one()
    dots = sum(paper_dots(challenge_ids).values())
    roles = dict(
        db.session.execute(
            select(PaperEntry.staff_role, func.count(PaperEntry.id))
            .join(PaperSheet, PaperSheet.id == PaperEntry.sheet_id)
            .where(PaperSheet.challenge_id.in_(challenge_ids))
            .group_by(PaperEntry.staff_role)
        ).all()
    )
    return PaperCounts(int(sheets), int(people), dots, roles)


def voting_sheets(challenge_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per challenge, the sheets that hold dots and the people who voted on them: a sheet is
    one ballot among the voters (``Ballot.dots_spent > 0``) but stands for its people."""
    if not challenge_ids:
        return {}
    rows = db.session.execute(
        select(PaperSheet.challenge_id, func.count(PaperSheet.id), func.sum(PaperSheet.people))
        .join(
            Ballot,
            (Ballot.participant_id == PaperSheet.participant_id)
            & (Ballot.challenge_id == PaperSheet.challenge_id),
        )
        .where(PaperSheet.challenge_id.in_(challenge_ids), Ballot.dots_spent > 0)
        .group_by(PaperSheet.challenge_id)
    ).all()
    return {challenge_id: (int(sheets), int(people)) for challenge_id, sheets, people in rows}


def record_sheets(challenge_id: int) -> list[dict]:
    """The sealed record's sheets: number, people, final dots per idea (by idea ascending)."""
    rows = db.session.execute(
        select(PaperSheet.number, PaperSheet.people, Vote.idea_id, Vote.dots)
        .outerjoin(
            Vote,
            (Vote.participant_id == PaperSheet.participant_id)
            & (Vote.challenge_id == PaperSheet.challenge_id)
            & (Vote.dots > 0),
        )
        .where(PaperSheet.challenge_id == challenge_id)
        .order_by(PaperSheet.number, Vote.idea_id)
    )
    out: list[dict] = []
    for number, people, idea_id, dots in rows:
        if not out or out[-1]["sheet"] != number:
            out.append({"sheet": number, "people": people, "dots": []})
        if idea_id is not None:
            out[-1]["dots"].append({"idea": idea_id, "dots": dots})
    return out


@dataclass(frozen=True)
class SheetTimes:
    number: int
    entered_at: datetime
    corrected_at: datetime | None


def sheet_times(challenge_id: int) -> list[SheetTimes]:
    """When each sheet was entered, and last corrected: for the staff's timeline."""
    rows = db.session.execute(
        select(PaperSheet.number, func.min(PaperEntry.created_at), func.max(PaperEntry.created_at))
        .add_columns(func.count(PaperEntry.id))
        .join(PaperEntry, PaperEntry.sheet_id == PaperSheet.id)
        .where(PaperSheet.challenge_id == challenge_id)
        .group_by(PaperSheet.number)
        .order_by(func.min(PaperEntry.created_at), PaperSheet.number)
    )
    return [
        SheetTimes(number, first, last if entries > 1 else None)
        for number, first, last, entries in rows
    ]


def sheet_photos(challenge_ids: list[int]) -> list[dict]:
    """Each sheet's photo (its latest entry's), for the log when the organiser publishes them:
    ``{"challenge_id", "sheet", "type", "sha256"}``. Not sealed: the organiser may decide after
    the closing; the hash lets a reader check the file they fetch."""
    if not challenge_ids:
        return []
    latest = select(func.max(PaperEntry.id)).group_by(PaperEntry.sheet_id).scalar_subquery()
    rows = db.session.execute(
        select(PaperSheet.challenge_id, PaperSheet.number, PaperEntry.photo_type, PaperEntry.photo)
        .join(PaperEntry, PaperEntry.sheet_id == PaperSheet.id)
        .where(
            PaperSheet.challenge_id.in_(challenge_ids),
            PaperEntry.id.in_(latest),
            PaperEntry.photo.is_not(None),
        )
        .order_by(PaperSheet.challenge_id, PaperSheet.number)
    )
    return [
        {
            "challenge_id": challenge_id,
            "sheet": number,
            "type": kind,
            "sha256": hashlib.sha256(photo).hexdigest(),
        }
        for challenge_id, number, kind, photo in rows
    ]


def sheet_photo(challenge_id: int, number: int) -> tuple[bytes, str] | None:
    """The photo of a sheet as it counts now (its latest entry's), or None."""
    row = db.session.execute(
        select(PaperEntry.photo, PaperEntry.photo_type)
        .join(PaperSheet, PaperSheet.id == PaperEntry.sheet_id)
        .where(PaperSheet.challenge_id == challenge_id, PaperSheet.number == number)
        .order_by(PaperEntry.id.desc())
        .limit(1)
    ).first()
    if row is None or row.photo is None:
        return None
    return row.photo, row.photo_type


def publishes_photos(forum: Forum) -> bool:
    policy = db.session.get(PaperPolicy, forum.id)
    return bool(policy and policy.publish_photos)


def set_publish_photos(forum: Forum, publish: bool) -> None:
    policy = db.session.get(PaperPolicy, forum.id)
    if policy is None:
        policy = PaperPolicy(forum_id=forum.id, publish_photos=publish)
        db.session.add(policy)
    policy.publish_photos = publish
    db.session.flush()
