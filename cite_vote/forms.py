"""The base of every form: Flask-WTF's, with WTForms' own messages cached per language, and
the check of every text field against the characters no page or download can take.

Flask-WTF (``flask_wtf.i18n``) reads WTForms' catalogue from disk again in every request that
needs one (its cache lives on the request); here each language is read once per process.
"""

from __future__ import annotations

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from cite_vote.text import text_problem

# The largest id an INTEGER column holds, on SQLite and PostgreSQL alike: an id past it is an
# unknown row (404, or the form's message), never a query the database chokes on (500).
ID_MAX = 2**31 - 1
# The longest name a participant gives (the column's size): the profile forms and the service.
NAME_MAX = 80

_catalogues: dict[str, support.Translations] = {}


class _WTFormsTranslations:
    """WTForms' messages ("Not a valid choice." …) in the request's language."""

    @staticmethod
    def _catalogue() -> support.Translations | support.NullTranslations:
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = str(locale)
        catalogue = _catalogues.get(key)
        if catalogue is None:
            catalogue = _catalogues[key] = support.Translations.load(
                messages_path(), [locale], domain="wtforms"
            )
        return catalogue

    def gettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


_translations = _WTFormsTranslations()


class PlainText:
    """The field refuses control characters and the like (``cite_vote.text.text_problem``):
    a text area keeps its tabs and line breaks, a one-line field refuses those too."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str):
            problem = text_problem(field.data, multiline=self.multiline)
            if problem is not None:
                raise ValidationError(problem)


def typed_text(field) -> bool:
    """A field a person types text into: any text field but a password (hashed, never shown)
    and the hidden ones (the CSRF token has its own check)."""
    return isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField)


class Form(FlaskForm):
    """Every form of the app: each text field is checked with ``PlainText``, so no form can
    forget it (a one-line field or a text area, by its kind)."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _translations

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if typed_text(field):
                multiline = isinstance(field, TextAreaField)
                extra.setdefault(name, []).append(PlainText(multiline=multiline))
        return super().validate(extra)


def id_field(
    label=None, *, required: str | None = None, unknown: str | None = None
) -> IntegerField:
    """A field naming a row by its id: a whole number from 1 to ``ID_MAX``.

    ``required`` is the message when it is missing (without it the field is optional);
    ``unknown`` the one for a number no row can have (WTForms' own message without it).
    """
    presence = InputRequired(required) if required is not None else Optional()
    return IntegerField(
        label, validators=[presence, NumberRange(min=1, max=ID_MAX, message=unknown)]
    )
