"""The logged-in staff member: who it is, and the checks that guard every staff route."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, g, redirect, request, session, url_for

from cite_vote.accounts.models import ROLES, StaffUser
from cite_vote.accounts.services import can_access
from cite_vote.extensions import db
from cite_vote.forums.models import Forum
from cite_vote.forums.services import forum_by_slug
from cite_vote.timeutil import utcnow


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
