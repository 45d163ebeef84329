"""Signing in and out: password checks, server-side sessions, and limits on guessing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, func, select, text, update
from sqlalchemy.orm import Session

from app.i18n import gettext, ngettext
from app.models import ApiToken, LoginAttempt, SiteSetting, User, UserSession
from app.models.base import utcnow

SESSION_LIFETIME = timedelta(days=14)
ATTEMPT_WINDOW = timedelta(minutes=15)
# Failures per account from one address, and per address, within the window: then 429.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
# Failures per account from all addresses after which unfamiliar addresses wait, 2 s, 4 s, ...
ACCOUNT_BACKOFF_AFTER = 10
MAX_ACCOUNT_BACKOFF = timedelta(minutes=5)
# An address the account signed in from within this period is its owner's, and never waits.
KNOWN_ADDRESS_PERIOD = timedelta(days=30)
# argon2 takes 64 MiB a check: a burst of guesses must not take a worker's memory with it.
PASSWORD_CHECKS_AT_ONCE = 2
PASSWORD_CHECK_WAIT_SECONDS = 10
ATTEMPTS_LOCK_KEY = 0x5167_6E49  # any constant; names the advisory lock on PostgreSQL
SECRET_KEY_SETTING = "secret_key"  # noqa: S105 (the name of the setting, not a secret)

_hasher = PasswordHasher()
_password_checks = threading.BoundedSemaphore(PASSWORD_CHECKS_AT_ONCE)
# Checked against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


class SignInBusy(Exception):
    """Every password check slot stayed taken for the whole wait."""


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


def _failures(session: Session, since: datetime, *conditions: ColumnElement[bool]) -> int:
    query = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.attempted_at >= since, LoginAttempt.succeeded.is_(False), *conditions)
    )
    return session.scalar(query) or 0


def _lock_attempts(session: Session) -> None:
    """Reservations happen one at a time. SQLite's writers already queue (BEGIN IMMEDIATE);
    PostgreSQL takes a transaction-level advisory lock for the same effect."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ATTEMPTS_LOCK_KEY})


def _known_address(session: Session, email: str, client: str, now: datetime) -> bool:
    """The account signed in from this address lately: its owner, most likely."""
    return (
        session.scalar(
            select(LoginAttempt.id)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.client == client,
                LoginAttempt.succeeded.is_(True),
                LoginAttempt.attempted_at >= now - KNOWN_ADDRESS_PERIOD,
            )
            .limit(1)
        )
        is not None
    )


def _account_backoff(session: Session, email: str, now: datetime) -> timedelta | None:
    """How long until the account takes another guess from an unfamiliar address, if it must
    wait. Past ACCOUNT_BACKOFF_AFTER failures from anywhere, each more doubles the wait (up to
    MAX_ACCOUNT_BACKOFF): many addresses guessing together are slowed, and no one can lock the
    owner out, who signs in from an address the account knows."""
    since = now - ATTEMPT_WINDOW
    failures = _failures(session, since, LoginAttempt.email == email)
    if failures < ACCOUNT_BACKOFF_AFTER:
        return None
    last = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at >= since,
        )
    )
    wait = min(MAX_ACCOUNT_BACKOFF, timedelta(seconds=2 ** (failures - ACCOUNT_BACKOFF_AFTER)))
    remaining = _aware(last) + wait - now if last is not None else timedelta(0)
    return remaining if remaining > timedelta(0) else None


def _refusal(message: str) -> LoginRefused:
    return LoginRefused(message, rate_limited=True)


@dataclass(frozen=True)
class Reservation:
    """A sign-in attempt, written as a failure before the password is checked, so guesses sent
    at the same moment count against the limits as they arrive, not after their checks."""

    attempt_id: int
    email: str


def reserve_attempt(session: Session, *, email: str, client: str) -> Reservation | LoginRefused:
    """Count the attempt against the limits, or refuse it. Limits: MAX_FAILURES_PER_ACCOUNT per
    account from one address; MAX_FAILURES_PER_CLIENT per address; an account-wide back-off for
    unfamiliar addresses. Run in its own short write transaction, before any hashing."""
    email = normalise_email(email)
    client = client[:64]  # as stored: the limits must count what was written
    minutes = int(ATTEMPT_WINDOW.total_seconds() // 60)
    now = utcnow()
    since = now - ATTEMPT_WINDOW
    _lock_attempts(session)
    from_here = LoginAttempt.client == client
    if _failures(session, since, LoginAttempt.email == email, from_here) >= (
        MAX_FAILURES_PER_ACCOUNT
    ):
        return _refusal(
            ngettext(
                "Too many failed sign-ins for this account from your address. "
                "Wait %(num)s minute and try again.",
                "Too many failed sign-ins for this account from your address. "
                "Wait %(num)s minutes and try again.",
                minutes,
            )
            % {"num": minutes}
        )
    if _failures(session, since, from_here) >= MAX_FAILURES_PER_CLIENT:
        return _refusal(
            ngettext(
                "Too many failed sign-ins from your address. Wait %(num)s minute and try again.",
                "Too many failed sign-ins from your address. Wait %(num)s minutes and try again.",
                minutes,
            )
            % {"num": minutes}
        )
    if not _known_address(session, email, client, now):
        wait = _account_backoff(session, email, now)
        if wait is not None:
            seconds = max(1, round(wait.total_seconds()))
            return _refusal(
                ngettext(
                    "Too many failed sign-ins for this account from several addresses. "
                    "Try again in %(num)s second.",
                    "Too many failed sign-ins for this account from several addresses. "
                    "Try again in %(num)s seconds.",
                    seconds,
                )
                % {"num": seconds}
            )
    attempt = LoginAttempt(email=email, client=client[:64], attempted_at=now, succeeded=False)
    session.add(attempt)
    session.flush()
    return Reservation(attempt.id, email)


def normalise_email(email: str) -> str:
    return email.strip().lower()[:320]


def check_password(session: Session, *, email: str, password: str) -> int | None:
    """The id of the active user this email and password sign in, or None. The slow part
    (argon2) happens here, with reads only and at most PASSWORD_CHECKS_AT_ONCE at a time in
    this process: each check takes 64 MiB."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if not _password_checks.acquire(timeout=PASSWORD_CHECK_WAIT_SECONDS):
        raise SignInBusy
    try:
        valid = _password_matches(user.password_hash if user else None, password)
    finally:
        _password_checks.release()
    return user.id if valid and user is not None and user.is_active else None


def complete_sign_in(
    session: Session, reservation: Reservation, user_id: int | None, *, user_agent: str = ""
) -> SignedIn | LoginRefused:
    """A right password turns the reserved attempt into a success and opens a session."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        return LoginRefused(
            gettext("The email address or the password is not right, or the account is inactive.")
        )
    attempt = session.get(LoginAttempt, reservation.attempt_id)
    if attempt is not None:
        attempt.succeeded = True
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user=user,
            expires_at=utcnow() + SESSION_LIFETIME,
            client=(attempt.client if attempt else "")[:64],
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return SignedIn(user, token)


def sign_in(
    session: Session, *, email: str, password: str, client: str, user_agent: str = ""
) -> SignedIn | LoginRefused:
    """Reserve, check and record in one session (for commands and tests; the web gives each
    step its own transaction, so no lock is held while argon2 runs)."""
    reservation = reserve_attempt(session, email=email, client=client)
    if isinstance(reservation, LoginRefused):
        return reservation
    user_id = check_password(session, email=email, password=password)
    return complete_sign_in(session, reservation, user_id, user_agent=user_agent)


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


def revoke_all_tokens(session: Session, user: User) -> None:
    """For good: reactivating the user later does not bring a token back."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_access(session: Session, user: User) -> None:
    """Sign the user out everywhere and revoke every API token: what a deactivation or a new
    password means (a token made before a leak must not outlive the new password)."""
    end_all_sessions(session, user)
    revoke_all_tokens(session, user)


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivation ends every session and token at once."""
    user.is_active = active
    if not active:
        end_all_access(session, user)
    session.flush()
