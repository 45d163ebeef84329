"""Four processes writing at once: no "database is locked" on SQLite, no deadlock on
PostgreSQL, and no lost write on either.

Each process edits through the app's own services: it creates incidents and, in the same
transactions, adds claims to one shared incident, whose version rises with every save.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from sqlalchemy import func, select

from app.db import Database
from app.migrations import upgrade
from app.models import Claim, Incident
from app.schemas.forms import (
    ClaimInput,
    FormData,
    IncidentInput,
    parse_claim_form,
    parse_incident_form,
)
from app.services.editing import create_incident, load_for_edit, save_claim
from tests.conftest import ScratchDatabases

PROCESSES = 4
SAVES = 25


def _incident_input(title: str) -> IncidentInput:
    form = FormData({"title": title, "date_start": "2025-10-15", "event_type": "battles"})
    parsed = parse_incident_form(form)
    assert not form.errors, form.errors
    return parsed


def _claim_input(statement: str) -> ClaimInput:
    form = FormData({"spokesperson": "Spokesman", "kind": "casualties", "statement": statement})
    parsed = parse_claim_form(form)
    assert not form.errors, form.errors
    return parsed


def _writer(url: str, shared_id: int, number: int, failures: Any) -> None:
    database = Database(url)
    try:
        for n in range(SAVES):
            with database.write() as s:
                create_incident(s, _incident_input(f"p{number}-{n}"), user=None)
                # Read the version and save from it in one transaction: a lost update would
                # show as a claim missing, or as a conflict raised here.
                version = load_for_edit(s, shared_id).version
                claim = _claim_input(f"p{number}-{n}")
                save_claim(s, shared_id, None, claim, expected_version=version, user=None)
    except BaseException as error:  # reported to the test, which fails with it
        failures.put(f"process {number} ({os.getpid()}): {type(error).__name__}: {error}")
    finally:
        database.dispose()


def test_four_processes_write_at_once(scratch: ScratchDatabases) -> None:
    url = scratch.new_url()
    upgrade(url)
    database = Database(url)
    with database.write() as s:
        shared_id = create_incident(s, _incident_input("shared"), user=None).id
    context = multiprocessing.get_context("spawn")
    failures = context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, shared_id, n, failures))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    reported = [failures.get() for _ in range(failures.qsize())] if not failures.empty() else []
    assert reported == []
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1 + PROCESSES * SAVES
        claims = s.scalar(select(func.count()).where(Claim.incident_id == shared_id))
        assert claims == PROCESSES * SAVES
        assert s.get_one(Incident, shared_id).version == 1 + PROCESSES * SAVES
    database.dispose()
