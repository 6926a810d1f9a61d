"""What a phone's forum page shows. The page is everyone's but for the person's name, category
and dots left: its frame is rendered once per content (``page_caches.FORUM_PAGES``) and
reused, and the person's parts are put in (``cite_vote.page_caches.framed``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import render_template
from markupsafe import escape
from sqlalchemy import Integer, bindparam, func, select

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import open_to_participants_clause
from cite_vote.ideas.models import Idea
from cite_vote.page_caches import FORUM_PAGES, framed, frames_allowed, mark
from cite_vote.votes.models import Ballot

# Where the person's name and category go in the forum page's frame.
NAME_MARK, CATEGORY_MARK = mark("name"), mark("category")


@dataclass(frozen=True)
class ForumOverview:
    """What a phone's forum page lists: the open challenges in order, their visible ideas'
    number, the person's dots spent in each, and whether any challenge is closed."""

    challenges: list[Challenge]
    idea_counts: dict[int, int]
    spent: dict[int, int]

    @property
    def any_closed(self) -> bool:
        return any(c.phase == "closed" for c in self.challenges)


def forum_overview(forum: Forum, participant_id: int) -> ForumOverview:
    """The forum page's three reads, each built once (every phone opens this page)."""
    challenges_of, ideas_per, spent_per = _overview_statements()
    challenges = list(db.session.scalars(challenges_of, {"forum_id": forum.id}))
    ideas = db.session.execute(ideas_per, {"forum_id": forum.id}).all()
    spent = db.session.execute(spent_per, {"who": participant_id}).all()
    return ForumOverview(challenges, dict(ideas), dict(spent))


@functools.cache
def _overview_statements():
    forum_id = bindparam("forum_id", type_=Integer)
    challenges = (
        select(Challenge)
        .where(Challenge.forum_id == forum_id, *open_to_participants_clause())
        .order_by(Challenge.position)
    )
    ideas = (
        select(Idea.challenge_id, func.count())
        .join(Challenge, Challenge.id == Idea.challenge_id)
        .where(Challenge.forum_id == forum_id, Idea.status == "visible")
        .group_by(Idea.challenge_id)
    )
    spent = select(Ballot.challenge_id, Ballot.dots_spent).where(
        Ballot.participant_id == bindparam("who", type_=Integer)
    )
    return challenges, ideas, spent


@dataclass(frozen=True, slots=True)
class Someone:
    """The person as the frame shows them: a mark where each of their texts goes."""

    display_name: str | None
    category: str | None


def forum_page(forum: Forum, person: Participant, overview: ForumOverview) -> str:
    context = {
        "forum": forum,
        "participant": person,
        "challenges": overview.challenges,
        "idea_counts": overview.idea_counts,
        "spent": overview.spent,
        "any_closed": overview.any_closed,
    }
    if not frames_allowed():
        return render_template(FORUM_PAGES.template, **context)
    someone = Someone(
        NAME_MARK if person.display_name else None, CATEGORY_MARK if person.category else None
    )
    return framed(
        FORUM_PAGES,
        FORUM_PAGES.key(context),
        lambda: render_template(FORUM_PAGES.template, **{**context, "participant": someone}),
        [
            (NAME_MARK, str(escape(person.display_name or ""))),
            (CATEGORY_MARK, str(escape(person.category or ""))),
        ],
    )
