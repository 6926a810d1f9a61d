"""The logged-in staff member: who it is, and the checks that guard every staff route."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta

from flask import Response, abort, current_app, g, redirect, request, session, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from cite_vote.accounts.models import ROLES, StaffUser
from cite_vote.accounts.services import can_access, normalise_email
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.forums.services import forum_by_slug
from cite_vote.timeutil import utcnow


def password_would_travel_in_clear() -> bool:
    """Whether a password typed on this request's page would cross a network unencrypted.

    ``make run HOST=0.0.0.0`` serves the room in plain HTTP: anyone on the Wi-Fi can read a
    login's password and the session cookie that follows. Staff log in on the laptop itself
    (loopback), or through HTTPS (a proxy in front, ``PROXY_COUNT``); from another machine
    over plain HTTP only if the organiser set ``CITE_VOTE_STAFF_OVER_PLAIN_HTTP`` knowingly.
    """
    if request.scheme == "https" or current_app.config.get("STAFF_OVER_PLAIN_HTTP"):
        return False
    try:
        return not ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:  # no address, or a unix socket: not the loopback we know
        return True


def log_in(user: StaffUser) -> None:
    session.clear()  # a new session id on login: no fixation
    session["staff_id"] = user.id
    session["staff_since"] = utcnow().isoformat()
    session["staff_version"] = user.session_version
    session.permanent = True


def forget_login() -> None:
    """Drop the login from this browser's cookie (other copies of it are ended by the version)."""
    for key in ("staff_id", "staff_since", "staff_version"):
        session.pop(key, None)
    g.pop("staff", None)


# --- known browsers: someone else's wrong guesses must not lock the owner out ------------------

KNOWN_COOKIE = "cite_vote_known"
KNOWN_DAYS = 400
KNOWN_ACCOUNTS = 8  # a shared laptop remembers this many accounts, the latest ones


def _known_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="cite-vote-known-browser")


def _known_cookie() -> dict | None:
    """This browser's signed record of the accounts it has logged in to, if valid."""
    raw = request.cookies.get(KNOWN_COOKIE)
    if not raw:
        return None
    try:
        data = _known_serializer().loads(raw)
    except BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("d"), str)
        or not isinstance(data.get("a"), list)
        or not all(isinstance(i, int) for i in data["a"])
    ):
        return None
    return data


def known_browser(email: str) -> str | None:
    """This browser's id if it has logged in to the account of ``email`` before, else None.

    The login limits give such a browser a budget of its own and leave it out of the account's
    and the address's count of wrong passwords (docs/security.md, "Login throttling"): the
    cookie proves that this browser once knew the password, which a guesser's does not.
    """
    cache = g.setdefault("known_browser", {})
    if email not in cache:
        data = _known_cookie()
        device = None
        if data is not None:
            user_id = db.session.scalar(
                select(StaffUser.id).where(StaffUser.email == normalise_email(email))
            )
            if user_id is not None and user_id in data["a"]:
                device = data["d"]
        cache[email] = device
    return cache[email]


def remember_browser(response: Response, user: StaffUser) -> Response:
    """After a successful login: this browser is known to ``user``'s account from now on."""
    data = _known_cookie() or {"d": secrets.token_urlsafe(16), "a": []}
    accounts = [i for i in data["a"] if i != user.id] + [user.id]
    response.set_cookie(
        KNOWN_COOKIE,
        _known_serializer().dumps({"d": data["d"], "a": accounts[-KNOWN_ACCOUNTS:]}),
        max_age=KNOWN_DAYS * 24 * 3600,
        path=url_for("accounts.login").rsplit("/", 1)[0] or "/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def current_staff() -> StaffUser | None:
    """The staff member of this request, if logged in and the login is still valid.

    The session is a signed cookie that anyone holding a copy can replay, so it is checked
    against the account each time: not expired, the account active, and its session version
    unchanged since login (logout, a password, role or team change raise it).
    """
    if "staff" in g:
        return g.staff
    user = None
    staff_id, since = session.get("staff_id"), session.get("staff_since")
    if staff_id and since:
        hours = current_app.config["STAFF_SESSION_HOURS"]
        if utcnow() - datetime.fromisoformat(since) < timedelta(hours=hours):
            user = db.session.get(StaffUser, staff_id)
        if (
            user is None
            or not user.is_active
            or session.get("staff_version") != user.session_version
        ):
            user = None
            forget_login()
    g.staff = user
    return g.staff


def staff_role() -> str | None:
    """The logged-in staff member's role, for links only organisers may follow (a template
    global: the staff nav and the results pages read it)."""
    user = current_staff()
    return user.role if user is not None else None


def require_staff(roles: tuple[str, ...] = ROLES) -> StaffUser:
    """The logged-in staff member with one of ``roles``; otherwise login (GET) or 403."""
    user = current_staff()
    if user is None:
        if request.method == "GET":
            abort(redirect(url_for("accounts.login", next=request.full_path.rstrip("?")), 303))
        abort(403)
    if user.role not in roles:
        abort(403)
    return user


def staff_forum(slug: str, roles: tuple[str, ...] = ROLES) -> tuple[Forum, StaffUser]:
    """A forum this staff member may act on with one of ``roles``, or 403 (404 if unknown)."""
    user = require_staff(roles)
    forum = forum_by_slug(slug)
    if not can_access(user, forum, roles):
        abort(403)
    return forum, user
