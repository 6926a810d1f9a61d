"""``cite-vote``: the app's commands run against the server's own settings.

``flask --app cite_vote db upgrade`` reads its database from the shell's environment: in a fresh
shell on a server it migrated a new SQLite file under ``instance/`` and exited 0, the real
database untouched (issue 19). ``cite-vote`` reads the settings file the systemd unit reads
first (``--env-file PATH``, else ``$CITE_VOTE_ENV_FILE``, else ``/etc/cite-vote/env`` when it
exists), then runs the same commands as ``flask`` (``db upgrade``, ``verify``, ``backup``...).
A variable already set in the environment wins over the file, so one command can be pointed
elsewhere (``CITE_VOTE_DATABASE_URL=... cite-vote verify SLUG``). Production without a
database URL refuses to run (``config.from_environment``).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy.engine import make_url

from cite_vote.config import ConfigError

DEFAULT_ENV_FILE = Path("/etc/cite-vote/env")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def read_env_file(path: Path) -> dict[str, str]:
    """The ``NAME=value`` lines of a systemd EnvironmentFile (comments, quotes, ``export``)."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        line = line.removeprefix("export ").strip()
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not _NAME.fullmatch(name):
            raise click.UsageError(f"{path}, line {number}: expected NAME=value, got {raw!r}")
        value = value.strip()
        if value[:1] in {'"', "'"}:
            try:
                parts = shlex.split(value)
            except ValueError as bad:
                raise click.UsageError(f"{path}, line {number}: {bad}") from None
            value = parts[0] if parts else ""
        values[name] = value
    return values


def load_settings(path: Path | None) -> Path | None:
    """Put the settings file's values into the environment (unset names only); its path."""
    if path is None:
        named = os.environ.get("CITE_VOTE_ENV_FILE")
        if named:
            path = Path(named)
        elif DEFAULT_ENV_FILE.exists():
            path = DEFAULT_ENV_FILE
        else:
            return None
    try:
        values = read_env_file(path)
    except OSError as error:
        raise click.UsageError(
            f"Cannot read the settings file {path}: {error.strerror}. It holds the server's "
            "secrets (mode 600): run the command as root, or name another with --env-file."
        ) from None
    for name, value in values.items():
        os.environ.setdefault(name, value)
    return path


def _load(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    path = load_settings(Path(value) if value else None)
    ctx.meta["cite_vote.env_file"] = path


class ServerSettings(ScriptInfo):
    """Loads the app the way ``flask --app cite_vote`` does (by its import path: nothing in the
    package imports its root, the factory), then says on stderr which settings and database
    the command works on."""

    def __init__(self) -> None:
        super().__init__(app_import_path="cite_vote", set_debug_flag=False)
        self.announced = False

    def load_app(self) -> Flask:
        app = super().load_app()
        if not self.announced:
            self.announced = True
            context = click.get_current_context(silent=True)
            source = context.meta.get("cite_vote.env_file") if context else None
            url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
            click.echo(
                f"cite-vote: settings from {source or 'the environment'}; "
                f"database {url.render_as_string(hide_password=True)}",
                err=True,
            )
        return app


def make_group() -> FlaskGroup:
    group = FlaskGroup(
        name="cite-vote",
        load_dotenv=False,
        set_debug_flag=False,
        help="cite-vote's commands (those of `flask --app cite_vote`), on the server's settings.",
    )
    # Flask's own --env-file needs python-dotenv and lets the shell's --app win: one option
    # that reads the unit's file replaces both.
    group.params = [p for p in group.params if p.name not in {"env_file", "app"}]
    group.params.insert(
        0,
        click.Option(
            ["--env-file", "-e"],
            type=click.Path(dir_okay=False),
            is_eager=True,
            expose_value=False,
            callback=_load,
            help=(
                "The settings file the service reads (default: $CITE_VOTE_ENV_FILE, else "
                f"{DEFAULT_ENV_FILE} when it exists). The environment's own values win."
            ),
        ),
    )
    return group


def main() -> None:
    try:
        make_group().main(prog_name="cite-vote", obj=ServerSettings())
    except ConfigError as refused:  # production refusing what is unsafe: one line, no trace
        click.echo(f"cite-vote: {refused}", err=True)
        sys.exit(2)
