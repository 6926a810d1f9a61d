"""Every rate limit: the limiter, its figures, its keys, and one decorator per limit.

Views say ``@limits.propose`` or ``@limits.join(...)`` and nothing else: no limit string and
no key function lives anywhere else in ``cite_vote`` (``tests/test_limits.py`` checks it). The
counters are kept by the storage in ``limit_storage`` (one SQLite file per host, or Redis).

This module is plumbing: it imports no domain. Where a key or an exemption needs a domain's
answer (the known browser, the staff member logged in, the forum a join code leads to, a phone
already in the forum), the view hands it the function that answers.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from typing import Protocol

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from cite_vote import limit_storage  # noqa: F401  (registers the sqlite:/// counters storage)
from cite_vote.config import ConfigError
from cite_vote.tokens import hash_token

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app) -> None:
    """Binds the limiter to ``app`` (its ``RATELIMIT_*`` settings, see ``config``).

    A limiter whose counters cannot be stored lets every request through (it must never lock
    a room out mid-event), so a server started that way would run with no limit at all, not a
    line in its log: it refuses to start instead, and says where the counters should go.
    """
    where = app.config.get("RATELIMIT_STORAGE_URI", "")
    if where.startswith(("redis://", "rediss://", "redis+")) and not find_spec("redis"):
        # The client is an extra (one host keeps its counters in a file and needs no Redis).
        raise ConfigError(
            f"CITE_VOTE_RATELIMIT_STORAGE_URI names Redis ({where}) but its Python client is "
            "not installed: `make production EXTRAS=redis` (or `pip install -c "
            "requirements.lock redis`) in the checkout, then start again."
        )
    limiter.init_app(app)
    if app.config.get("RATELIMIT_ENABLED", True) and not limiter.storage.check():
        raise ConfigError(
            f"The rate-limit counters cannot be stored at {where}: make that folder writable "
            "by the user the server runs as (docs/deploy.md), or set "
            "CITE_VOTE_RATELIMIT_STORAGE_URI to a place it can write (redis://... for several "
            "hosts). Without them every limit (logins, joins, proposals) would be off."
        )


# --- the figures --------------------------------------------------------------------------------

# Writing: no person proposes ten ideas a minute, but a script could.
PROPOSE = "10 per minute"
COMMENT = "20 per minute"

# Staff login. A room shares one address (the venue's NAT), so nothing counted per address
# alone may lock the room out: each address and email pair has its own budget, and the limits
# on one account (from anywhere) and on one address (across accounts) count wrong passwords
# only. A hundred wrong guesses at one account from the room cannot stop another account
# logging in there. A browser that has logged in to the account before
# (``accounts.staff.known_browser``) has its own budget of the first figure and is left out of
# the other two: no one else's guesses lock the owner out.
LOGIN_PER_ADDRESS_AND_EMAIL = "10 per minute"
LOGIN_PER_ACCOUNT = "30 per minute"
LOGIN_PER_ADDRESS = "100 per minute"

# Changing one's own password, counted per account, for logged-in staff only: a stranger's
# posts (refused 403 without a session) must not spend the budget of an organiser who shares
# the room's address.
PASSWORD_CHANGE = "10 per minute"

# Joining is limited per address and forum by the forum's expected size (``joins_per_minute``),
# since a whole room may reach us through one NAT address. However small the forum, a table of
# people behind one address can join at once.
JOINS_PER_MINUTE_FLOOR = 60

# Codes that lead nowhere, typed or opened from one address within a minute (``/j/<code>``, the
# home page's form, a forum's door), all counted together. A room mistypes a few; a script
# trying codes gets one a second where it got dozens. Past it, every code from that address is
# refused for the rest of the minute, the right one too, or the refusals would tell which
# guess was right.
WRONG_CODES_PER_MINUTE = JOINS_PER_MINUTE_FLOOR


class HasId(Protocol):
    id: int


class ExpectsPeople(HasId, Protocol):
    """A forum, as far as the join limit reads it."""

    expected_participants: int


def joins_per_minute(forum: ExpectsPeople | None) -> int:
    """How many people may join ``forum`` within a minute from one address.

    A room reaches the forum through the venue's one address: the whole expected room may join
    in a minute, so no one is locked out of their own forum, while a script making thousands
    of identities from one address is stopped.
    """
    if forum is None:
        return JOINS_PER_MINUTE_FLOOR
    return max(JOINS_PER_MINUTE_FLOOR, forum.expected_participants)


# --- the keys -----------------------------------------------------------------------------------


def participant_key() -> str:
    """Rate-limit key of the person: their participant cookie, else their address."""
    token = request.cookies.get(current_app.config["PARTICIPANT_COOKIE_NAME"])
    return f"participant:{hash_token(token)}" if token else f"address:{get_remote_address()}"


def login_email() -> str:
    """The email typed in the login form, as the login limits count it."""
    return (request.form.get("email") or "").strip().lower()


def _account_key() -> str:
    return f"account|{login_email()}"


def _address_key() -> str:
    return f"address|{request.remote_addr}"


def _failed(response) -> bool:
    return response.status_code == 422


def _wrong_code(_response) -> bool:
    return bool(g.get("wrong_code"))


def _too_many_wrong_codes() -> str:
    return _("Too many wrong codes from this connection. Wait a minute, then type the code again.")


# --- one decorator per limit --------------------------------------------------------------------


def propose(view):
    """Proposing an idea: ``PROPOSE`` per person."""
    return limiter.limit(PROPOSE, key_func=participant_key)(view)


def comment(view):
    """Commenting an idea: ``COMMENT`` per person."""
    return limiter.limit(COMMENT, key_func=participant_key)(view)


def login(*, known_browser: Callable[[str], str | None]):
    """The three login limits (see the figures); ``known_browser(email)`` is this browser's id
    if it has logged in to that account before, else None."""

    def login_key() -> str:
        email = login_email()
        device = known_browser(email)
        return f"known|{device}|{email}" if device else f"{request.remote_addr}|{email}"

    def known() -> bool:
        return known_browser(login_email()) is not None

    def decorate(view):
        view = limiter.limit(
            LOGIN_PER_ADDRESS,
            key_func=_address_key,
            methods=["POST"],
            deduct_when=_failed,
            exempt_when=known,
        )(view)
        view = limiter.limit(
            LOGIN_PER_ACCOUNT,
            key_func=_account_key,
            methods=["POST"],
            deduct_when=_failed,
            exempt_when=known,
        )(view)
        return limiter.limit(LOGIN_PER_ADDRESS_AND_EMAIL, key_func=login_key, methods=["POST"])(
            view
        )

    return decorate


def password_change(*, current_staff: Callable[[], HasId | None]):
    """``PASSWORD_CHANGE`` per account; ``current_staff()`` is the staff member logged in, or
    None (a stranger: refused by the view, not counted)."""

    def staff_key() -> str:
        user = current_staff()
        return f"staff|{user.id if user is not None else '-'}"

    def anonymous() -> bool:
        return current_staff() is None

    return limiter.limit(
        PASSWORD_CHANGE, key_func=staff_key, exempt_when=anonymous, methods=["POST"]
    )


def join(*, forum: Callable[[], ExpectsPeople | None], already_in: Callable[[], bool]):
    """Joining: ``joins_per_minute(forum())`` per address and forum, POST only; ``forum()`` is
    the forum of the code in the address (or None), ``already_in()`` whether this phone is
    already in it (never held back)."""

    def join_limit() -> str:
        return f"{joins_per_minute(forum())} per minute"

    def join_key() -> str:
        found = forum()
        return f"join:{found.id if found else '-'}:{get_remote_address()}"

    return limiter.limit(join_limit, key_func=join_key, exempt_when=already_in, methods=["POST"])


def wrong_codes(*, already_in: Callable[[], bool], methods: list[str] | None = None):
    """Every way of trying a code counts on one counter per address: only codes that lead
    nowhere are counted (``note_wrong_code``; a room joining with the right code is not), but
    once past the figure every code is refused, the right one too (``WRONG_CODES_PER_MINUTE``).
    ``already_in()``: a phone already in the forum is never held back."""
    return limiter.shared_limit(
        f"{WRONG_CODES_PER_MINUTE} per minute",
        scope="wrong-codes",
        key_func=get_remote_address,
        deduct_when=_wrong_code,
        exempt_when=already_in,
        error_message=_too_many_wrong_codes,
        methods=methods,
    )


def note_wrong_code() -> None:
    """This request tried a code that leads nowhere: it counts against ``wrong_codes``."""
    g.wrong_code = True
