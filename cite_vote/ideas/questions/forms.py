"""The idea form with the forum's questions, and the organiser's form to add one."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cite_vote.forms import Form
from cite_vote.ideas.forms import IdeaForm
from cite_vote.ideas.models import ANSWER_LIMIT_MAX, QUESTION_LABEL_MAX
from cite_vote.ideas.questions.services import Question


def field_name(question_id: int) -> str:
    return f"q{question_id}"


@functools.lru_cache(maxsize=256)
def _form_class(base: type[Form], questions: tuple[Question, ...], ask: bool) -> type[Form]:
    """``base`` with a text area per question (a class per set of questions, made once)."""
    fields = {}
    for q in questions:
        presence = DataRequired(_l("Answer this question.")) if q.required and ask else Optional()
        fields[field_name(q.id)] = TextAreaField(
            q.label,
            validators=[
                presence,
                Length(max=q.max_length, message=_l("At most %(max)d characters.")),
            ],
        )
    return type(f"{base.__name__}WithSheet", (base,), fields)


def idea_form(questions: list[Question], **kwargs) -> IdeaForm:
    """The participant's idea form, with a field per question of the forum."""
    return _form_class(IdeaForm, tuple(questions), True)(**kwargs)


class SheetForm(Form):
    """A facilitator's correction of an idea's answers (none is required there)."""


def sheet_form(questions: list[Question], **kwargs) -> SheetForm:
    return _form_class(SheetForm, tuple(questions), False)(**kwargs)


def answers_of(form: Form, questions: list[Question]) -> dict[int, str | None]:
    return {q.id: form[field_name(q.id)].data for q in questions}


class QuestionForm(Form):
    label = StringField(
        _l("Question"),
        validators=[
            DataRequired(_l("Write the question.")),
            Length(max=QUESTION_LABEL_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    required = BooleanField(_l("Required"))
    max_length = IntegerField(
        _l("Longest answer (characters)"),
        default=300,
        validators=[
            InputRequired(_l("Give a length limit.")),
            NumberRange(
                min=1,
                max=ANSWER_LIMIT_MAX,
                message=_l("Between %(min)d and %(max)d characters."),
            ),
        ],
    )
