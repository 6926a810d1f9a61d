"""cite-vote: a participatory forum in a room."""

from __future__ import annotations

import os

from flask import Flask

from cite_vote.paths import ROOT


def create_app(config: dict | None = None) -> Flask:
    """Application factory: settings from the environment, then ``config`` on top (tests)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    from cite_vote.config import engine_options, from_environment

    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind N proxies: the client's address (rate limits) and scheme (Secure cookies,
        # links) come from their X-Forwarded-* headers, trusting only the last N hops.
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    from cite_vote import (
        change_watch,  # noqa: F401  (the forum version follows every change)
        limits,
        models,  # noqa: F401  (registers every table)
    )
    from cite_vote.extensions import babel, csrf, db, init_migrations, ping_with_begin
    from cite_vote.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        ping_with_begin(db.engine)
    init_migrations(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limits.init_app(app)

    from cite_vote import request_hooks

    request_hooks.init_app(app)

    from cite_vote import static_files, template_globals

    template_globals.init_app(app)
    static_files.init_app(app)

    from cite_vote.accessibility import bp as accessibility_bp
    from cite_vote.accounts.views import bp as accounts_bp
    from cite_vote.control.forum import bp as forums_manage_bp
    from cite_vote.control.moderation import bp as ideas_manage_bp
    from cite_vote.ideas.imports.views import bp as ideas_import_bp
    from cite_vote.ideas.questions.views import bp as ideas_questions_bp
    from cite_vote.phone.challenge import bp as ideas_bp
    from cite_vote.phone.dots import bp as votes_bp
    from cite_vote.phone.forum import bp as forums_bp
    from cite_vote.results.manage import bp as results_manage_bp
    from cite_vote.results.screen.views import bp as screen_bp
    from cite_vote.results.views import bp as results_bp
    from cite_vote.votes.manage import bp as votes_manage_bp
    from cite_vote.votes.paper_manage import bp as paper_manage_bp

    # Participant routes (views.py), then each domain's staff routes (manage.py).
    for blueprint in (
        forums_bp,
        ideas_bp,
        votes_bp,
        accounts_bp,
        forums_manage_bp,
        ideas_manage_bp,
        ideas_import_bp,
        ideas_questions_bp,
        votes_manage_bp,
        paper_manage_bp,
        results_bp,
        results_manage_bp,
        screen_bp,
        accessibility_bp,
    ):
        app.register_blueprint(blueprint)

    from cite_vote import polls

    polls.init_app(app)  # outermost: an unchanged poll is answered before anything else

    from cite_vote.cli import register

    register(app)
    return app
