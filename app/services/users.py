"""Accounts for editors and admins."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import gettext
from app.models import User
from app.models.vocab import UserRole
from app.services.auth import end_all_access, set_active

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class UserError(ValueError):
    """A user request that cannot be carried out; the message is for the person who asked, in
    their language (English on the command line), begun in lower case: the page capitalises it.

    `field` names the form field the message belongs beside, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def create_user(session: Session, *, email: str, role: str, password: str) -> User:
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise UserError(
            gettext("%(email)s is not an email address") % {"email": repr(email)}, field="email"
        )
    _check_role(role)
    _check_password(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(
            gettext("a user with email %(email)s already exists") % {"email": email},
            field="email",
        )
    user = User(email=email, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def _check_role(role: str) -> None:
    if role not in set(UserRole):
        # Translators: the roles are given as they are typed (admin, editor).
        message = gettext("unknown role %(role)s; choose one of: %(roles)s")
        raise UserError(message % {"role": repr(role), "roles": ", ".join(UserRole)}, field="role")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            gettext("the password must be at least %(length)s characters long")
            % {"length": MIN_PASSWORD_LENGTH},
            field="password",
        )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def _refuse_losing_last_admin(session: Session, user: User, change: str) -> None:
    """Keep at least one active admin. The active admins' rows are locked (on PostgreSQL; SQLite
    writers are serialised anyway) so two admins removing each other at the same moment cannot
    both succeed."""
    admins = session.scalars(
        select(User.id)
        .where(User.role == UserRole.ADMIN, User.is_active.is_(True))
        .with_for_update()
    ).all()
    if user.id in admins and len(admins) <= 1:
        if change == "demoted":
            message = gettext(
                "%(email)s is the last active admin and cannot be demoted; "
                "make another user an admin first"
            )
        else:
            message = gettext(
                "%(email)s is the last active admin and cannot be deactivated; "
                "make another user an admin first"
            )
        raise UserError(
            message % {"email": user.email},
            field="role" if change == "demoted" else "active",
        )


def set_role(session: Session, user: User, role: str, *, acting_admin: User | None = None) -> None:
    """Change a user's role. An admin cannot demote themselves, and the last active admin stays."""
    _check_role(role)
    if role == user.role:
        return
    if role != UserRole.ADMIN:
        if acting_admin is not None and acting_admin.id == user.id:
            raise UserError(
                gettext("you cannot remove your own admin role; ask another admin"), field="role"
            )
        _refuse_losing_last_admin(session, user, "demoted")
    user.role = role
    session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    """A new password signs the user out everywhere and revokes their API tokens."""
    _check_password(password)
    user.password_hash = hash_password(password)
    end_all_access(session, user)
    session.flush()


def deactivate(session: Session, user: User, *, acting_admin: User | None) -> None:
    """Deactivation ends the user's sessions at once. An admin cannot deactivate themselves, and
    the last active admin cannot be deactivated."""
    if acting_admin is not None and acting_admin.id == user.id:
        raise UserError(
            gettext("you cannot deactivate your own account; ask another admin"), field="active"
        )
    _refuse_losing_last_admin(session, user, "deactivated")
    set_active(session, user, False)


def reactivate(session: Session, user: User, *, acting_admin: User | None) -> None:
    """Let a deactivated user sign in again. `acting_admin` is taken for symmetry with
    `deactivate`; any admin may reactivate any user."""
    del acting_admin
    set_active(session, user, True)
