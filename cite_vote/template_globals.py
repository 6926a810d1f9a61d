"""Rules the templates read instead of re-deriving them: field limits, dots left, moderation.

Each name here is a function that already holds the rule in its domain; the templates call it,
so a limit or a count written in Python and the one shown on the page cannot disagree.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import Flask
from markupsafe import Markup
from wtforms import Field
from wtforms.validators import Length

from cite_vote.accounts.staff import staff_role
from cite_vote.ideas.models import NOTE_MAX
from cite_vote.ideas.moderation import REASON_LABELS, moderation_actions
from cite_vote.votes.services import dots_left


def field_max(field: Field) -> int | None:
    """The most characters the field's validator accepts: the ``maxlength`` the page shows."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max != -1]
    return min(limits) if limits else None


IDENTITY_BLOCK = re.compile(r"/\* identity:begin.*?/\* identity:end[^*]*\*/", re.S)


@cache
def _identity_css(static_folder: str) -> str:
    css = (Path(static_folder) / "css" / "app.css").read_text(encoding="utf-8")
    found = IDENTITY_BLOCK.search(css)
    if found is None:
        raise RuntimeError("static/css/app.css has lost its identity:begin/identity:end block")
    return found.group(0)


def identity_css() -> Markup:
    """The palette and type scale, written once at the top of app.css.

    The projector and the cahier (and its PDF, which fetches nothing) inline it, so they use the
    same accent and scale as every page without loading app.css.
    """
    from flask import current_app

    return Markup(_identity_css(current_app.static_folder))


def identity_colour(name: str) -> str:
    """One colour of the identity block (``accent``, ``accent-on-dark``…), as its literal value:
    for the wordmark's SVG, which WeasyPrint draws without resolving ``var()``."""
    from flask import current_app

    found = re.search(rf"--{re.escape(name)}:\s*([^;]+);", _identity_css(current_app.static_folder))
    if found is None:
        raise KeyError(f"no --{name} in the identity block of static/css/app.css")
    return found.group(1).strip()


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        identity_css=identity_css,
        identity_colour=identity_colour,
        field_max=field_max,
        dots_left=dots_left,
        moderation_actions=moderation_actions,
        hide_reasons=REASON_LABELS,
        note_max=NOTE_MAX,
        staff_role=staff_role,
    )
