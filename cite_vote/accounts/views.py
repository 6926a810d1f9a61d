"""Staff login, logout and the staff home page (the forums one may run)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _

from cite_vote import limits
from cite_vote.accounts.forms import ChangePasswordForm, LoginForm
from cite_vote.accounts.services import (
    authenticate,
    change_own_password,
    end_sessions,
    forums_of,
)
from cite_vote.accounts.staff import (
    current_staff,
    forget_login,
    known_browser,
    log_in,
    password_would_travel_in_clear,
    remember_browser,
    require_staff,
)
from cite_vote.extensions import db
from cite_vote.htmx import done, refusable, render

bp = Blueprint("accounts", __name__, url_prefix="/staff")


def safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not send anyone elsewhere.

    Browsers read a backslash as a slash and drop tabs and newlines, so ``/\\evil.example``
    or ``/<tab>/evil.example`` lead off the site although they look like paths: a target with
    a backslash, a space or a control character is refused outright, whatever follows. So is
    anything but printable ASCII: a browser may fold a full-width dot (U+FF0E) into a dot, and
    a header (``HX-Redirect``) cannot carry it. The site's own links are ASCII (``url_for``
    percent-encodes), so nothing legitimate is lost.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and all("!" <= c <= "~" and c != "\\" for c in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("accounts.home")


# Three limits, none of which lets the room's shared address lock it out (limits.LOGIN_*).
@bp.route("/login", methods=["GET", "POST"])
@limits.login(known_browser=known_browser)
def login():
    if password_would_travel_in_clear():
        # Refused before the password is typed: the page holds no form, only why and where.
        port = request.environ.get("SERVER_PORT", "8000")
        return render(
            "accounts/login.html",
            "login_form",
            form=None,
            in_clear=True,
            laptop_url=f"http://localhost:{port}{url_for('accounts.login')}",
            status=403,
        )
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        with refusable(shown=False):  # only a successful login writes (its time)
            user = authenticate(form.email.data, form.password.data)
        if user is not None:
            log_in(user)
            return remember_browser(done(safe_next(request.args.get("next"))), user)
        error = _("Wrong email or password.")
    status = 422 if form.errors or error else 200
    return render("accounts/login.html", "login_form", form=form, error=error, status=status)


@bp.post("/logout")
def logout():
    """Ends every session of the account, not only this browser's: a copied cookie dies too."""
    user = current_staff()
    if user is not None:
        with refusable(shown=False):
            end_sessions(user)
    forget_login()
    return done(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@limits.password_change(current_staff=current_staff)
def password():
    """Change one's own password: this session stays, every other one of the account ends."""
    user = require_staff()
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        with refusable() as outcome:
            change_own_password(user, form.current_password.data, form.new_password.data)
        error = outcome.error
        if outcome.ok:
            log_in(user)  # this browser carries on under the new session version
            flash(_("Your password is changed. Your other sessions are closed."), "success")
            return done(url_for(".home"))
    status = 422 if form.errors or error else 200
    return render("accounts/password.html", "password_form", form=form, error=error, status=status)


@bp.get("/")
def home():
    user = require_staff()
    forums = db.session.scalars(forums_of(user)).all()
    return render("accounts/home.html", user=user, forums=forums)
