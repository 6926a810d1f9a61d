"""What a phone's forum page shows. The page is everyone's but for the person's name, category
and dots left: its frame is rendered once per content (``page_caches.FORUM_PAGES``) and
reused, and the person's parts are put in (``cite_vote.page_caches.framed``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import escape

from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Forum
from cite_vote.forums.services import ForumOverview
from cite_vote.page_caches import FORUM_PAGES, framed, frames_allowed, mark

# Where the person's name and category go in the forum page's frame.
NAME_MARK, CATEGORY_MARK = mark("name"), mark("category")


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
