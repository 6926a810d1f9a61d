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

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.ideas.questions.services import idea_sheets
from cite_vote.results.models import CahierFile
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
