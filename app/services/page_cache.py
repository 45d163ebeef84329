"""Rendered public pages, kept until the record changes.

A page is stored under the data version it was rendered at (models/cache.py: triggers raise the
version on every write to what pages show). A request reads the version before the page's data,
so a stored page is never older than its version (at worst newer, until the next write); when
the version moves on, everything stored before it is dropped. Only anonymous readers' pages are
stored: an editor's page carries their own controls and token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DataVersion

MAX_PAGES = 2_000
MAX_BYTES = 64 * 1024 * 1024


def data_version(session: Session) -> int | None:
    """None when the row is missing: then nothing tracks writes and nothing may be cached."""
    return session.scalar(select(DataVersion.version).where(DataVersion.id == 1))


@dataclass(frozen=True)
class StoredPage:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """Least recently used pages of one data version, bounded in count and bytes."""

    def __init__(self, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES) -> None:
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self._version: int | None = None
        self._pages: OrderedDict[str, StoredPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # sync routes run in a thread pool
        # Pages being rendered now, with the event their waiters wait on.
        self._rendering: dict[str, threading.Event] = {}
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: str) -> StoredPage | None:
        with self._lock:
            if version != self._version:
                self._start(version)
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, version: int, key: str, page: StoredPage) -> None:
        with self._lock:
            if self._version is None:
                self._start(version)
            if version != self._version:
                # Rendered at a version the cache has left (a write, or a restore, came between
                # reading and storing): the page may be stale, so it is not kept. Only get()
                # and begin(), with the version a request has just read, move the cache on.
                return
            if len(page.body) > self.max_bytes:
                return
            old = self._pages.pop(key, None)
            self._bytes += len(page.body) - (len(old.body) if old else 0)
            self._pages[key] = page
            while len(self._pages) > self.max_pages or self._bytes > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._bytes -= len(dropped.body)

    def begin(self, version: int, key: str) -> threading.Event | None:
        """None: the caller renders the page and must call end(). Otherwise another request
        is rendering it; wait on the event, then get() it."""
        with self._lock:
            if version != self._version:
                self._start(version)
            rendering = self._rendering.get(key)
            if rendering is None:
                self._rendering[key] = threading.Event()
            return rendering

    def end(self, version: int, key: str, page: StoredPage | None) -> None:
        """The render begin() handed out is over: keep its page (None: not kept), wake waiters."""
        if page is not None:
            self.put(version, key, page)
        with self._lock:
            rendering = self._rendering.pop(key, None) if version == self._version else None
        if rendering is not None:
            rendering.set()

    def _start(self, version: int) -> None:
        # Waiters for pages of the old version wake up, find nothing and render for themselves.
        for rendering in self._rendering.values():
            rendering.set()
        self._rendering = {}
        self._version, self._pages, self._bytes = version, OrderedDict(), 0

    def __len__(self) -> int:
        return len(self._pages)
