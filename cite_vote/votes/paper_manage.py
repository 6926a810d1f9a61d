"""Printed ballot sheets, staff routes: print them, enter them, correct them (``votes/paper.py``
holds the rules). Every page works without JavaScript; the entry page is made for a phone
held at a table (the sheet's QR code opens it).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _

from cite_vote.accounts.staff import current_staff, staff_forum
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.qr import qr_svg
from cite_vote.forums.services import active_challenges
from cite_vote.htmx import done, refusable, render
from cite_vote.links import public_url
from cite_vote.votes import paper
from cite_vote.votes.forms import PaperPrintForm, PaperSheetForm
from cite_vote.votes.models import PaperEntry

bp = Blueprint("paper_manage", __name__, url_prefix="/staff/f/<slug>/paper")

ORGANISER = ("organiser",)
# A phone's photo of a sheet, and the form around it. A camera picture over the photo's 5 MB is
# still read (to disk, only its first 5 MB kept in memory) so that the form answers with its
# numbers kept; past this, the server's bare 413 page.
REQUEST_MAX_BYTES = 5 * paper.PHOTO_MAX_BYTES


@bp.url_value_preprocessor
def _room_for_a_photo(endpoint: str | None, _values) -> None:
    """The app reads at most 1 MB a request; a sheet's photo may be 5 MB. The room is made here,
    before the CSRF check reads the form (in the view it would come too late: 413)."""
    if endpoint == "paper_manage.enter" and current_staff() is not None:
        request.max_content_length = REQUEST_MAX_BYTES


def challenge_of(forum: Forum, challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.forum_id != forum.id:
        abort(404)
    return challenge


def sheets_context(forum, user, challenge, **extra):
    sheets = db.session.scalars(paper.challenge_sheets(challenge)).all()
    return {
        "forum": forum,
        "user": user,
        "challenge": challenge,
        "sheets": sheets,
        "counts": paper.paper_counts([challenge.id]),
        "print_form": extra.pop("print_form", None) or PaperPrintForm(formdata=None),
        "publish_photos": paper.publishes_photos(forum),
        "print_max": paper.SHEETS_PER_PRINT,
        **extra,
    }


@bp.get("/c/<int:challenge_id>")
def sheets(slug: str, challenge_id: int):
    forum, user = staff_forum(slug)
    challenge = challenge_of(forum, challenge_id)
    number = request.args.get("number", "").strip()
    if number:  # the "open sheet number…" form, without JavaScript
        most = paper.SHEET_NUMBER_MAX
        if not (number.isascii() and number.isdigit() and len(number) <= len(str(most))) or not (
            1 <= int(number) <= most
        ):
            flash(_("Sheet number: give a whole number from 1 to %(max)d.", max=most), "error")
            return render(
                "votes/paper_sheets.html", status=400, **sheets_context(forum, user, challenge)
            )
        return done(url_for(".sheet", slug=slug, challenge_id=challenge.id, number=int(number)))
    return render("votes/paper_sheets.html", **sheets_context(forum, user, challenge))


@bp.get("/c/<int:challenge_id>/print")
def print_sheets(slug: str, challenge_id: int):
    """The sheets as a PDF: A4, black and white, one per page, numbered, with a QR code."""
    forum, user = staff_forum(slug)
    challenge = challenge_of(forum, challenge_id)
    form = PaperPrintForm(request.args, meta={"csrf": False})
    if not form.validate():
        return render(
            "votes/paper_sheets.html",
            status=422,
            **sheets_context(forum, user, challenge, print_form=form),
        )
    ideas = db.session.scalars(paper.sheet_ideas(challenge)).all()
    numbers = range(form.first.data, min(form.first.data + form.count.data, 10000))
    pages = [
        (
            number,
            qr_svg(
                public_url(".sheet", slug=slug, challenge_id=challenge.id, number=number),
                scale=3,
                title=_("Sheet %(num)d", num=number),
            ),
        )
        for number in numbers
    ]
    html = render(
        "votes/paper_sheet_pdf.html",
        forum=forum,
        challenge=challenge,
        ideas=ideas,
        pages=pages,
    ).get_data(as_text=True)
    pdf = sheet_pdf(html)
    name = f"{forum.slug}-{challenge.position}-sheets-{numbers.start}-{numbers.stop - 1}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def sheet_pdf(html: str) -> bytes:
    """WeasyPrint, fetching nothing: the sheet's styles and QR codes are inline."""
    from weasyprint import HTML, URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def sheet_context(forum, user, challenge, number, *, form=None, error=None):
    sheet = paper.sheet_by_number(challenge, number)
    ideas = db.session.scalars(paper.printed_ideas(challenge)).all()
    entry = paper.latest_entry(sheet) if sheet else None
    if form is None:
        data = {"people": entry.people, "category": entry.category or ""} if entry else {}
        form = PaperSheetForm(formdata=None, data={**data, "correcting": "1" if sheet else ""})
    form.set_categories(forum.categories)
    if form.is_submitted():
        typed = {key: request.form.get(key, "") for key in request.form if key.startswith("idea-")}
    else:
        written = {int(k): v for k, v in entry.dots.items()} if entry else {}
        typed = {f"idea-{i.id}": str(written.get(i.id, "")) for i in ideas}
    return {
        "forum": forum,
        "user": user,
        "challenge": challenge,
        "number": number,
        "sheet": sheet,
        "entry": entry,
        "history": paper.sheet_history(sheet) if sheet else [],
        "lines": paper.sheet_lines(sheet, entry, ideas) if entry else [],
        # Every idea a sheet may have printed: the visible ones first, then those merged or
        # hidden since (their lines count as a phone's dots would, and the page says so).
        "ideas": sorted(ideas, key=lambda i: i.status != "visible"),
        "typed": typed,
        "form": form,
        "error": error,
        "open": challenge.phase == "voting",
        "people_max": paper.PEOPLE_MAX,
    }


@bp.get("/c/<int:challenge_id>/<int:number>")
def sheet(slug: str, challenge_id: int, number: int):
    forum, user = staff_forum(slug)
    challenge = challenge_of(forum, challenge_id)
    if not 1 <= number <= paper.SHEET_NUMBER_MAX:
        abort(404)
    return render("votes/paper_sheet.html", **sheet_context(forum, user, challenge, number))


def typed_dots(ideas) -> tuple[dict[int, int], str | None]:
    """The dots typed per idea (empty is 0); an error naming the line that is not a number."""
    dots: dict[int, int] = {}
    printed = {f"idea-{idea.id}" for idea in ideas}
    if any(key.startswith("idea-") and key not in printed for key in request.form):
        return {}, _(
            "This sheet names ideas of another challenge: open the page its QR code leads to."
        )
    for idea in ideas:
        raw = request.form.get(f"idea-{idea.id}", "").strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 5):
            return {}, _(
                "Line “%(title)s”: write a whole number of dots (0 or more).", title=idea.title
            )
        dots[idea.id] = int(raw)
    return dots, None


@bp.post("/c/<int:challenge_id>/<int:number>")
def enter(slug: str, challenge_id: int, number: int):
    forum, user = staff_forum(slug)
    challenge = challenge_of(forum, challenge_id)
    if not 1 <= number <= paper.SHEET_NUMBER_MAX:
        abort(404)
    form = PaperSheetForm()
    form.set_categories(forum.categories)
    ideas = db.session.scalars(paper.printed_ideas(challenge)).all()
    error, status = None, 422
    if form.validate_on_submit():
        dots, error = typed_dots(ideas)
        upload = request.files.get("photo")
        photo = upload.read(paper.PHOTO_MAX_BYTES + 1) if upload and upload.filename else None
        if error is None:
            with refusable() as outcome:
                paper.enter_sheet(
                    challenge,
                    number=number,
                    people=form.people.data,
                    category=form.category.data or None,
                    dots=dots,
                    staff_id=user.id,
                    staff_role=user.role,
                    correcting=form.correcting.data == "1",
                    photo=photo,
                )
            error, status = outcome.error, outcome.status
            if outcome.ok:
                flash(_("Sheet %(num)d saved.", num=number), "success")
                return done(url_for(".sheet", slug=slug, challenge_id=challenge.id, number=number))
    context = sheet_context(forum, user, challenge, number, form=form, error=error)
    return render("votes/paper_sheet.html", status=status, **context)


@bp.get("/c/<int:challenge_id>/<int:number>/photo/<int:entry_id>")
def photo(slug: str, challenge_id: int, number: int, entry_id: int):
    forum, _user = staff_forum(slug)
    challenge = challenge_of(forum, challenge_id)
    sheet = paper.sheet_by_number(challenge, number)
    entry = db.session.get(PaperEntry, entry_id)
    if sheet is None or entry is None or entry.sheet_id != sheet.id or not entry.photo:
        abort(404)
    response = Response(entry.photo, mimetype=entry.photo_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("")
def index(slug: str):
    forum, user = staff_forum(slug)
    challenges = db.session.scalars(active_challenges(forum)).all()
    counts = {c.id: paper.paper_counts([c.id]) for c in challenges}
    return render(
        "votes/paper_index.html",
        forum=forum,
        user=user,
        challenges=challenges,
        counts=counts,
        publish_photos=paper.publishes_photos(forum),
    )


@bp.post("/photos")
def publish_photos(slug: str):
    """The organiser's choice: the sheets' photos published with the log, or kept by staff."""
    forum, _user = staff_forum(slug, roles=ORGANISER)
    with refusable(shown=False):
        paper.set_publish_photos(forum, request.form.get("publish") == "1")
    flash(_("Saved."), "success")
    return done(url_for(".index", slug=slug))
