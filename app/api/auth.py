"""Who calls the API: nobody (a reader), or the user an API token belongs to (an editor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.models import User
from app.services.tokens import user_for_api_token
from app.services.visibility import Viewer
from app.web.deps import get_database
from app.web.problems import ProblemError


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def api_user(request: Request) -> User | None:
    """The token's user, read in a session of its own so writes can carry it (detached)."""
    secret = _bearer(request)
    if secret is None:
        return None
    with get_database(request).read() as session:
        user = user_for_api_token(session, secret)
    if user is None:
        raise ProblemError(
            401, "Invalid token", "The API token is unknown, revoked, or its user is inactive."
        )
    return user


def api_editor(user: Annotated[User | None, Depends(api_user)]) -> User:
    if user is None:
        raise ProblemError(
            401, "Token required", "Send an API token: Authorization: Bearer <token>."
        )
    return user


def api_viewer(user: Annotated[User | None, Depends(api_user)]) -> Viewer:
    return Viewer.of(user)


ApiEditor = Annotated[User, Depends(api_editor)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
