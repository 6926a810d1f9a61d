"""What a phone's forum page shows. The page is everyone's but for the person's name, category
and dots left: its frame is rendered once per content (``page_key``) and reused, and the
person's parts are put in (``cite_vote.rendered.framed``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import escape

from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Forum
from cite_vote.forums.services import ForumOverview
from cite_vote.rendered import RenderedCache, framed, frames_allowed, mark

# Rendered forum pages of this worker, with the person's name and category left as marks.
PAGES = RenderedCache(size=256)
NAME_MARK, CATEGORY_MARK = mark("name"), mark("category")


@dataclass(frozen=True, slots=True)
class Someone:
    """The person as the frame shows them: a mark where each of their texts goes."""

    display_name: str | None
    category: str | None


def page_key(forum: Forum, person: Participant, overview: ForumOverview) -> tuple:
    """Everything ``templates/forums/forum.html`` (and ``base.html``) shows, but the person's
    name and category themselves (only whether they have one) and the CSRF token."""
    return (
        forum.id,
        forum.slug,
        forum.title,
        forum.join_code,
        forum.results_public_early,
        forum.dot_budget,
        tuple(forum.language_list),
        tuple((c.id, c.position, c.title, c.question, c.phase) for c in overview.challenges),
        tuple(sorted(overview.idea_counts.items())),
        tuple(overview.spent.get(c.id, 0) for c in overview.challenges if c.phase == "voting"),
        bool(person.display_name),
        bool(person.category),
        str(get_locale()),
        request.script_root,
        request.path,
        request.query_string,
    )


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
        return render_template("forums/forum.html", **context)
    someone = Someone(
        NAME_MARK if person.display_name else None, CATEGORY_MARK if person.category else None
    )
    return framed(
        PAGES,
        page_key(forum, person, overview),
        lambda: render_template("forums/forum.html", **{**context, "participant": someone}),
        [
            (NAME_MARK, str(escape(person.display_name or ""))),
            (CATEGORY_MARK, str(escape(person.category or ""))),
        ],
    )
