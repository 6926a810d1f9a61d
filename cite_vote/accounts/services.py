"""Participant identity: a random token in a long-lived cookie, only its hash in the database."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from cite_vote.accounts.models import ROLES, ForumStaff, Participant, StaffUser
from cite_vote.extensions import db
from cite_vote.forms import ID_MAX, NAME_MAX
from cite_vote.forums.models import Forum
from cite_vote.refusals import Invalid, RuleError
from cite_vote.text import text_problem
from cite_vote.timeutil import utcnow
from cite_vote.tokens import hash_token


def participant_for_token(forum: Forum, token: str | None) -> Participant | None:
    if not token:
        return None
    return db.session.scalar(
        select(Participant).where(
            Participant.forum_id == forum.id, Participant.token_hash == hash_token(token)
        )
    )


def clean_profile(forum: Forum, display_name: str | None, category: str | None):
    problem = text_problem(display_name)  # as typed, before trimming cuts a character away
    if problem is not None:
        raise Invalid(problem)
    name = (display_name or "").strip() or None
    if name and len(name) > NAME_MAX:
        raise RuleError(_l("The name is too long."))
    category = (category or "").strip() or None
    if category and category not in forum.categories:
        raise RuleError(_l("Unknown category."))
    return name, category


def new_participant(
    forum: Forum,
    *,
    token: str | None = None,
    display_name: str | None = None,
    category: str | None = None,
    assisted: bool = False,
) -> Participant:
    """The only place a participant is made (joining, a ticket, assisted voting, the demo).

    Only the token's hash is stored; without a token nobody can act as this participant.
    """
    name, category = clean_profile(forum, display_name, category)
    participant = Participant(
        forum_id=forum.id,
        token_hash=hash_token(token) if token else None,
        display_name=name,
        category=category,
        assisted=assisted,
        shuffle_seed=secrets.randbelow(ID_MAX + 1),  # 0 to ID_MAX: an INTEGER column
    )
    db.session.add(participant)
    db.session.flush()
    return participant


# --- staff ---------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_staff_user(email: str, role: str, password: str) -> StaffUser:
    problem = text_problem(email)  # typed in a terminal, shown on the team pages
    if problem is not None:
        raise Invalid(problem)
    email = normalise_email(email)
    if role not in ROLES:
        raise RuleError(_l("Unknown role."))
    if "@" not in email or len(email) > 254:
        raise RuleError(_l("This email address is not valid."))
    _check_new_password(password)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise RuleError(_l("A staff account already uses this email address."))
    user = StaffUser(email=email, role=role, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.flush()
    return user


PASSWORD_MIN = 10
PASSWORD_MAX = 200


def _check_new_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise RuleError(_l("A password needs at least 10 characters."))
    if len(password) > PASSWORD_MAX:
        raise RuleError(_l("A password has at most 200 characters."))


def staff_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def set_password(user: StaffUser, password: str) -> None:
    """A new password for the account; every session opened before it ends (see the model)."""
    _check_new_password(password)
    user.password_hash = generate_password_hash(password)
    db.session.flush()


def change_own_password(user: StaffUser, current: str, new: str) -> None:
    """What a logged-in person may do alone: knowing the current password is the proof."""
    if not check_password_hash(user.password_hash, current):
        raise RuleError(_l("The current password is wrong."))
    set_password(user, new)


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active staff user with these credentials, or None (same answer for both mistakes)."""
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None or not user.is_active:
        # Spend the same time as a real check, so timing does not tell which emails exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


def end_sessions(user: StaffUser) -> None:
    """Every session of this account ends at its next request, on every device."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def assign_staff(forum: Forum, user: StaffUser) -> None:
    exists = db.session.get(ForumStaff, (forum.id, user.id))
    if exists is None:
        db.session.add(ForumStaff(forum_id=forum.id, user_id=user.id))
        db.session.flush()


def forums_of(user: StaffUser) -> Select[tuple[Forum]]:
    """The forums this staff member may see: an organiser's own and those they are assigned to."""
    assigned = select(ForumStaff.forum_id).where(ForumStaff.user_id == user.id)
    condition = Forum.id.in_(assigned)
    if user.role == "organiser":
        condition = or_(condition, Forum.owner_id == user.id)
    return select(Forum).where(condition).order_by(Forum.created_at.desc())


def can_access(user: StaffUser | None, forum: Forum, roles: tuple[str, ...] = ROLES) -> bool:
    if user is None or not user.is_active or user.role not in roles:
        return False
    if user.role == "organiser" and forum.owner_id == user.id:
        return True
    return db.session.get(ForumStaff, (forum.id, user.id)) is not None


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_assisted_participant(
    forum: Forum, *, display_name: str | None = None, category: str | None = None
) -> Participant:
    """Someone without a phone: a facilitator places their dots for them.

    No token is ever issued, so nobody can act as this participant from a phone.
    """
    return new_participant(forum, display_name=display_name, category=category, assisted=True)


def assisted_participants(forum: Forum) -> Select[tuple[Participant]]:
    return (
        select(Participant)
        .where(Participant.forum_id == forum.id, Participant.assisted.is_(True))
        .order_by(Participant.id)
    )


def people_in_room(forum: Forum) -> Select[tuple[int]]:
    """How many people are in the room: the one count the control page and the screen show.

    People who joined (a phone bound to them) or vote with a facilitator's help; participants
    without either, such as the demo forum's seeded idea authors, are not people in the room.
    """
    return select(func.count(Participant.id)).where(
        Participant.forum_id == forum.id,
        or_(Participant.token_hash.is_not(None), Participant.assisted.is_(True)),
    )
