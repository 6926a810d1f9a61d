"""Idea sheets: up to five questions of the organiser's own on the idea form ("Pour qui ?",
"Premier pas concret"), each optional or required with a length limit, answered when
proposing; a facilitator may correct an answer, the author's first wording is kept.

The phone's challenge page reads the questions as plain values (``form_questions``), and only
while the challenge takes ideas: the page every phone reloads loads no ORM object.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, func, select

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.versions import mark_changed
from cite_vote.ideas.models import (
    ANSWER_LIMIT_MAX,
    QUESTION_LABEL_MAX,
    QUESTIONS_MAX,
    Idea,
    IdeaAnswer,
    IdeaQuestion,
)
from cite_vote.ideas.services import propose_idea
from cite_vote.refusals import Invalid, RuleError, Unknown
from cite_vote.text import text_problem
from cite_vote.timeutil import utcnow


class Question(NamedTuple):
    """A question as the forms, pages and files show it."""

    id: int
    label: str
    required: bool
    max_length: int


def _question(row) -> Question:
    return Question(row.id, row.label, bool(row.required), row.max_length)


def form_questions(forum_id: int) -> list[Question]:
    """The forum's questions, in order, as plain values."""
    return [_question(r) for r in db.session.execute(_questions_statement(), {"forum": forum_id})]


@functools.cache
def _questions_statement():
    q = IdeaQuestion.__table__.c
    return (
        select(q.id, q.label, q.required, q.max_length)
        .where(q.forum_id == bindparam("forum", type_=Integer))
        .order_by(q.position, q.id)
    )


# --- the organiser's questions ------------------------------------------------------------------


def add_question(forum: Forum, label: str, *, required: bool, max_length: int) -> IdeaQuestion:
    label = (label or "").strip()
    problem = text_problem(label)
    if problem is not None:
        raise Invalid(problem)
    if not label:
        raise Invalid(_l("Write the question."))
    if len(label) > QUESTION_LABEL_MAX:
        raise Invalid(_l("The question is too long."))
    if not 1 <= max_length <= ANSWER_LIMIT_MAX:
        raise Invalid(
            _l("The length limit is between 1 and %(max)d characters.", max=ANSWER_LIMIT_MAX)
        )
    count = db.session.scalar(
        select(func.count()).select_from(IdeaQuestion).where(IdeaQuestion.forum_id == forum.id)
    )
    if count >= QUESTIONS_MAX:
        raise RuleError(_l("An idea form holds %(num)d questions at most.", num=QUESTIONS_MAX))
    question = IdeaQuestion(
        forum_id=forum.id,
        position=count + 1,
        label=label,
        required=bool(required),
        max_length=max_length,
    )
    db.session.add(question)
    mark_changed(forum.id)
    db.session.flush()
    return question


def remove_question(forum: Forum, question_id: int) -> None:
    """A question nobody answered yet leaves the form; an answered one stays (its answers are
    part of the ideas' sheets, in the files and the cahier)."""
    question = db.session.get(IdeaQuestion, question_id)
    if question is None or question.forum_id != forum.id:
        raise Unknown()
    answered = db.session.scalar(
        select(func.count()).select_from(IdeaAnswer).where(IdeaAnswer.question_id == question.id)
    )
    if answered:
        raise RuleError(
            _l("This question already has answers: it stays, so that no idea loses its sheet.")
        )
    db.session.delete(question)
    mark_changed(forum.id)
    db.session.flush()


# --- answers ------------------------------------------------------------------------------------


def clean_answers(questions: list[Question], given: dict[int, str | None]) -> dict[int, str]:
    """Each question's answer, checked (required, limit, characters); RuleError otherwise."""
    answers = {}
    for q in questions:
        value = given.get(q.id) or ""
        problem = text_problem(value, multiline=True)
        if problem is not None:
            raise Invalid(problem)
        value = value.strip()
        if q.required and not value:
            raise Invalid(_l("Answer “%(question)s”.", question=q.label))
        if len(value) > q.max_length:
            raise Invalid(
                _l(
                    "The answer to “%(question)s” is too long (%(max)d characters at most).",
                    question=q.label,
                    max=q.max_length,
                )
            )
        answers[q.id] = value
    return answers


def propose_with_sheet(
    challenge: Challenge,
    participant: Participant,
    title: str,
    description: str,
    answers: dict[int, str | None],
    *,
    show_author_name: bool = False,
) -> Idea:
    """Propose an idea with its answers to the forum's questions (ideas.services.propose_idea)."""
    questions = form_questions(challenge.forum_id)
    cleaned = clean_answers(questions, answers)
    idea = propose_idea(
        challenge, participant, title, description, show_author_name=show_author_name
    )
    for question_id, value in cleaned.items():
        if value:
            db.session.add(IdeaAnswer(idea_id=idea.id, question_id=question_id, value=value))
    db.session.flush()
    return idea


def edit_answers(idea: Idea, answers: dict[int, str | None]) -> Idea:
    """A facilitator's correction of an idea's sheet: each changed answer keeps its first
    wording (``original_value``), as an edited idea keeps its title."""
    if idea.status == "merged":
        raise RuleError(_l("This idea was merged into another one: edit that one instead."))
    questions = form_questions(idea.challenge.forum_id)
    cleaned = clean_answers([q._replace(required=False) for q in questions], answers)
    stored = {
        a.question_id: a
        for a in db.session.scalars(select(IdeaAnswer).where(IdeaAnswer.idea_id == idea.id))
    }
    now = utcnow()
    for question_id, value in cleaned.items():
        answer = stored.get(question_id)
        if answer is None:
            if value:
                db.session.add(
                    IdeaAnswer(
                        idea_id=idea.id,
                        question_id=question_id,
                        value=value,
                        original_value="",
                        edited_at=now,
                    )
                )
            continue
        if answer.value == value:
            continue
        if answer.original_value is None:
            answer.original_value = answer.value
        answer.value, answer.edited_at = value, now
    mark_changed(idea.challenge.forum_id)
    db.session.flush()
    return idea


class SheetLine(NamedTuple):
    question: str
    answer: str
    original: str | None  # the author's wording, when a facilitator changed it


def idea_sheets(forum_id: int, idea_ids: list[int]) -> dict[int, list[SheetLine]]:
    """Each idea's sheet: its answers in the order of the questions (unanswered ones left out)."""
    if not idea_ids:
        return {}
    rows = db.session.execute(
        select(
            IdeaAnswer.idea_id,
            IdeaQuestion.label,
            IdeaAnswer.value,
            IdeaAnswer.original_value,
        )
        .join(IdeaQuestion, IdeaQuestion.id == IdeaAnswer.question_id)
        .where(IdeaQuestion.forum_id == forum_id, IdeaAnswer.idea_id.in_(idea_ids))
        .order_by(IdeaQuestion.position, IdeaQuestion.id)
    )
    sheets: dict[int, list[SheetLine]] = {}
    for idea_id, label, value, original in rows:
        if value:
            sheets.setdefault(idea_id, []).append(SheetLine(label, value, original))
    return sheets


def answer_values(forum_id: int, idea_ids: list[int]) -> dict[int, dict[int, str]]:
    """The answers by idea and question id (a column each in the downloads)."""
    if not idea_ids:
        return {}
    values: dict[int, dict[int, str]] = {}
    for idea_id, question_id, value in db.session.execute(
        select(IdeaAnswer.idea_id, IdeaAnswer.question_id, IdeaAnswer.value)
        .join(IdeaQuestion, IdeaQuestion.id == IdeaAnswer.question_id)
        .where(IdeaQuestion.forum_id == forum_id, IdeaAnswer.idea_id.in_(idea_ids))
    ):
        values.setdefault(idea_id, {})[question_id] = value
    return values
