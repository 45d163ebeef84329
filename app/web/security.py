"""Security headers on every response.

The CSP allows scripts and styles from this site only: no inline script, no eval (htmx is
configured with allowEval false), nothing from another origin, and no framing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
                    "Bad request: the address contains a NUL character (%00).", status_code=400
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
