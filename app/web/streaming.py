"""Downloads that stream: bounded in number, closed the moment their reader goes away.

An export is the one response whose length the reader controls. A reader who asks and then reads
nothing must cost the server a socket and nothing else: no database connection (the export reads
each batch in a session of its own), no slot for ever (a stalled reader is dropped), and no
generator left open until garbage collection (it is closed on every way out).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from app.i18n import gettext

log = logging.getLogger(__name__)

# Exports at once in one worker process; the pages keep the rest of the pool and the threads.
EXPORTS_PER_WORKER = 4
# A reader that takes nothing for this long is dropped and its slot freed.
STALLED_READER_SECONDS = 60.0
RETRY_AFTER_SECONDS = 30


class ExportSlots:
    """How many exports this worker is sending. The event loop is one thread, so a counter
    changed only between awaits needs no lock."""

    def __init__(self, limit: int = EXPORTS_PER_WORKER) -> None:
        self.limit = limit
        self.in_use = 0

    def take(self) -> bool:
        if self.in_use >= self.limit:
            return False
        self.in_use += 1
        return True

    def give_back(self) -> None:
        self.in_use -= 1


def exports_busy() -> Response:
    return PlainTextResponse(
        gettext("Too many downloads are running just now. Try again in a minute."),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class ExportStream(Response):
    """Sends the chunks of a sync generator, each made in a worker thread. The caller has taken
    a slot from `slots`; this gives it back however the response ends."""

    def __init__(
        self,
        chunks: Iterator[str],
        *,
        slots: ExportSlots,
        media_type: str,
        headers: Mapping[str, str] | None = None,
        stalled_after: float = STALLED_READER_SECONDS,
    ) -> None:
        # Not Response.__init__: it would declare the length of an empty body.
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self.chunks = chunks
        self.slots = slots
        self.stalled_after = stalled_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as tasks:

                async def cancel_on_disconnect() -> None:
                    while True:
                        message: Message = await receive()
                        if message["type"] == "http.disconnect":
                            tasks.cancel_scope.cancel()
                            return

                tasks.start_soon(cancel_on_disconnect)
                await self._send_all(send)
                tasks.cancel_scope.cancel()
        finally:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                # Closing runs the generator's own clean-up (its session) now, not at some
                # later garbage collection. Shielded: this also runs when cancelled.
                with anyio.CancelScope(shield=True):
                    await run_in_threadpool(close)
            self.slots.give_back()

    async def _send_all(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        while True:
            chunk = await run_in_threadpool(next, self.chunks, None)
            if chunk is None:
                break
            body: Message = {
                "type": "http.response.body",
                "body": chunk.encode(),
                "more_body": True,
            }
            try:
                with anyio.fail_after(self.stalled_after):
                    await send(body)
            except TimeoutError:
                # Caught here, inside the task group, which would wrap it in a group. Returning
                # without finishing the response makes the server close the connection.
                log.info("export dropped: the reader took nothing for %s s", self.stalled_after)
                return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
