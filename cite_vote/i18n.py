"""The languages: which one a request is answered in, and how each is named."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session

# Each language is named in itself, so these are not translated.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def select_locale() -> str:
    """An explicit choice (``?lang=``, remembered in the session) wins; French otherwise."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
