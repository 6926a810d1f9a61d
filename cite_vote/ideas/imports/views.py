"""The organiser's pages to bring ideas into a challenge from a file: upload, preview, confirm.

Works without JavaScript: the upload is a plain multipart form, the preview a page whose
confirmation form carries the rows read, signed (``services.sign_rows``).
"""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import ngettext

from cite_vote.accounts.staff import current_staff, staff_forum
from cite_vote.forums.services import challenge_in_forum
from cite_vote.htmx import done, refusable, render
from cite_vote.ideas.imports import services
from cite_vote.ideas.imports.forms import ImportConfirmForm, ImportFileForm
from cite_vote.refusals import RuleError

bp = Blueprint("ideas_import", __name__, url_prefix="/staff/f/<slug>/c/<int:challenge_id>/import")

ORGANISER = ("organiser",)


@bp.url_value_preprocessor
def _room_for_files(endpoint: str | None, _values) -> None:
    """The app reads at most 1 MB a request; a staff member's file of ideas may be 10 MB and
    its preview's rows come back in one field. Only for staff: anyone else gets the 1 MB."""
    if current_staff() is None:
        return
    if endpoint == "ideas_import.upload":
        request.max_content_length = services.MAX_REQUEST_BYTES
    elif endpoint == "ideas_import.confirm":
        request.max_content_length = services.MAX_FORM_FIELD_BYTES + 64 * 1024
        request.max_form_memory_size = services.MAX_FORM_FIELD_BYTES


def _page(forum, user, challenge, *, form=None, preview=None, confirm=None, error=None, status=200):
    return render(
        "ideas/import.html",
        status=status,
        forum=forum,
        user=user,
        challenge=challenge,
        form=form or ImportFileForm(formdata=None),
        preview=preview,
        confirm=confirm,
        error=error,
        max_rows=services.MAX_ROWS,
        max_mb=services.MAX_BYTES // (1024 * 1024),
        categories=forum.categories or [],
    )


@bp.get("")
def upload_page(slug: str, challenge_id: int):
    forum, user = staff_forum(slug, roles=ORGANISER)
    challenge = challenge_in_forum(forum, challenge_id)
    return _page(forum, user, challenge)


@bp.post("")
def upload(slug: str, challenge_id: int):
    """Read the file and show each row's fate; nothing is stored."""
    forum, user = staff_forum(slug, roles=ORGANISER)
    challenge = challenge_in_forum(forum, challenge_id)
    form = ImportFileForm()
    if not form.validate_on_submit():
        return _page(forum, user, challenge, form=form, status=422)
    upload = form.file.data
    filename = services.filename_of(upload.filename)
    try:
        services.check_open(challenge)
        rows = services.read_rows(filename, upload.read(services.MAX_BYTES + 1))
    except RuleError as refused:
        return _page(
            forum, user, challenge, form=form, error=refused.message, status=refused.status
        )
    preview = services.preview_rows(challenge, filename, rows)
    confirm = ImportConfirmForm(
        formdata=None, rows=services.sign_rows(challenge, user, filename, rows)
    )
    return _page(forum, user, challenge, preview=preview, confirm=confirm)


@bp.post("/confirm")
def confirm(slug: str, challenge_id: int):
    """Store every row of the previewed file, or none."""
    forum, user = staff_forum(slug, roles=ORGANISER)
    challenge = challenge_in_forum(forum, challenge_id)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        return _page(forum, user, challenge, error=services.EXPIRED, status=422)
    with refusable() as outcome:
        filename, rows = services.signed_rows(challenge, user, form.rows.data)
        ideas = services.import_ideas(
            challenge, user, filename, rows, skip_duplicates=form.skip_duplicates.data
        )
    if not outcome.ok:
        return _page(forum, user, challenge, error=outcome.error, status=outcome.status)
    flash(
        ngettext(
            "%(num)d idea imported from %(file)s.",
            "%(num)d ideas imported from %(file)s.",
            len(ideas),
            file=filename,
        ),
        "success",
    )
    return done(url_for("ideas_manage.moderation_page", slug=forum.slug))
