"""Staff pages of the idea sheets: the organiser's questions, a facilitator's correction of an
idea's answers. Plain forms: they work without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from cite_vote.accounts.staff import staff_forum
from cite_vote.extensions import db
from cite_vote.htmx import done, refusable, render
from cite_vote.ideas.models import QUESTIONS_MAX, IdeaAnswer
from cite_vote.ideas.moderation import idea_for_staff
from cite_vote.ideas.questions import services
from cite_vote.ideas.questions.forms import (
    QuestionForm,
    answers_of,
    field_name,
    sheet_form,
)

bp = Blueprint("ideas_questions", __name__, url_prefix="/staff/f/<slug>")

ORGANISER = ("organiser",)


def _questions_page(forum, user, form=None, error=None, status=200):
    return render(
        "ideas/questions.html",
        status=status,
        forum=forum,
        user=user,
        questions=services.form_questions(forum.id),
        form=form or QuestionForm(formdata=None),
        questions_max=QUESTIONS_MAX,
        error=error,
    )


@bp.get("/questions")
def questions(slug: str):
    forum, user = staff_forum(slug, roles=ORGANISER)
    return _questions_page(forum, user)


@bp.post("/questions")
def add_question(slug: str):
    forum, user = staff_forum(slug, roles=ORGANISER)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _questions_page(forum, user, form=form, status=422)
    with refusable() as outcome:
        services.add_question(
            forum, form.label.data, required=form.required.data, max_length=form.max_length.data
        )
    if not outcome.ok:
        return _questions_page(forum, user, form=form, error=outcome.error, status=outcome.status)
    flash(_("Question added to the idea form."), "success")
    return done(url_for(".questions", slug=slug))


@bp.post("/questions/<int:question_id>/remove")
def remove_question(slug: str, question_id: int):
    forum, user = staff_forum(slug, roles=ORGANISER)
    with refusable() as outcome:
        services.remove_question(forum, question_id)
    if not outcome.ok:
        return _questions_page(forum, user, error=outcome.error, status=outcome.status)
    flash(_("Question removed from the idea form."), "success")
    return done(url_for(".questions", slug=slug))


def _sheet_page(forum, user, idea, questions, form=None, error=None, status=200):
    stored = {
        a.question_id: a
        for a in db.session.scalars(select(IdeaAnswer).where(IdeaAnswer.idea_id == idea.id))
    }
    if form is None:
        data = {field_name(q.id): stored[q.id].value if q.id in stored else "" for q in questions}
        form = sheet_form(questions, formdata=None, data=data)
    return render(
        "ideas/sheet_edit.html",
        status=status,
        forum=forum,
        user=user,
        idea=idea,
        questions=questions,
        stored=stored,
        form=form,
        error=error,
    )


@bp.get("/moderation/i/<int:idea_id>/sheet")
def sheet(slug: str, idea_id: int):
    forum, user = staff_forum(slug)
    idea = idea_for_staff(forum, idea_id)
    return _sheet_page(forum, user, idea, services.form_questions(forum.id))


@bp.post("/moderation/i/<int:idea_id>/sheet")
def edit_sheet(slug: str, idea_id: int):
    """A facilitator corrects an idea's answers; the author's first wording is kept."""
    forum, user = staff_forum(slug)
    idea = idea_for_staff(forum, idea_id)
    questions = services.form_questions(forum.id)
    if not questions:
        abort(404)
    form = sheet_form(questions)
    if not form.validate_on_submit():
        return _sheet_page(forum, user, idea, questions, form=form, status=422)
    with refusable() as outcome:
        services.edit_answers(idea, answers_of(form, questions))
    if not outcome.ok:
        db.session.refresh(idea)
        return _sheet_page(
            forum, user, idea, questions, form=form, error=outcome.error, status=outcome.status
        )
    flash(_("Idea sheet saved. The author's answers are kept."), "success")
    return done(url_for(".sheet", slug=slug, idea_id=idea.id))
