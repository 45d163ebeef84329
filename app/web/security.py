"""Security headers on every response.

The CSP allows scripts and styles from this site only: no inline script, no eval (htmx is
configured with allowEval false), nothing from another origin, and no framing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import gettext, route_path
from app.web.csrf import SESSION_COOKIE, cookies_of
from app.web.problems import problem_response

log = logging.getLogger(__name__)


def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(["img-src 'self' data:", *image_origins]),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def tile_origins(tile_url: str | None) -> tuple[str, ...]:
    """The origin of a configured tile server, which the map's images come from."""
    if not tile_url:
        return ()
    parts = urlsplit(tile_url.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
    return (f"{parts.scheme}://{host}",)


SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
}


# Two years, as browsers' preload lists ask; subdomains are the operator's to add.
HSTS = {b"strict-transport-security": b"max-age=63072000"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp, image_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.headers = {
            **SECURITY_HEADERS,
            b"content-security-policy": content_security_policy(image_origins).encode(),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Only over https (as the client saw it, through a trusted proxy's headers): a browser
        # ignores the header over http, and a plain-http deployment must stay reachable.
        headers = {**self.headers, **HSTS} if scope.get("scheme") == "https" else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class NotingStart:
    """`send`, noting whether the response has started: once it has, an error can no longer be
    answered with a response of its own."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class ServerErrorPage:
    """An error nothing else handled becomes the server-error page here, inside the security
    headers and the reader's language. Starlette's own last resort sits outside every
    middleware, so its page had neither: no Content-Security-Policy, and always English.

    The error is logged with its traceback. Once a response has started (a download that
    fails half-way) no page can be sent, and the error goes on up to the server.
    """

    def __init__(self, app: ASGIApp, page: Callable[[Request], Response]) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sending = NotingStart(send)
        try:
            await self.app(scope, receive, sending)
        except Exception:
            if sending.started:
                raise
            log.exception("Server error on %s %s", scope["method"], scope["path"])
            try:
                response = self.page(Request(scope))
            except Exception:
                # The page itself failed (its template reads the database, which may be
                # what failed): plain words, still inside the headers.
                log.exception("The server-error page could not be rendered")
                response = PlainTextResponse(gettext("Server error"), status_code=500)
            await response(scope, receive, send)


class RejectNulBytes:
    """A NUL byte in the address is never meaningful and PostgreSQL cannot store or compare it,
    so such requests get a clear 400 before anything reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode()
            query = scope.get("query_string", b"")
            if b"\x00" in scope["path"].encode() or b"%00" in raw_path + query or b"\x00" in query:
                response = PlainTextResponse(
                    gettext("Bad request: the address contains a NUL character (%00)."),
                    status_code=400,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


FORM_BODY_BYTES = 2 * 1024 * 1024
API_BODY_BYTES = 1024 * 1024
# Dataset uploads, for a signed-in admin only; everyone else gets the form limit there.
UPLOAD_BODY_BYTES = 100 * 1024 * 1024
UPLOAD_PATH = "/admin/import"
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# A NUL as each kind of body writes it (a literal "%00" typed in a form is sent as %2500).
# Any other body (multipart forms and their files included) may not carry a raw NUL either.
NUL_BY_TYPE = {
    "application/x-www-form-urlencoded": (b"\x00", b"%00"),
    "json": (b"\x00", b"\\u0000"),  # application/json, application/vnd.api+json, ...
}
NUL_IN_ANY_BODY = (b"\x00",)


class BodyRefused(HTTPException):
    """Raised from `receive` when a body breaks a rule. An HTTPException, so FastAPI's body
    parsing passes it on unchanged and the app's error handler words it."""


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class BodyLimits:
    """Every request body is bounded by its path, and refused before the app reads it:

    - the API takes 1 MB, and a write without a bearer token is refused before its body is read
      (the token itself is checked by the API, against the database);
    - dataset uploads take 100 MB, for a signed-in admin only;
    - everything else takes 2 MB, the largest form.

    A declared Content-Length over the limit is refused at once; a body that grows past it while
    arriving is refused when it does, so nothing over the limit is ever held. A NUL character
    in a form or JSON body is a 400: PostgreSQL cannot store one, and no field means one.
    """

    def __init__(self, app: ASGIApp, is_admin_session: Callable[[str], Awaitable[bool]]) -> None:
        self.app = app
        self.is_admin_session = is_admin_session

    async def _limit(self, scope: Scope) -> int:
        path = route_path(scope)
        if path.startswith("/api/"):
            return API_BODY_BYTES
        if path == UPLOAD_PATH and scope["method"] == "POST":
            session = _session_cookie(scope)
            if session and await self.is_admin_session(session):
                return UPLOAD_BODY_BYTES
        return FORM_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        api = route_path(scope).startswith("/api/")
        if api and not _header(scope, b"authorization").lower().startswith("bearer "):
            response = problem_response(
                401, "Token required", "Send an API token: Authorization: Bearer <token>."
            )
            await response(scope, receive, send)
            return
        limit = await self._limit(scope)
        declared = _header(scope, b"content-length")
        if declared and (not declared.isascii() or not declared.isdigit() or len(declared) > 15):
            message = gettext("The Content-Length is not a number.")
            await self._refuse(scope, receive, send, 400, message)
            return
        if declared and int(declared) > limit:
            await self._refuse(scope, receive, send, 413, _too_large(limit))
            return
        content_type = _header(scope, b"content-type").lower()
        nuls = next((v for k, v in NUL_BY_TYPE.items() if k in content_type), NUL_IN_ANY_BODY)
        received = 0
        tail = b""

        async def bounded_receive() -> Message:
            nonlocal received, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyRefused(413, _too_large(limit))
                if nuls:
                    # The tail of the last chunk too: "%0" may end one chunk and "0" start the next.
                    window = tail + chunk
                    if any(nul in window for nul in nuls):
                        raise BodyRefused(400, gettext("The request contains a NUL character."))
                    tail = window[-5:]
            return message

        sending = NotingStart(send)
        try:
            await self.app(scope, bounded_receive, sending)
        except BodyRefused as refused:
            if sending.started:
                raise
            await self._refuse(scope, receive, send, refused.status_code, refused.detail)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        title = gettext("Request too large") if status == 413 else gettext("Bad request")
        response = (
            problem_response(status, title, message)
            if route_path(scope).startswith("/api/")
            else PlainTextResponse(message, status_code=status)
        )
        # The rest of the body is not read: the connection is closed after this answer.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _too_large(limit: int) -> str:
    return gettext("The request is too large: at most %(megabytes)s MB here.") % {
        "megabytes": limit // (1024 * 1024)
    }


def _session_cookie(scope: Scope) -> str | None:
    return cookies_of(scope).get(SESSION_COOKIE)
