"""A worker renders as many pages at once as RENDERS_AT_ONCE says, and no more; pages from the
cache do not wait for a turn."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.responses import Response

from app.config import Settings, load_settings
from app.db import Database
from app.main import create_app
from app.web import pages
from app.web.caching import Turns

READERS = 4


@pytest.fixture
def rendering_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Wraps the list page's rendering: how many render at once, at most."""
    seen = {"now": 0, "most": 0, "pages": 0}
    lock = threading.Lock()
    render = pages._render_list

    def slow_render(*args: object, **kwargs: object) -> Response:
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        time.sleep(0.05)  # long enough that the readers overlap
        try:
            return render(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                seen["now"] -= 1
                seen["pages"] += 1

    monkeypatch.setattr(pages, "_render_list", slow_render)
    yield seen


def _read_at_once(app: FastAPI, paths: list[str]) -> list[int]:
    statuses: list[int] = []
    with TestClient(app) as client:
        start = threading.Barrier(len(paths))

        def read(path: str) -> None:
            start.wait()
            statuses.append(client.get(path).status_code)

        threads = [threading.Thread(target=read, args=(p,)) for p in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return statuses


@pytest.mark.parametrize("at_once", [1, 2])
def test_no_more_pages_render_at_once_than_allowed(
    settings: Settings, database: Database, rendering_log: dict[str, int], at_once: int
) -> None:
    app = create_app(
        Settings(database_url=settings.database_url, page_cache=False, renders_at_once=at_once),
        database,
    )
    # A different filter each: none can be answered from another's copy.
    paths = [f"/incidents?q=border{n}" for n in range(READERS)]
    assert _read_at_once(app, paths) == [200] * READERS
    assert rendering_log["pages"] == READERS
    assert rendering_log["most"] == at_once


def test_cached_pages_do_not_wait_for_a_turn(
    settings: Settings, database: Database, rendering_log: dict[str, int]
) -> None:
    app = create_app(Settings(database_url=settings.database_url, renders_at_once=1), database)
    with TestClient(app) as client:
        assert client.get("/incidents").status_code == 200
        turns = app.state.rendering
        turns.acquire()  # every turn taken, as by a long render
        try:
            assert client.get("/incidents").status_code == 200  # from the cache
        finally:
            turns.release()
    assert rendering_log["pages"] == 1


def test_the_setting_is_read_and_checked() -> None:
    base = {"DATABASE_URL": "sqlite://"}
    assert load_settings(base).renders_at_once == 1
    assert load_settings({**base, "RENDERS_AT_ONCE": "3"}).renders_at_once == 3
    for wrong in ("0", "-1", "two", "1.5"):
        with pytest.raises(ValueError, match="RENDERS_AT_ONCE is a whole number of 1 or more"):
            load_settings({**base, "RENDERS_AT_ONCE": wrong})


def test_a_request_waiting_for_its_turn_holds_no_connection(
    settings: Settings, database: Database
) -> None:
    """Else readers waiting for a turn could hold every pooled connection while the one whose
    turn it is waits for one."""
    app = create_app(Settings(database_url=settings.database_url, renders_at_once=1), database)
    with TestClient(app) as client:
        turns = app.state.rendering
        turns.acquire()  # a long render has the turn
        statuses: list[int] = []
        reader = threading.Thread(target=lambda: statuses.append(client.get("/").status_code))
        reader.start()
        try:
            waited = 0.0
            while waited < 5 and not turns.waiting:
                time.sleep(0.01)
                waited += 0.01
            assert turns.waiting, "the reader never came to wait for its turn"
            assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        finally:
            turns.release()
            reader.join()
    assert statuses == [200]


def test_turns_go_in_the_order_asked_for() -> None:
    turns = Turns(1)
    turns.acquire()  # a long render has the turn
    order: list[int] = []

    def render(n: int) -> None:
        with turns:
            order.append(n)

    readers = []
    for n in range(5):
        readers.append(threading.Thread(target=render, args=(n,)))
        readers[-1].start()
        while turns.waiting < n + 1:  # each in the queue before the next asks
            time.sleep(0.001)
    turns.release()
    for reader in readers:
        reader.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert turns.waiting == 0
    with turns:  # the turn is free again, once
        pass
    with pytest.raises(ValueError, match="not taken"):
        turns.release()


def test_two_at_once_means_two() -> None:
    turns = Turns(2)
    turns.acquire()
    turns.acquire()
    third = threading.Thread(target=turns.acquire)
    third.start()
    while not turns.waiting:
        time.sleep(0.001)
    assert third.is_alive()
    turns.release()
    third.join(5)
    assert not third.is_alive()
