"""Creating and changing incidents, claims and sources with an API token. Bodies are turned into
the forms' fields and checked by the forms' own rules, so the API refuses what a form refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.auth import ApiEditor
from app.api.models import ClaimIn, IncidentDocument, IncidentIn, SourceIn, SourceOut, SourceUpdate
from app.api.params import API_PREFIX, Id, Version
from app.api.reading import incident_json, source_json
from app.db import Database
from app.models import User
from app.schemas.forms import (
    FormData,
    IncidentInput,
    parse_claim_form,
    parse_incident_form,
    parse_source_fields,
)
from app.services import editing, sources
from app.services.visibility import EDITOR
from app.web.deps import DatabaseDep
from app.web.problems import ProblemError

router = APIRouter(prefix=API_PREFIX)
Result = TypeVar("Result")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _incident_form(body: IncidentIn) -> FormData:
    raw = {k: _text(v) for k, v in body.model_dump(exclude={"actors"}).items()}
    for i, link in enumerate(body.actors, start=1):
        raw[f"actor_{i}"], raw[f"role_{i}"] = link.actor, link.role
    return FormData(raw)


def _claim_form(body: ClaimIn) -> FormData:
    raw = {k: _text(v) for k, v in body.model_dump(exclude={"figures", "sources"}).items()}
    for i, figure in enumerate(body.figures, start=1):
        for key, value in figure.model_dump().items():
            raw[f"figure_{key}_{i}"] = _text(value)
    for i, source in enumerate(body.sources, start=1):
        for key, value in source.model_dump().items():
            raw[f"source_{i}_{key}"] = _text(value)
    return FormData(raw)


def _refused(form: FormData) -> ProblemError:
    return ProblemError(422, "Invalid input", fields=form.errors)


def _incident_data(body: IncidentIn) -> IncidentInput:
    """The body checked by the incident form's own rules, or a 422 naming each field."""
    form = _incident_form(body)
    data = parse_incident_form(form)
    if not form.ok:
        raise _refused(form)
    return data


def _write(database: Database, action: Callable[[Any], Result]) -> Result:
    """Run a write; turn the editing service's refusals into problem details."""
    try:
        with database.write() as session:
            return action(session)
    except editing.NotFound as missing:
        raise ProblemError(404, "Not found", str(missing)) from None
    except editing.EditRejected as rejected:
        raise ProblemError(422, "Invalid input", fields=rejected.errors) from None
    except editing.EditConflict as conflict:
        raise ProblemError(
            409,
            "Edit conflict",
            f"{conflict}; read it again and send your change from its version.",
        ) from None
    except editing.PublishRefused as refused:
        raise ProblemError(409, "Refused", str(refused)) from None


def _document(database: Database, request: Request, incident_id: int) -> dict[str, Any]:
    with database.read() as session:
        return incident_json(request, session, incident_id, EDITOR)


@router.post("/incidents", status_code=201, response_model=IncidentDocument)
def create_incident(
    request: Request, database: DatabaseDep, user: ApiEditor, body: IncidentIn
) -> dict[str, Any]:
    """A new draft incident."""
    data = _incident_data(body)
    incident_id = _write(database, lambda s: editing.create_incident(s, data, user=user).id)
    return _document(database, request, incident_id)


@router.put("/incidents/{incident_id}", response_model=IncidentDocument)
def update_incident(
    request: Request, database: DatabaseDep, user: ApiEditor, incident_id: Id, body: IncidentIn
) -> dict[str, Any]:
    data = _incident_data(body)
    _write(
        database,
        lambda s: editing.update_incident(
            s, incident_id, data, expected_version=body.version, user=user
        ),
    )
    return _document(database, request, incident_id)


def _save_claim(
    request: Request,
    database: Database,
    user: User,
    incident_id: int,
    claim_id: int | None,
    body: ClaimIn,
) -> dict[str, Any]:
    form = _claim_form(body)
    data = parse_claim_form(form)
    if not form.ok:
        raise _refused(form)
    _write(
        database,
        lambda s: editing.save_claim(
            s, incident_id, claim_id, data, expected_version=body.version, user=user
        ),
    )
    return _document(database, request, incident_id)


@router.post("/incidents/{incident_id}/claims", status_code=201, response_model=IncidentDocument)
def create_claim(
    request: Request, database: DatabaseDep, user: ApiEditor, incident_id: Id, body: ClaimIn
) -> dict[str, Any]:
    return _save_claim(request, database, user, incident_id, None, body)


@router.put("/incidents/{incident_id}/claims/{claim_id}", response_model=IncidentDocument)
def update_claim(
    request: Request,
    database: DatabaseDep,
    user: ApiEditor,
    incident_id: Id,
    claim_id: Id,
    body: ClaimIn,
) -> dict[str, Any]:
    return _save_claim(request, database, user, incident_id, claim_id, body)


@router.delete("/incidents/{incident_id}/claims/{claim_id}", status_code=204)
def delete_claim(
    database: DatabaseDep, user: ApiEditor, incident_id: Id, claim_id: Id, version: Version
) -> Response:
    _write(
        database,
        lambda s: editing.delete_claim(
            s, incident_id, claim_id, expected_version=version, user=user
        ),
    )
    return Response(status_code=204)


@router.post("/sources", status_code=201, response_model=SourceOut)
def create_source(database: DatabaseDep, user: ApiEditor, body: SourceIn) -> dict[str, Any]:
    form = FormData({k: _text(v) for k, v in body.model_dump().items()})
    data = parse_source_fields(form)
    if data is None or not form.ok:
        raise _refused(form)
    try:
        with database.write() as session:
            return source_json(sources.create_source(session, data, user=user))
    except sources.DuplicateSource:
        raise ProblemError(
            409, "Duplicate", "A source with this address is already on record."
        ) from None


@router.put("/sources/{source_id}", response_model=SourceOut)
def update_source(
    database: DatabaseDep, user: ApiEditor, source_id: Id, body: SourceUpdate
) -> dict[str, Any]:
    form = FormData({k: _text(v) for k, v in body.model_dump(exclude={"updated_at"}).items()})
    data = parse_source_fields(form)
    if data is None or not form.ok:
        raise _refused(form)
    try:
        with database.write() as session:
            source = sources.update_source(
                session, source_id, data, last_seen=body.updated_at, user=user
            )
            return source_json(source)
    except LookupError:
        raise ProblemError(404, "Not found", f"There is no source {source_id}.") from None
    except sources.SourceConflict:
        raise ProblemError(409, "Edit conflict", "The source changed since it was read.") from None
    except sources.DuplicateSource:
        raise ProblemError(409, "Duplicate", "Another source already has this address.") from None
