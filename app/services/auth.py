"""Signing in and out: password checks, server-side sessions, and limits on guessing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import LoginAttempt, SiteSetting, User, UserSession
from app.models.base import utcnow

SESSION_LIFETIME = timedelta(days=14)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
SECRET_KEY_SETTING = "secret_key"  # noqa: S105 (the name of the setting, not a secret)

_hasher = PasswordHasher()
# Checked against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


class LoginRefused(Exception):
    """Why a sign-in failed, worded for the person signing in."""

    def __init__(self, message: str, *, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_secret_key(session: Session) -> str:
    """The key that signs CSRF tokens: made once, shared by every worker through the database."""
    setting = session.get(SiteSetting, SECRET_KEY_SETTING)
    if setting is None:
        setting = SiteSetting(key=SECRET_KEY_SETTING, value=secrets.token_urlsafe(48))
        session.add(setting)
        session.flush()
    return setting.value


def csrf_token(secret_key: str, bound_to: str) -> str:
    """A token tied to the browser's session (or its anonymous cookie) and to this site's key."""
    return hmac.new(secret_key.encode(), bound_to.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    user: User
    token: str


def _recent_failures(
    session: Session, *, email: str | None = None, client: str | None = None
) -> int:
    since = utcnow() - ATTEMPT_WINDOW
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.attempted_at >= since, LoginAttempt.succeeded.is_(False))
    )
    if email is not None:
        query = query.where(LoginAttempt.email == email)
    if client is not None:
        query = query.where(LoginAttempt.client == client)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a sign-in, before anything is written."""

    email: str
    user_id: int | None
    refusal: LoginRefused | None


def check_password(session: Session, *, email: str, password: str, client: str) -> Verdict:
    """The slow part of a sign-in (argon2), done with reads only, so on SQLite it never holds the
    write lock that every editor's save waits for."""
    email = email.strip().lower()[:320]
    minutes = int(ATTEMPT_WINDOW.total_seconds() // 60)
    if _recent_failures(session, email=email) >= MAX_FAILURES_PER_ACCOUNT:
        message = (
            f"Too many failed sign-ins for this account. Wait {minutes} minutes and try again."
        )
        return Verdict(email, None, LoginRefused(message, rate_limited=True))
    if _recent_failures(session, client=client) >= MAX_FAILURES_PER_CLIENT:
        message = (
            f"Too many failed sign-ins from your address. Wait {minutes} minutes and try again."
        )
        return Verdict(email, None, LoginRefused(message, rate_limited=True))
    user = session.scalar(select(User).where(User.email == email))
    valid = _password_matches(user.password_hash if user else None, password)
    if not (valid and user is not None and user.is_active):
        wrong = "The email address or the password is not right, or the account is inactive."
        return Verdict(email, None, LoginRefused(wrong))
    return Verdict(email, user.id, None)


def record_sign_in(
    session: Session, verdict: Verdict, *, client: str, user_agent: str = ""
) -> SignedIn | LoginRefused:
    """Write what a checked sign-in leads to: the attempt (counted for the limits) and, when the
    password was right, a new session. A refusal is returned, not raised, so the caller commits
    the attempt either way."""
    if verdict.refusal is not None and verdict.refusal.rate_limited:
        return verdict.refusal
    user = session.get(User, verdict.user_id) if verdict.user_id is not None else None
    ok = user is not None and user.is_active
    session.add(LoginAttempt(email=verdict.email, client=client, succeeded=ok))
    if not ok or user is None:
        session.flush()
        return verdict.refusal or LoginRefused("The account is inactive.")
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user=user,
            expires_at=utcnow() + SESSION_LIFETIME,
            client=client[:64],
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return SignedIn(user, token)


def sign_in(
    session: Session, *, email: str, password: str, client: str, user_agent: str = ""
) -> SignedIn | LoginRefused:
    """Check and record in one session (for commands and tests; the web splits the two)."""
    verdict = check_password(session, email=email, password=password, client=client)
    return record_sign_in(session, verdict, client=client, user_agent=user_agent)


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def user_for_token(session: Session, token: str | None) -> User | None:
    """The active user a session cookie belongs to, if the session is still open."""
    if not token:
        return None
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if not user.is_active or _aware(user_session.expires_at) <= utcnow():
        return None
    return user


def sign_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivation signs the user out everywhere at once."""
    user.is_active = active
    if not active:
        end_all_sessions(session, user)
    session.flush()
