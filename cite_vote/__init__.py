"""cite-vote: a participatory forum in a room."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Application factory: settings from the environment, then ``config`` on top (tests)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    from cite_vote.config import from_environment

    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.update(config)

    from cite_vote import models  # noqa: F401  (registers every table)
    from cite_vote.extensions import babel, csrf, db, limiter, migrate, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from cite_vote import web

    web.init_app(app)

    from cite_vote.accounts.views import bp as accounts_bp
    from cite_vote.forums.facilitate import bp as facilitate_bp
    from cite_vote.forums.views import bp as forums_bp
    from cite_vote.ideas.views import bp as ideas_bp
    from cite_vote.votes.views import bp as votes_bp
    from cite_vote.results.views import bp as results_bp
    from cite_vote.results.manage import bp as results_manage_bp

    app.register_blueprint(forums_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(ideas_bp)
    app.register_blueprint(votes_bp)
    app.register_blueprint(facilitate_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(results_manage_bp)
    from cite_vote.results.screen import bp as screen_bp

    app.register_blueprint(screen_bp)
    from cite_vote.forums.manage import bp as manage_bp
    from cite_vote.forums.tickets import bp as tickets_bp

    app.register_blueprint(manage_bp)
    app.register_blueprint(tickets_bp)

    from cite_vote.cli import register

    register(app)
    return app
