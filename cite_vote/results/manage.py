"""Read-only tokens for a forum's results (organisers only).

A token lets a script fetch the JSON, CSV and other downloads with ``Authorization: Bearer``.
It is shown once, right after it is made; only its hash is kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, url_for

from cite_vote.accounts.staff import staff_forum
from cite_vote.extensions import db
from cite_vote.htmx import done, is_htmx, refusable, render
from cite_vote.results.forms import ReadTokenForm
from cite_vote.results.services import create_read_token, forum_tokens, revoke_read_token

bp = Blueprint("results_manage", __name__, url_prefix="/staff")

ORGANISER = ("organiser",)


def tokens_page(forum, user, form=None, new_token=None, status=200):
    return render(
        "results/tokens.html",
        "tokens",
        forum=forum,
        user=user,
        form=form or ReadTokenForm(formdata=None),
        tokens=db.session.scalars(forum_tokens(forum)).all(),
        new_token=new_token,
        status=status,
    )


@bp.get("/f/<slug>/tokens")
def tokens(slug: str):
    forum, user = staff_forum(slug, roles=ORGANISER)
    return tokens_page(forum, user)


@bp.post("/f/<slug>/tokens")
def create_token(slug: str):
    forum, user = staff_forum(slug, roles=ORGANISER)
    form = ReadTokenForm()
    if not form.validate_on_submit():
        return tokens_page(forum, user, form=form, status=422)
    with refusable() as outcome:
        _token, clear = create_read_token(forum, form.label.data or "", user)
    if not outcome.ok:
        form.label.errors = [*form.label.errors, outcome.error]
        return tokens_page(forum, user, form=form, status=422)
    # Shown in this answer only: no redirect, since the clear token is never stored.
    return tokens_page(forum, user, new_token=clear)


@bp.post("/f/<slug>/tokens/<int:token_id>/revoke")
def revoke_token(slug: str, token_id: int):
    forum, user = staff_forum(slug, roles=ORGANISER)
    with refusable(shown=False):
        if revoke_read_token(forum, token_id) is None:
            abort(404)
    if is_htmx():
        return tokens_page(forum, user)
    return done(url_for(".tokens", slug=forum.slug))
