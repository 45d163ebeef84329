"""API tokens: made by admins for a user, shown once, revocable."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiToken, User
from app.models.base import utcnow
from app.services.auth import token_hash

TOKEN_PREFIX = "bit_"  # noqa: S105 (marks a string as this app's token, not a secret)


def create_token(session: Session, *, user: User, name: str) -> tuple[ApiToken, str]:
    """The new token row and the token itself (returned once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:200], token_hash=token_hash(secret))
    session.add(token)
    session.flush()
    return token, secret


def user_for_api_token(session: Session, secret: str) -> User | None:
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(secret), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row[1].is_active:
        return None
    return row[1]


def revoke_token(session: Session, token_id: int) -> bool:
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
