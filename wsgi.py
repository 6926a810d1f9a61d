"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from cite_vote import create_app

app = create_app()
