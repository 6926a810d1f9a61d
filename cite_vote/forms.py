"""The base of every form: Flask-WTF's, with WTForms' own messages cached per language.

Flask-WTF (``flask_wtf.i18n``) reads WTForms' catalogue from disk again in every request that
needs one (its cache lives on the request); here each language is read once per process.
"""

from __future__ import annotations

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

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


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _translations
