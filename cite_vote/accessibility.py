"""The accessibility statement (RGAA 4.1): docs/accessibility.md, served at /accessibilite.

One source: the page is the Markdown file rendered, so the statement in the repository and the
one people read in the app cannot drift. Only the organiser's contact differs between
deployments; it comes from ``CITE_VOTE_ACCESSIBILITY_CONTACT`` and fills the document's
``<span data-contact>``, whose own text (what to set) shows while the setting is empty.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app
from markupsafe import Markup, escape

from cite_vote.htmx import render
from cite_vote.paths import ROOT

STATEMENT = ROOT / "docs" / "accessibility.md"
CONTACT_SLOT = re.compile(r"<span data-contact>.*?</span>", re.S)
EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")

bp = Blueprint("accessibility", __name__)


@lru_cache(maxsize=4)
def _rendered(path: Path, mtime: float) -> str:
    """The document as HTML, rendered once per version of the file."""
    import markdown  # imported on use, like openpyxl: most workers never serve this page

    return markdown.markdown(path.read_text(encoding="utf-8"), extensions=["tables"])


def contact_html(contact: str | None) -> Markup | None:
    """The organiser's contact, escaped; an e-mail address or a web address becomes a link."""
    if not contact:
        return None
    if EMAIL.fullmatch(contact):
        return Markup('<a href="mailto:{0}">{0}</a>').format(contact)
    if re.fullmatch(r"https?://\S+", contact):
        return Markup('<a href="{0}">{0}</a>').format(contact)
    return escape(contact)


def statement_html(path: Path = STATEMENT, contact: str | None = None) -> Markup:
    html = _rendered(path, path.stat().st_mtime)
    filled = contact_html(contact)
    if filled is not None:
        html = CONTACT_SLOT.sub(lambda _match: str(filled), html)
    return Markup(html)  # noqa: S704  (our own document, and the contact escaped above)


@bp.get("/accessibilite")
def statement():
    return render(
        "accessibility/statement.html",
        statement=statement_html(contact=current_app.config["ACCESSIBILITY_CONTACT"]),
    )
