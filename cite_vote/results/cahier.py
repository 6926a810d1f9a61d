"""The cahier's PDF: built once for what it shows, in the background when it is big, then kept.

WeasyPrint needs about 0.04 s per idea or comment: a forum of 360 ideas and 720 comments takes
42 s, past any worker's timeout. The PDF is stored under the hash of the HTML it is made from,
so it is served at once while nothing it shows has changed, and rebuilt when something has.
A small cahier is built in the request; a big one by a separate process (``flask cahier-build``)
while the organiser's page says how far along it is.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.forums.services import active_challenges
from cite_vote.htmx import render
from cite_vote.ideas.questions.services import idea_sheets
from cite_vote.results.charts import chart_helpers
from cite_vote.results.exports import pdf_bytes
from cite_vote.results.method import method_annex
from cite_vote.results.models import CahierFile
from cite_vote.results.services import challenge_results
from cite_vote.timeutil import utcnow

# Ideas and comments a cahier may hold and still be built within a request (a few seconds).
BUILD_INLINE_MAX = 150
SECONDS_PER_ITEM = 0.04
# A build that has not finished by then died with its process: the next request starts another.
STALE_AFTER = timedelta(minutes=15)
METHOD_TITLE = _l("How the result was reached")
COLOPHON = re.compile(r'<p class="colophon">.*?</p>', re.S)


@dataclass(frozen=True)
class Appendix:
    """A section of the cahier after the challenges, with its entry in the contents.

    ``template`` is included with the cahier's context inside
    ``<section class="appendix" id="appendix-{anchor}">`` under an ``<h2>`` of ``title``.
    """

    anchor: str
    title: str
    template: str


def cahier_appendices(forum: Forum) -> list[Appendix]:
    """The cahier's appendices, in order: the method, "Comment le résultat a été établi"
    (results/method.py gives its content, as ``method`` in the cahier's context)."""
    return [Appendix("method", str(METHOD_TITLE), "results/_method.html")]


@dataclass(frozen=True)
class CahierTotals:
    ideas: int
    dots: int


def cahier_totals(results, order: str, scope: str) -> CahierTotals:
    """What the cover counts: the ideas this edition shows and every dot placed."""
    return CahierTotals(
        ideas=sum(len(r.rows(order, scope)) for r in results),
        dots=sum(r.total_dots for r in results),
    )


def shortlist_sheets(forum: Forum, results, order: str) -> dict:
    """The sheets (answers to the idea form's questions) of each challenge's shortlisted ideas:
    the cahier prints one under each of them."""
    ids = [r.idea.id for res in results for r in res.shortlist(order)]
    return idea_sheets(forum.id, ids)


def cahier_key(html: str) -> str:
    """What the cahier shows, as a hash (the colophon's "made on" time left out)."""
    return hashlib.sha256(COLOPHON.sub("", html).encode()).hexdigest()


def cahier_items(results) -> int:
    """Ideas and comments in the cahier: what its building time grows with."""
    return sum(
        len(r.by_dots) + len(r.unranked) + sum(len(c) for c in r.comments.values()) for r in results
    )


def estimated_seconds(items: int) -> int:
    return max(2, round(items * SECONDS_PER_ITEM))


def cahier_file(forum: Forum, key: str) -> CahierFile | None:
    return db.session.scalar(
        select(CahierFile).where(CahierFile.forum_id == forum.id, CahierFile.key == key)
    )


def keep_pdf(file: CahierFile, pdf: bytes) -> CahierFile:
    """Store a built PDF and drop the forum's older ones (what they showed has changed)."""
    file.pdf, file.status, file.finished_at = pdf, "ready", utcnow()
    db.session.execute(
        delete(CahierFile).where(CahierFile.forum_id == file.forum_id, CahierFile.id != file.id)
    )
    db.session.flush()
    return file


def claim_build(forum: Forum, key: str, items: int) -> CahierFile | None:
    """The file this caller must build, or None when a build of it is already under way."""
    existing = cahier_file(forum, key)
    if existing is None:
        try:
            with db.session.begin_nested():
                file = CahierFile(forum_id=forum.id, key=key, items=items)
                db.session.add(file)
        except IntegrityError:  # another request claimed it a moment ago
            return None
        return file
    stale = existing.status == "building" and utcnow() - existing.started_at > STALE_AFTER
    if existing.status == "failed" or stale:
        existing.status, existing.started_at, existing.finished_at = "building", utcnow(), None
        db.session.flush()
        return existing
    return None


def fail_build(file: CahierFile) -> None:
    file.status, file.finished_at = "failed", utcnow()
    db.session.flush()


def launch_build(slug: str, file_id: int, *, order: str, scope: str, locale: str) -> None:
    """Build in a separate process: it outlives the request and holds no worker's time."""
    subprocess.Popen(  # noqa: S603 (our own command, arguments we made)
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "cite_vote",
            "cahier-build",
            slug,
            "--file-id",
            str(file_id),
            "--order",
            order,
            "--scope",
            scope,
            "--lang",
            locale,
        ],
        env=os.environ.copy(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


# --- the cahier's content and its build ----------------------------------------------------


def cahier_context(forum: Forum, order: str, scope: str) -> dict:
    """What the cahier shows (its page and its PDF), in the order and scope asked for."""
    results = challenge_results(
        forum, list(db.session.scalars(active_challenges(forum))), with_comments=True
    )
    closed = [r.challenge.phase_changed_at for r in results if r.challenge.phase == "closed"]
    return {
        "forum": forum,
        "results": results,
        "method": method_annex(forum, results),
        "order": order,
        "scope": scope,
        "event_date": max(closed) if closed else utcnow(),
        "generated_at": utcnow(),
        "cahier_totals": cahier_totals(results, order, scope),
        "appendices": cahier_appendices(forum),
        "sheets": shortlist_sheets(forum, results, order),
        **chart_helpers(results),
    }


def cahier_pdf_html(context: dict) -> str:
    """The cahier as WeasyPrint reads it: the same template, its styles inline."""
    css = (Path(current_app.static_folder) / "css" / "cahier.css").read_text()
    return render("results/cahier.html", pdf=True, inline_css=css, **context).get_data(as_text=True)


def build_cahier(
    forum: Forum, file_id: int | None = None, *, order: str = "dots", scope: str = "all"
) -> CahierFile:
    """Build the cahier's PDF as the current request would show it, and keep it.

    ``flask cahier-build`` runs this in its own process, for a request that is waiting
    (``file_id``) or ahead of the day. It commits three times, as the only service allowed
    to: the claim (seen by the waiting request), a failure, the PDF kept.
    """
    context = cahier_context(forum, order, scope)
    html = cahier_pdf_html(context)
    key = cahier_key(html)
    file = db.session.get(CahierFile, file_id) if file_id else None
    if file is None:
        file = claim_build(forum, key, cahier_items(context["results"])) or cahier_file(forum, key)
    db.session.commit()
    try:
        pdf = pdf_bytes(html)
    except Exception:
        fail_build(file)
        db.session.commit()
        raise
    keep_pdf(file, pdf)
    db.session.commit()
    return file
