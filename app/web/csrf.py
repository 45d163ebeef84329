"""CSRF protection for every state-changing request, plain forms and htmx alike.

The token is an HMAC of the browser's session cookie (or, before sign-in, of an anonymous cookie
set here) under the site's secret key: a page from another site cannot know it. Forms send it as
the `csrf_token` field; htmx sends it in the X-CSRF-Token header (set on <body>). The request body
is read here once, checked, and handed on unchanged; its size is bounded before it gets here
(security.BodyLimits), and an upload is kept in a temporary file, not in memory.
"""

from __future__ import annotations

import hmac
import secrets
import tempfile
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import N_, gettext, route_path
from app.services.auth import csrf_token

SESSION_COOKIE = "session"
ANONYMOUS_COOKIE = "csrf_id"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# A body larger than this goes to a temporary file while its token is checked.
BODY_IN_MEMORY_BYTES = 1024 * 1024
REPLAY_CHUNK_BYTES = 64 * 1024
DATABASE_DOWN = N_("The database cannot be reached just now. Try again in a few seconds.")


def cookie_flags(scope: Scope) -> str:
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    return f"; Path=/; HttpOnly; SameSite=Lax{secure}"


def cookies_of(scope: Scope) -> dict[str, str]:
    header = next((v for k, v in scope.get("headers", []) if k == b"cookie"), b"")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header.decode("latin-1"))
    except Exception:  # a malformed Cookie header is treated as no cookies
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


class CSRFProtection:
    def __init__(self, app: ASGIApp, secret_key: Callable[[], str]) -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = cookies_of(scope)
        bound_to = cookies.get(SESSION_COOKIE) or cookies.get(ANONYMOUS_COOKIE)
        new_anonymous = None
        if not bound_to:
            bound_to = new_anonymous = secrets.token_urlsafe(24)
        # Computed only when a page needs it, so a request that renders no form (or a health
        # check while the database is down) never reads the key, and only such a page sets the
        # anonymous cookie or is marked private.
        used: list[bool] = []

        def token() -> str:
            used.append(True)
            return csrf_token(self.secret_key(), bound_to)

        state = scope.setdefault("state", {})
        state["csrf_token"] = token
        state["csrf_token_used"] = used  # the page cache keeps no page that printed it

        signed_in = SESSION_COOKIE in cookies

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if new_anonymous and used:
                    value = f"{ANONYMOUS_COOKIE}={new_anonymous}{cookie_flags(scope)}"
                    headers.append((b"set-cookie", value.encode()))
                if used or signed_in:
                    # A page with this browser's token, or an editor's view: no shared cache.
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"private, no-store"))
                message["headers"] = headers
            await send(message)

        # The API never reads cookies (it takes tokens), so a forged request has nothing to ride on.
        if scope["method"] in SAFE_METHODS or route_path(scope).startswith("/api/"):
            await self.app(scope, receive, send_with_cookie)
            return
        try:
            expected = csrf_token(self.secret_key(), bound_to)
        except SQLAlchemyError:
            # The key lives in the database: without it no form can be checked, so none is taken.
            await _refuse(scope, receive, send, 503, gettext(DATABASE_DOWN))
            return
        with await _read_body(receive) as body:
            given = await _submitted_token(scope, body)
            # Compared as bytes: compare_digest refuses str with non-ASCII characters.
            if not given or not hmac.compare_digest(
                given.encode("utf-8", "replace"), expected.encode()
            ):
                await _refuse(
                    scope,
                    receive,
                    send,
                    403,
                    gettext(
                        "This form has expired or did not come from this site. "
                        "Go back, reload the page and try again."
                    ),
                )
                return
            await self.app(scope, _replay(body), send_with_cookie)


Body = tempfile.SpooledTemporaryFile[bytes]


async def _read_body(receive: Receive) -> Body:
    """The whole body, in memory while small and in a temporary file past that (an upload may
    be 100 MB). Its size was bounded before it got here."""
    # Closed by the caller, which holds it for the rest of the request.
    body: Body = tempfile.SpooledTemporaryFile(max_size=BODY_IN_MEMORY_BYTES)  # noqa: SIM115
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body.write(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return body


def _replay(body: Body) -> Receive:
    body.seek(0)
    done = False

    async def receive() -> Message:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        chunk = body.read(REPLAY_CHUNK_BYTES)
        done = len(chunk) < REPLAY_CHUNK_BYTES
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return receive


async def _submitted_token(scope: Scope, body: Body) -> str | None:
    headers = dict(scope.get("headers", []))
    if CSRF_HEADER in headers:
        return str(headers[CSRF_HEADER].decode("latin-1"))
    content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        body.seek(0)
        values = parse_qs(body.read().decode("utf-8", "replace")).get(CSRF_FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        # Parsed from the temporary file; the parser keeps file parts on disk too.
        try:
            form = await Request(scope, _replay(body)).form()
        except Exception:  # a malformed upload carries no valid token: refused like one without
            return None
        value = form.get(CSRF_FIELD)
        await form.close()
        return value if isinstance(value, str) else None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response: Response = PlainTextResponse(message, status_code=status)
    await response(scope, receive, send)
