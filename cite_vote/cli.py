"""Command-line tools: ``flask --app cite_vote <command>``."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from cite_vote.accounts.models import ROLES
from cite_vote.accounts.services import create_staff_user
from cite_vote.extensions import db
from cite_vote.forums.models import PHASES
from cite_vote.refusals import RuleError

DEMO_ORGANISER = "organisateur@demo.cite-vote.fr"

# The commands are defined at module level on this group, each run in an app context; create_app
# adds them to ``flask`` itself (``flask demo``, ``flask verify``, ...).
commands = AppGroup("cite-vote")


def register(app: Flask) -> None:
    for command in commands.commands.values():
        app.cli.add_command(command)


@commands.command("demo")
def demo() -> None:
    """Create the demo forum (cite-2018) if it is missing; keep it as it is otherwise."""
    from cite_vote.demo import ensure_demo_forum

    forum, created = ensure_demo_forum()
    organiser_password = None
    if forum.owner_id is None:
        organiser_password = secrets.token_urlsafe(12)
        user = create_staff_user(DEMO_ORGANISER, "organiser", organiser_password)
        forum.owner_id = user.id
    db.session.commit()
    state = "created" if created else "already there"
    click.echo(f"Demo forum {forum.slug}: {state}. Join code: {forum.join_code}")
    if organiser_password:
        click.echo("Demo organiser (shown once, keep it):")
        click.echo(f"  email:    {DEMO_ORGANISER}")
        click.echo(f"  password: {organiser_password}")


@commands.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--password",
    "ask",
    flag_value=True,
    default=False,
    help="Prompt for the password instead of generating one.",
)
def create_user(email: str, role: str, ask: bool) -> None:
    """Create a staff account; the password is prompted, or generated and printed once."""
    password = (
        click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if ask
        else secrets.token_urlsafe(12)
    )
    try:
        user = create_staff_user(email, role, password)
    except RuleError as refused:
        raise click.ClickException(str(refused.message)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
    if not ask:
        click.echo(f"Password (shown once): {password}")


@commands.command("demo-info")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
def demo_info(host: str, port: int) -> None:
    """Print the demo forum's join code and the URLs to open."""
    from cite_vote.demo import DEMO_SLUG
    from cite_vote.forums.services import forum_by_slug
    from cite_vote.links import public_url, served_url

    base = current_app.config["PUBLIC_URL"] or served_url(host, port)
    with current_app.test_request_context(base_url=base):
        forum = forum_by_slug(DEMO_SLUG)
        click.echo("")
        click.echo(f"  cite-vote is starting on {base}/")
        click.echo(f"  Demo forum:  {forum.title}")
        click.echo(f"  Join code:   {forum.join_code}")
        click.echo(f"  Join link:   {public_url('forums.join', code=forum.join_code)}")
        click.echo(f"  Forum page:  {public_url('forums.forum', slug=forum.slug)}")
        click.echo(f"  Staff login: {public_url('accounts.login')}")
        if host not in {"127.0.0.1", "localhost", "::1"} and base.startswith("http://"):
            if current_app.config["STAFF_OVER_PLAIN_HTTP"]:
                click.echo("  Staff logins from other machines are ALLOWED over plain HTTP:")
                click.echo("  anyone on this network can read their passwords and sessions.")
            else:
                click.echo(f"  Staff log in on this computer: http://localhost:{port}/staff/login")
                click.echo("  (refused from other machines over plain HTTP: the passwords would")
                click.echo(
                    "  cross the Wi-Fi in clear; CITE_VOTE_STAFF_OVER_PLAIN_HTTP=1 allows it)"
                )
        click.echo("")


@commands.command("phase")
@click.argument("slug")
@click.argument("phase", type=click.Choice(PHASES))
@click.option("--challenge", "position", type=int, help="Only this challenge (its number).")
def phase(slug: str, phase: str, position: int | None) -> None:
    """Set the phase of every challenge of a forum, or of one with --challenge N."""
    from sqlalchemy import select

    from cite_vote.forums.models import Forum
    from cite_vote.forums.services import challenge_by_position
    from cite_vote.refusals import RuleError
    from cite_vote.votes.phases import change_phase

    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise click.ClickException(f"No forum with the slug {slug!r}.")
    challenge = None
    if position is not None:
        challenge = challenge_by_position(forum, position)
        if challenge is None:
            raise click.ClickException(f"Forum {slug} has no challenge number {position}.")
    # The facilitator page's path, lock included; the person at the terminal is deliberate,
    # so moving back a phase needs no second step.
    try:
        changed = change_phase(forum, phase, challenge, confirmed=True)
    except RuleError as refused:
        raise click.ClickException(str(refused.message)) from None
    db.session.commit()
    for c in changed:
        click.echo(f"{c.position}. {c.title}: {c.phase}")


SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


def _postgres_tool(tool: str, url, *args: str) -> subprocess.CompletedProcess:
    """Run pg_dump or pg_restore on the database of ``url`` (its password in the environment,
    never on the command line, where every user of the host could read it)."""
    import os
    import shutil

    if shutil.which(tool) is None:
        raise click.ClickException(
            f"{tool} is not installed: `apt-get install postgresql-client` (Debian), of the "
            "server's major version or newer."
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    target = url.set(drivername="postgresql", password=None)
    conninfo = target.render_as_string(hide_password=False)
    return subprocess.run(
        [tool, *args, f"--dbname={conninfo}"], env=env, capture_output=True, text=True
    )


@commands.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Copy the database to PATH, consistently, even while the room is voting.

    SQLite: a copy of the database file. PostgreSQL: pg_dump's custom format (one
    transaction's snapshot). `restore PATH` puts either back.
    """
    import sqlite3

    engine = db.engine
    target = Path(path)
    if target.exists():
        raise click.ClickException(f"{target} exists already: choose a new file name.")
    if engine.dialect.name == "postgresql":
        done = _postgres_tool("pg_dump", engine.url, "--format=custom", f"--file={target}")
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            raise click.ClickException(f"pg_dump failed: {done.stderr.strip()}")
    else:
        source = engine.raw_connection()
        try:
            with sqlite3.connect(target) as copy:
                source.driver_connection.backup(copy)
        finally:
            source.close()
    click.echo(f"Backed up the database to {target}.")


@commands.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database's contents without asking.")
def restore(path: str, yes: bool) -> None:
    """Replace everything in the configured database with a backup made by `backup`.

    Stop the service first. PostgreSQL: pg_restore --clean --if-exists in one transaction
    (a failure changes nothing); a plain pg_restore into a database that has the tables
    fails on every object and restores nothing. Then run `verify` and `recount` on it.
    """
    import sqlite3
    from contextlib import closing

    from sqlalchemy import select

    from cite_vote.forums.models import Forum

    engine = db.engine
    source = Path(path)
    with source.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    kind = engine.dialect.name
    expected = {"postgresql": PG_DUMP_HEADER, "sqlite": SQLITE_HEADER}.get(kind)
    if expected is None or not header.startswith(expected):
        made_by = "PostgreSQL" if kind == "postgresql" else "SQLite"
        raise click.ClickException(
            f"{source} is not a backup of a {made_by} database as `backup` makes them: "
            "nothing was changed."
        )
    shown = engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(
            f"Replace everything in {shown} with {source}? (stop the service first)", abort=True
        )
    db.session.remove()
    engine.dispose()
    if kind == "postgresql":
        done = _postgres_tool(
            "pg_restore",
            engine.url,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(source),
        )
        if done.returncode != 0:
            raise click.ClickException(
                f"pg_restore failed, nothing was changed: {done.stderr.strip()}"
            )
    else:
        # closing(): sqlite3's own context manager commits but leaves the file open.
        with (
            closing(sqlite3.connect(source)) as backup_file,
            closing(sqlite3.connect(engine.url.database)) as live,
        ):
            try:
                backup_file.backup(live)  # in one write transaction: a failure changes nothing
            except sqlite3.DatabaseError as error:
                raise click.ClickException(
                    f"{source} cannot be read as a database ({error}): nothing was changed."
                ) from None
    slugs = db.session.scalars(select(Forum.slug).order_by(Forum.id)).all()
    click.echo(f"Restored {source} into {shown}: {len(slugs)} forum(s).")
    for slug in slugs:
        click.echo(f"  check it: verify {slug} && recount {slug}")


@commands.command("set-password")
@click.argument("email")
@click.option("--password", help="The new password (prompted, hidden, when left out).")
def set_password_command(email: str, password: str | None) -> None:
    """Set a staff account's password (a forgotten one, say); its sessions all end."""
    from cite_vote.accounts.services import set_password, staff_by_email

    user = staff_by_email(email)
    if user is None:
        raise click.ClickException(f"No staff account uses {email!r}.")
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(user, password)
    except RuleError as refused:
        raise click.ClickException(str(refused.message)) from None
    db.session.commit()
    click.echo(f"Password of {user.email} changed; its sessions are closed.")


@commands.command("add-to-team")
@click.argument("email")
@click.argument("slug")
def add_to_team(email: str, slug: str) -> None:
    """Give an existing staff account access to a forum (as the Team page does)."""
    from sqlalchemy import select

    from cite_vote.accounts.services import staff_by_email
    from cite_vote.accounts.team import add_team_member
    from cite_vote.forums.models import Forum

    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise click.ClickException(f"No forum with the slug {slug!r}.")
    found = staff_by_email(email)
    if found is None or not found.is_active:
        raise click.ClickException(
            f"No staff account uses {email!r}: create it first with `flask create-user`."
        )
    try:
        user = add_team_member(forum, email)
    except RuleError as refused:
        raise click.ClickException(str(refused.message)) from None
    db.session.commit()
    click.echo(f"{user.email} ({user.role}) is now on the team of {forum.slug}.")


@commands.command("public-url")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
def public_url_command(host: str, port: int) -> None:
    """Print the address phones should use: CITE_VOTE_PUBLIC_URL, or the LAN's."""
    from cite_vote.links import served_url

    click.echo(current_app.config["PUBLIC_URL"] or served_url(host, port))


@commands.command("cahier-build")
@click.argument("slug")
@click.option("--file-id", type=int, help="The pending build a request is waiting for.")
@click.option("--order", type=click.Choice(["dots", "cross"]), default="dots")
@click.option("--scope", type=click.Choice(["all", "shortlist"]), default="all")
@click.option("--lang", default="fr")
def cahier_build(slug: str, file_id: int | None, order: str, scope: str, lang: str) -> None:
    """Build the cahier's PDF and keep it: downloads are then served at once."""
    from cite_vote.forums.services import forum_by_slug
    from cite_vote.results.cahier import build_cahier

    base = current_app.config["PUBLIC_URL"] or "http://localhost"
    query = {"order": order, "scope": scope, "lang": lang}
    with current_app.test_request_context(
        f"/f/{slug}/cahier.pdf", base_url=base, query_string=query
    ):
        file = build_cahier(forum_by_slug(slug), file_id, order=order, scope=scope)
        click.echo(f"{slug}: cahier built ({len(file.pdf or b'')} bytes).")


@commands.command("verify")
@click.argument("slug")
def verify(slug: str) -> None:
    """Check the dots against the ledger and the rules (exit 1 and name each breach).

    The report is per challenge: its ledger entries, the dots they add up to, and every
    vote or ballot that disagrees with the replay or breaks a rule (dots on an idea that
    is not visible, a holding over the cap, a ballot over the budget).
    """
    from sqlalchemy import func, select

    from cite_vote.forums.models import Challenge, Forum
    from cite_vote.votes.chain import audit_chain
    from cite_vote.votes.models import LedgerEntry
    from cite_vote.votes.services import rule_breaches

    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise click.ClickException(f"No forum with the slug {slug!r}.")
    challenges = db.session.scalars(
        select(Challenge).where(Challenge.forum_id == forum.id).order_by(Challenge.position)
    ).all()
    ledger = {
        cid: (int(n), int(total or 0))
        for cid, n, total in db.session.execute(
            select(LedgerEntry.challenge_id, func.count(), func.sum(LedgerEntry.delta))
            .where(LedgerEntry.challenge_id.in_([c.id for c in challenges]))
            .group_by(LedgerEntry.challenge_id)
        )
    }
    failed = 0
    for challenge in challenges:
        entries, dots = ledger.get(challenge.id, (0, 0))
        # The time-ordered chain is the staff's audit: checked here, never published.
        problems = rule_breaches([challenge.id]) + audit_chain(challenge)
        state = "OK" if not problems else f"{len(problems)} DIFFERENCE(S)"
        click.echo(
            f"{challenge.position}. {challenge.title} [{challenge.phase}]: {state} "
            f"({entries} ledger entries, {dots} dots)"
        )
        for problem in problems:
            click.echo(f"    DIFFERENCE {problem}")
        failed += bool(problems)
    if failed:
        click.echo(f"{slug}: {failed} challenge(s) where the dots break the ledger or the rules.")
        raise SystemExit(1)
    click.echo(f"{slug}: the ledger gives exactly the stored totals and every rule holds.")


@commands.command("recount")
@click.argument("slug")
def recount(slug: str) -> None:
    """Recount the closed challenges as an outsider would, from the published log.

    Runs cite_vote/recount.py (the script anyone downloads) on the published log: the seal,
    the ballots against the rule, the ranking recomputed. Then what only the server can check:
    each sealed record against the database of today, the staff's ledger chain and its sum
    against the votes, the sealed ranking against the results pages. Exit 1 naming each
    difference.
    """
    from sqlalchemy import select

    from cite_vote.forums.models import Forum
    from cite_vote.results.public_log import recount_forum
    from cite_vote.timeutil import utcnow

    forum = db.session.scalar(select(Forum).where(Forum.slug == slug))
    if forum is None:
        raise click.ClickException(f"No forum with the slug {slug!r}.")
    ok, lines = recount_forum(forum, now=utcnow())
    for line in lines:
        click.echo(line)
    if not ok:
        click.echo(f"{slug}: the recount does NOT match the published results.")
        raise SystemExit(1)
    click.echo(f"{slug}: the recount matches the published results.")
