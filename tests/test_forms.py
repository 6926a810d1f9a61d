"""The base form (cite_vote/forms.py): every text field of every form refuses control characters."""

import importlib

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField

from cite_vote.forms import Form, typed_text

FORM_MODULES = [
    "cite_vote.accounts.forms",
    "cite_vote.forums.forms",
    "cite_vote.ideas.forms",
    "cite_vote.results.forms",
    "cite_vote.results.screen.forms",
    "cite_vote.votes.forms",
]


def every_form() -> list[type[Form]]:
    for name in FORM_MODULES:
        importlib.import_module(name)
    found, todo = [], list(Form.__subclasses__())
    while todo:
        form = todo.pop()
        found.append(form)
        todo.extend(form.__subclasses__())
    return sorted(set(found), key=lambda f: f"{f.__module__}.{f.__name__}")


def text_fields(form_class, app) -> list[str]:
    with app.test_request_context(method="POST"):
        form = form_class(formdata=MultiDict(), meta={"csrf": False})
        return [name for name, field in form._fields.items() if typed_text(field)]


def test_the_forms_of_every_domain_are_found(app):
    names = {f.__name__ for f in every_form()}
    assert {"IdeaForm", "CommentForm", "EditForm", "ProfileForm", "ForumForm"} <= names
    assert {"ChallengeForm", "AssistedForm", "ReadTokenForm", "LoginForm"} <= names


@pytest.mark.parametrize(
    "form_class", every_form(), ids=lambda f: f"{f.__module__.split('.')[-2]}.{f.__name__}"
)
def test_every_text_field_of_every_form_refuses_a_control_character(app, form_class):
    for name in text_fields(form_class, app):
        with app.test_request_context(method="POST"):
            form = form_class(formdata=MultiDict({name: "Texte\x01"}), meta={"csrf": False})
            form.validate()
            assert any("caractère invisible" in str(e) for e in form[name].errors), (
                form_class.__name__,
                name,
                form[name].errors,
            )


def test_a_password_may_hold_any_character(app):
    """A password is hashed and never shown: refusing a character there would only lock out."""
    from cite_vote.accounts.forms import LoginForm

    with app.test_request_context(method="POST"):
        data = MultiDict({"email": "a@b.c", "password": "mot\x01de passe"})
        form = LoginForm(formdata=data, meta={"csrf": False})
        assert isinstance(form.password, PasswordField)
        assert form.validate(), form.errors


def test_a_text_area_keeps_its_line_breaks_and_a_one_line_field_does_not(app):
    from cite_vote.ideas.forms import IdeaForm

    with app.test_request_context(method="POST"):
        data = MultiDict({"title": "Une idée", "description": "Ligne 1\r\n\tLigne 2"})
        assert IdeaForm(formdata=data, meta={"csrf": False}).validate()
        data = MultiDict({"title": "Une\r\nidée"})
        form = IdeaForm(formdata=data, meta={"csrf": False})
        assert not form.validate() and "une seule ligne" in str(form.title.errors)
