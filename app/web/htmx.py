"""What kind of request htmx made, and the headers every response needs because of it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAGMENT_HEADERS = b"HX-Request, HX-Boosted, HX-History-Restore-Request"


def is_fragment_request(request: Request) -> bool:
    """Only a plain htmx request gets a partial. A boosted request or a history restore (the
    reader pressed Back and htmx's cache missed) must get the whole page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


class VaryOnHtmx:
    """Adds `Vary` on the headers is_fragment_request reads to every response, so no shared
    cache serves a partial for a page or the reverse."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                existing = [v for k, v in headers if k.lower() == b"vary"]
                if not any(b"hx-request" in v.lower() for v in existing):
                    headers = [(k, v) for k, v in headers if k.lower() != b"vary"]
                    values = b", ".join([*existing, FRAGMENT_HEADERS])
                    headers.append((b"vary", values))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_vary)
