"""Moderation pages for facilitators: review, hide, restore, edit and merge ideas and comments.

The ideas domain's staff routes, on its own blueprint (the rules are in ideas/moderation.py;
what an action does to the running and its dots, in votes/moderation.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from cite_vote.accounts.staff import staff_forum
from cite_vote.extensions import db
from cite_vote.htmx import done, done_or_fragment, is_htmx, refusable, render
from cite_vote.ideas import moderation
from cite_vote.ideas.forms import EditForm, MergeForm
from cite_vote.ideas.imports.services import import_mark
from cite_vote.ideas.similar import duplicate_pairs
from cite_vote.responses import error_response
from cite_vote.votes import moderation as dots_moderation
from cite_vote.votes.services import idea_totals

bp = Blueprint("ideas_manage", __name__, url_prefix="/staff/f/<slug>")

IDEA_ACTIONS = {
    "approve": dots_moderation.approve_idea,
    "reject": dots_moderation.reject_idea,
    "restore": dots_moderation.restore_idea,
}


def moderation_context(forum, user, **extra):
    ideas = db.session.scalars(moderation.forum_ideas(forum)).all()
    pending = [i for i in ideas if i.status == "pending"]
    return {
        "forum": forum,
        "user": user,
        "ideas": ideas,
        "pending_ideas": pending,
        "pending_comments": db.session.scalars(moderation.pending_comments(forum)).all(),
        "latest_comments": db.session.scalars(moderation.latest_comments(forum)).all(),
        "pairs": duplicate_pairs(forum),
        "totals": idea_totals(idea_ids=[i.id for i in ideas]),
        "hide_records": moderation.latest_hides([i.id for i in ideas if i.status == "hidden"]),
        "error": None,
        "error_id": None,
        **extra,
    }


@bp.get("/moderation")
def moderation_page(slug: str):
    forum, user = staff_forum(slug)
    return render("ideas/moderation.html", **moderation_context(forum, user))


def _back_to(slug: str, idea_id: int | None = None) -> str:
    """Back to the page the action came from: the list, or one idea's page."""
    if request.form.get("back") == "idea" and idea_id is not None:
        return url_for(".moderate_idea", slug=slug, idea_id=idea_id)
    return url_for(".moderation_page", slug=slug)


@bp.post("/moderation/i/<int:idea_id>/<action>")
def idea_action(slug: str, idea_id: int, action: str):
    forum, user = staff_forum(slug)
    if action not in (*IDEA_ACTIONS, "hide"):
        abort(404)
    idea = moderation.idea_for_staff(forum, idea_id)
    message = None
    with refusable() as outcome:
        if action == "hide":
            returned = dots_moderation.hide_idea(
                idea, user, request.form.get("reason"), request.form.get("note")
            )
            message = ngettext(
                "Idea #%(idea)d hidden: %(num)d dot refunded.",
                "Idea #%(idea)d hidden: %(num)d dots refunded.",
                sum(r.refunded for r in returned),
                idea=idea.id,
            )
        else:
            if action == "restore":
                dots_moderation.restore_idea(idea, user)
            else:
                IDEA_ACTIONS[action](idea)
            message = _("Idea #%(idea)d updated.", idea=idea.id)
    error, status = outcome.error, outcome.status
    if is_htmx() and request.form.get("back") != "idea":
        return render(
            "ideas/moderation.html",
            "mod_idea",
            status=status,
            forum=forum,
            idea=idea,
            totals=idea_totals(idea_ids=[idea.id]),
            hide_records=moderation.latest_hides([idea.id]),
            error=error,
            error_id=idea.id,
            done_message=message,
        )
    return _after_action(forum, user, error, status, message, idea.id)


def _after_action(forum, user, error, status, message, idea_id):
    """Without htmx (or from an idea's page): back to the page, or that page with the refusal."""
    if error and is_htmx():
        return error_response(status, error)
    flash(error or message, "error" if error else "success")
    if not error:
        return done(_back_to(forum.slug, idea_id))
    if request.form.get("back") == "idea":
        idea = moderation.idea_for_staff(forum, idea_id)
        context = idea_page_context(forum, user, idea)
        return render("ideas/moderate_idea.html", status=status, **context)
    return render("ideas/moderation.html", status=status, **moderation_context(forum, user))


@bp.post("/moderation/c/<int:comment_id>/<action>")
def comment_action(slug: str, comment_id: int, action: str):
    forum, user = staff_forum(slug)
    if action not in ("approve", "reject", "hide", "restore"):
        abort(404)
    comment = moderation.comment_for_staff(forum, comment_id)
    with refusable() as outcome:
        moderation.set_comment_status(comment, action)
    error, status = outcome.error, outcome.status
    if is_htmx():
        return render(
            "ideas/moderation.html",
            "mod_comment",
            status=status,
            forum=forum,
            comment=comment,
            error=error,
            error_id=comment.id,
        )
    return _after_action(forum, user, error, status, _("Comment updated."), comment.idea_id)


def idea_page_context(forum, user, idea, edit_form=None, merge_form=None, **extra):
    others = [
        i
        for i in db.session.scalars(moderation.forum_ideas(forum))
        if i.challenge_id == idea.challenge_id and i.id != idea.id and i.status == "visible"
    ]
    return {
        "forum": forum,
        "user": user,
        "idea": idea,
        "comments": moderation.idea_comments(idea),
        "totals": idea_totals(idea_ids=[idea.id, *[i.id for i in others]]),
        "others": others,
        "hide_records": moderation.latest_hides([idea.id]),
        "imported": import_mark(idea.id),  # from a file: which, who, when (ideas/imports)
        "edit_form": edit_form or EditForm(formdata=None, obj=idea),
        "merge_form": merge_form or MergeForm(formdata=None),
        "error": None,
        **extra,
    }


@bp.get("/moderation/i/<int:idea_id>")
def moderate_idea(slug: str, idea_id: int):
    forum, user = staff_forum(slug)
    idea = moderation.idea_for_staff(forum, idea_id)
    return render("ideas/moderate_idea.html", **idea_page_context(forum, user, idea))


@bp.post("/moderation/i/<int:idea_id>/edit")
def edit_idea(slug: str, idea_id: int):
    forum, user = staff_forum(slug)
    idea = moderation.idea_for_staff(forum, idea_id)
    form = EditForm()
    error = None
    if form.validate_on_submit():
        with refusable() as outcome:
            moderation.edit_idea(idea, form.title.data, form.description.data)
        error = outcome.error
        if outcome.ok:
            return done_or_fragment(
                url_for(".moderate_idea", slug=slug, idea_id=idea.id),
                _("Idea #%(idea)d updated.", idea=idea.id),
                lambda: render(
                    "ideas/moderate_idea.html",
                    "edit",
                    **idea_page_context(
                        forum, user, idea, saved=_("Saved. The original wording is kept.")
                    ),
                ),
            )
    db.session.rollback()  # nothing half-stored; reload the idea as it is in the database
    db.session.refresh(idea)
    context = idea_page_context(forum, user, idea, edit_form=form, error=error)
    return render("ideas/moderate_idea.html", "edit", status=422, **context)


def merge_target(forum):
    """The form's target idea, or a 422 page/fragment naming the problem."""
    is_get = request.method == "GET"
    form = MergeForm(request.args, meta={"csrf": False}) if is_get else MergeForm()
    if not form.validate():
        return form, None
    return form, moderation.idea_for_staff(forum, form.into.data)


@bp.route("/moderation/i/<int:idea_id>/merge", methods=["GET", "POST"])
def merge(slug: str, idea_id: int):
    """GET: what the merge would do, with a button to confirm. POST: do it."""
    forum, user = staff_forum(slug)
    source = moderation.idea_for_staff(forum, idea_id)
    form, target = merge_target(forum)
    if target is None:
        context = idea_page_context(forum, user, source, merge_form=form)
        return render("ideas/moderate_idea.html", "merge", status=422, **context)
    if request.method == "GET":
        plan = dots_moderation.plan_merge(source, target)
        return render(
            "ideas/merge.html", forum=forum, user=user, source=source, target=target, plan=plan
        )
    # A refusal (note too long, phase closed, changed meanwhile) is the error page, nothing stored.
    with refusable(shown=False):
        returned = dots_moderation.merge_ideas(source, target, user, request.form.get("note"))
    moved = sum(r.moved for r in returned)
    refunded = sum(r.refunded for r in returned)
    flash(
        _(
            "Idea #%(idea)d merged into idea #%(target)d.",
            idea=source.id,
            target=target.id,
        )
        + " "
        + ngettext("%(num)d dot moved", "%(num)d dots moved", moved)
        + ", "
        + ngettext("%(num)d dot refunded.", "%(num)d dots refunded.", refunded),
        "success",
    )
    return done(url_for(".moderation_page", slug=slug) + f"#mod-idea-{target.id}")
