"""Serve an anonymous reader's page from the page cache, or render and keep it."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from datetime import date

from fastapi import Request, Response
from sqlalchemy.orm import Session

from app.models import User
from app.services.page_cache import PageCache, StoredPage, data_version
from app.web.htmx import is_fragment_request

# How long a request waits for another to render the same page before rendering it itself.
RENDER_WAIT_SECONDS = 30
# Headers that belong to one response, not to the page.
NOT_STORED = {"content-length"}


def cached_page(
    request: Request, session: Session, user: User | None, render: Callable[[], Response]
) -> Response:
    cache: PageCache | None = request.app.state.page_cache
    render = _in_turn(request.app.state.rendering, session, render)
    if cache is None or user is not None:
        return render()
    # Read before the page's data: see services/page_cache.py.
    version = data_version(session)
    if version is None:
        return render()
    # The whole URL: the host and scheme are in canonical links and previews. The day too: a
    # page may say how long ago something was.
    kind = "fragment" if is_fragment_request(request) else "page"
    key = f"{date.today()} {kind} {request.url}"
    stored = cache.get(version, key)
    if stored is not None:
        return _sent(stored)
    rendering_elsewhere = cache.begin(version, key)
    if rendering_elsewhere is not None:
        # Another request is rendering this very page: wait for its copy rather than render
        # it again (after a write, every reader of a popular page would otherwise render it).
        # The session's connection goes back to the pool meanwhile.
        session.close()
        rendering_elsewhere.wait(RENDER_WAIT_SECONDS)
        stored = cache.get(version, key)
        return _sent(stored) if stored is not None else render()
    page = None
    try:
        response = render()
        # A page that printed this browser's CSRF token is this browser's alone.
        token_printed = bool(getattr(request.state, "csrf_token_used", None))
        if response.status_code == 200 and not token_printed:
            headers = tuple((k, v) for k, v in response.headers.items() if k not in NOT_STORED)
            page = StoredPage(response.status_code, bytes(response.body), headers)
    finally:
        cache.end(version, key, page)
    return response


class Turns:
    """Turns at rendering a page, for one worker process, given in the order they were asked
    for.

    Rendering is Python holding the GIL (numpy and SQLite let go of it only briefly), so pages
    rendered at once in one process only take turns at it, each slower for the switching. At
    a million incidents, 8 readers with a new filter each on 2 workers: every request
    rendering at once gave 91 pages a second with a p95 of 206 ms; two at a time 103 and
    150 ms; one at a time 102-108 and 135-140 ms (bench/run.py's distinct scenario). Cached
    pages, downloads and writes do not wait for a turn.

    A turn ends by passing straight to the longest waiting request. A semaphore lets any
    thread that asks at the right moment go first, and under load some requests waited many
    turns: 64 clients with writes in the mix (`make soak`), p99 2.1 s where the median was
    0.66 s.
    """

    def __init__(self, at_once: int) -> None:
        self._lock = threading.Lock()
        self._at_once = self._free = at_once
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            ticket = threading.Lock()
            ticket.acquire()
            self._waiting.append(ticket)
        ticket.acquire()  # released by the request whose turn ends

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            elif self._free < self._at_once:
                self._free += 1
            else:
                raise ValueError("a turn released that was not taken")

    @property
    def waiting(self) -> int:
        """How many requests wait for a turn."""
        return len(self._waiting)

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *_: object) -> None:
        self.release()


def _in_turn(
    turns: Turns, session: Session, render: Callable[[], Response]
) -> Callable[[], Response]:
    def render_in_turn() -> Response:
        # A request waiting for its turn holds no database connection: with every waiter
        # holding one, none might be left for the one whose turn it is. The page is then read
        # in a transaction begun after the version was read, so it is never older than the
        # version it is kept under (services/page_cache.py).
        session.close()
        with turns:
            return render()

    return render_in_turn


def _sent(stored: StoredPage) -> Response:
    return Response(stored.body, stored.status, dict(stored.headers))
