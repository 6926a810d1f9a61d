"""Setting up a forum before the day: settings and challenges (its team: ``accounts.team``;
tickets: ``accounts.tickets``).

The rules the organiser's pages obey live here, so that they hold whatever calls them:
settings that change the vote are frozen while a challenge is being voted on (and never go below
the dots already placed: ``votes.services.dots_held``); a challenge that has ideas is archived
rather than deleted (``ideas.services.delete_empty_challenge``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext  # eager: the number is known only when the rule refuses
from sqlalchemy import Select, select

from cite_vote.extensions import db
from cite_vote.forums.join_codes import new_join_code
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import add_challenge, create_forum
from cite_vote.refusals import RuleError

SLUG_MAX = 60
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CATEGORY_MAX = 80
CATEGORIES_MAX = 30
BUDGET_MAX = 100
EXPECTED_MAX = 100_000
# Settings that decide how many dots a person holds: changing them mid-vote would let some
# people spend more than others.
VOTE_SETTINGS = ("dot_budget", "dot_cap", "tickets_required")
EDITABLE_SETTINGS = (
    "title",
    "slug",
    "description",
    "languages",
    "categories",
    "dot_budget",
    "dot_cap",
    "show_totals_during_voting",
    "premoderation",
    "tickets_required",
    "join_code_rotates",
    "open_link",
    "projection_mode",
    "shortlist_size",
    "cross_group_min",
    "expected_participants",
)


class DotsHeld(NamedTuple):
    """The most dots anyone already holds in the forum: the floor of the budget and of the cap.

    Dots are the votes domain's: ``votes.services.dots_held(forum)`` reads them, and
    ``update_forum`` requires them, so no caller can change the budget or the cap unchecked.
    """

    in_a_challenge: int
    on_an_idea: int


class InvalidSetting(RuleError):
    """A value the forum cannot take (taken address, cap above budget...): HTTP 422."""

    status = 422


# --- forums ----------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """An address-safe form of a title: "Cité de l’économie" -> "cite-de-l-economie"."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    letters = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    slug = re.sub(r"[^a-z0-9]+", "-", letters).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def slug_taken(slug: str, *, other_than: Forum | None = None) -> bool:
    query = select(Forum.id).where(Forum.slug == slug)
    if other_than is not None:
        query = query.where(Forum.id != other_than.id)
    return db.session.scalar(query) is not None


def free_slug(title: str) -> str:
    """A slug made from the title that no forum uses yet."""
    base = slugify(title) or "forum"
    base = base[: SLUG_MAX - 4].rstrip("-")
    slug, n = base, 1
    while slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def clean_categories(lines: list[str]) -> list[str]:
    """Trimmed, without blanks or repeats, in the organiser's order."""
    seen: list[str] = []
    for line in lines:
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > CATEGORY_MAX:
            raise InvalidSetting(_l("A category is at most 80 characters."))
        if name not in seen:
            seen.append(name)
    if len(seen) > CATEGORIES_MAX:
        raise InvalidSetting(_l("A forum has at most 30 categories."))
    return seen


def _check_settings(values: dict, forum: Forum | None = None) -> dict:
    """Rules every forum's settings obey, whether created or edited."""
    if "slug" in values:
        slug = values["slug"]
        if not SLUG_PATTERN.match(slug or "") or len(slug) > SLUG_MAX:
            raise InvalidSetting(
                _l("The address may use only lowercase letters, digits and dashes.")
            )
        if slug_taken(slug, other_than=forum):
            raise InvalidSetting(_l("Another forum already uses this address."))
    if "categories" in values:
        values["categories"] = clean_categories(values["categories"])
    budget = values.get("dot_budget", forum.dot_budget if forum else 5)
    cap = values.get("dot_cap", forum.dot_cap if forum else 3)
    if not 1 <= budget <= BUDGET_MAX:
        raise InvalidSetting(_l("The dot budget is between 1 and 100."))
    if not 1 <= cap <= budget:
        raise InvalidSetting(_l("The cap per idea is between 1 and the dot budget."))
    if values.get("projection_mode", "blind") not in ("blind", "live"):
        raise InvalidSetting(_l("Unknown projection mode."))
    return values


def new_forum(**values) -> Forum:
    """A new forum with these settings (checked), a free address and a fresh join code.

    Its owner is set by ``accounts.team.create_forum_for``.
    """
    values = {k: v for k, v in values.items() if k in EDITABLE_SETTINGS}
    if not values.get("slug"):
        values["slug"] = free_slug(values.get("title", ""))
    values = _check_settings(values)
    return create_forum(**values)


def voting_challenges(forum: Forum) -> list[Challenge]:
    return list(
        db.session.scalars(
            select(Challenge).where(Challenge.forum_id == forum.id, Challenge.phase == "voting")
        )
    )


def update_forum(forum: Forum, *, held: DotsHeld, **values) -> list[str]:
    """Change the forum's settings; returns the names of those that changed.

    While a challenge is being voted on, the budget, the cap and whether tickets are required
    cannot change. Outside a vote they still cannot drop below what someone already holds
    (``held``, from ``votes.services.dots_held``).
    """
    values = {k: v for k, v in values.items() if k in EDITABLE_SETTINGS}
    changed = [name for name, value in values.items() if getattr(forum, name) != value]
    values = _check_settings({k: values[k] for k in changed}, forum)
    vote_changes = [name for name in changed if name in VOTE_SETTINGS]
    if vote_changes and voting_challenges(forum):
        raise RuleError(
            _l(
                "The dot budget, the cap per idea and tickets cannot change while a challenge "
                "is being voted on: everyone must vote under the same rules. Close the vote first."
            )
        )
    if "dot_budget" in changed:
        most = held.in_a_challenge
        if most and values["dot_budget"] < most:
            raise RuleError(
                ngettext(
                    "Someone already placed %(num)d dot in a challenge: the budget cannot be "
                    "lower.",
                    "Someone already placed %(num)d dots in a challenge: the budget cannot be "
                    "lower.",
                    most,
                )
            )
    if "dot_cap" in changed:
        most = held.on_an_idea
        if most and values["dot_cap"] < most:
            raise RuleError(
                ngettext(
                    "Someone already placed %(num)d dot on one idea: the cap cannot be lower.",
                    "Someone already placed %(num)d dots on one idea: the cap cannot be lower.",
                    most,
                )
            )
    for name in changed:
        setattr(forum, name, values[name])
    db.session.flush()
    return changed


def regenerate_join_code(forum: Forum) -> str:
    """A new join code: the old one stops working; people already in keep their place."""
    forum.join_code = new_join_code()
    db.session.flush()
    return forum.join_code


# --- challenges ------------------------------------------------------------------------------


def all_challenges(forum: Forum) -> Select[tuple[Challenge]]:
    """Every challenge of the forum for its organisers, archived ones last."""
    return (
        select(Challenge)
        .where(Challenge.forum_id == forum.id)
        .order_by(Challenge.archived, Challenge.position)
    )


def staff_challenge(forum: Forum, challenge_id: int) -> Challenge | None:
    """A challenge of this forum (archived ones too), or None for an id from elsewhere."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.forum_id != forum.id:
        return None
    return challenge


def renumber_challenges(forum: Forum, ordered: list[Challenge] | None = None) -> list[Challenge]:
    """Number the challenges 1, 2, 3… with the active ones first, as participants see them."""
    if ordered is None:
        ordered = list(db.session.scalars(all_challenges(forum)))
    ordered = [c for c in ordered if not c.archived] + [c for c in ordered if c.archived]
    for position, challenge in enumerate(ordered, start=1):
        challenge.position = position
    db.session.flush()
    return ordered


def create_challenge(forum: Forum, *, title: str, question: str = "", description: str = ""):
    """A new challenge, not open yet, after the other active ones."""
    challenge = add_challenge(forum, title=title, question=question, description=description)
    renumber_challenges(forum)
    return challenge


def update_challenge(challenge: Challenge, *, title: str, question: str, description: str):
    challenge.title = title
    challenge.question = question
    challenge.description = description
    db.session.flush()
    return challenge


def move_challenge(forum: Forum, challenge: Challenge, direction: str) -> list[Challenge]:
    """Swap a challenge with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise RuleError(_l("Unknown direction."))
    if challenge.archived:
        raise RuleError(_l("An archived challenge has no place in the order."))
    ordered = [c for c in db.session.scalars(all_challenges(forum)) if not c.archived]
    index = ordered.index(challenge)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    return renumber_challenges(forum, ordered)


def set_archived(forum: Forum, challenge: Challenge, archived: bool) -> Challenge:
    """Archived challenges disappear from participants; their ideas and dots are kept."""
    if archived and challenge.phase == "voting":
        raise RuleError(_l("Close the vote on this challenge before archiving it."))
    if challenge.archived != archived:
        challenge.archived = archived
        if archived:
            challenge.on_screen = False
        # Put it at the end of its group: after the active ones, or last of the archive.
        challenge.position = 10**6
        db.session.flush()
        renumber_challenges(forum)
    return challenge
