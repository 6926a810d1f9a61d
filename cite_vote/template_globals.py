"""Rules the templates read instead of re-deriving them: field limits, dots left, moderation.

Each name here is a function that already holds the rule in its domain; the templates call it,
so a limit or a count written in Python and the one shown on the page cannot disagree.
"""

from __future__ import annotations

from flask import Flask
from wtforms import Field
from wtforms.validators import Length

from cite_vote.ideas.models import NOTE_MAX
from cite_vote.ideas.moderation import REASON_LABELS, moderation_actions
from cite_vote.votes.services import dots_left


def field_max(field: Field) -> int | None:
    """The most characters the field's validator accepts: the ``maxlength`` the page shows."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max != -1]
    return min(limits) if limits else None


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        field_max=field_max,
        dots_left=dots_left,
        moderation_actions=moderation_actions,
        hide_reasons=REASON_LABELS,
        note_max=NOTE_MAX,
    )
