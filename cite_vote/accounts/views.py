"""Staff login, logout and the staff home page (the forums one may run)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _

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
    remember_browser,
    require_staff,
)
from cite_vote.extensions import db, limiter
from cite_vote.htmx import done, render
from cite_vote.refusals import RuleError

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


def _login_email() -> str:
    return (request.form.get("email") or "").strip().lower()


def _login_key() -> str:
    email = _login_email()
    device = known_browser(email)
    return f"known|{device}|{email}" if device else f"{request.remote_addr}|{email}"


def _known() -> bool:
    return known_browser(_login_email()) is not None


def _account_key() -> str:
    return f"account|{_login_email()}"


def _address_key() -> str:
    return f"address|{request.remote_addr}"


def _failed(response) -> bool:
    return response.status_code == 422


# A room shares one address (the venue's NAT), so nothing counted per address alone may lock
# the room out: each address and email pair has its own budget, and the limits on one account
# (from anywhere) and on one address (across accounts) count wrong passwords only. A hundred
# wrong guesses at one account from the room cannot stop another account logging in there.
# A browser that has logged in to the account before (staff.known_browser) has its own budget
# of 10 a minute and is left out of the other two: no one else's guesses lock the owner out.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", key_func=_login_key, methods=["POST"])
@limiter.limit(
    "30 per minute",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known,
)
@limiter.limit(
    "100 per minute",
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_known,
)
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
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
        end_sessions(user)
        db.session.commit()
    forget_login()
    return done(url_for("accounts.login"))


def _staff_key() -> str:
    user = current_staff()
    return f"staff|{user.id if user is not None else '-'}"


def _anonymous() -> bool:
    return current_staff() is None


# Counted per account, for logged-in staff only: a stranger's posts (refused 403 without a
# session) must not spend the budget of an organiser who shares the room's address.
@bp.route("/password", methods=["GET", "POST"])
@limiter.limit("10 per minute", key_func=_staff_key, exempt_when=_anonymous, methods=["POST"])
def password():
    """Change one's own password: this session stays, every other one of the account ends."""
    user = require_staff()
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            change_own_password(user, form.current_password.data, form.new_password.data)
        except RuleError as refused:
            db.session.rollback()
            error = refused.message
        else:
            db.session.commit()
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
