"""Editors' pages: incident and claim forms, review, history, restore.

Plain forms answer a successful POST with 303; htmx requests get HX-Location. Validation errors
come back as the form with status 422, every typed value kept. A save from a stale version gets
the conflict page (409), which keeps the editor's values and shows what changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import N_, gettext
from app.links import incident_path
from app.models import Incident, Sector
from app.models.vocab import (
    CREDIBILITY_LABELS,
    EVENT_TYPES,
    RELIABILITY_LABELS,
    ROLE_LABELS,
    ActorRole,
    ClaimKind,
    ClaimStatus,
    LossParty,
    Outcome,
    Reliability,
    ReviewState,
)
from app.schemas.forms import (
    ACTOR_ROWS_SPARE,
    FIGURE_ROWS_SPARE,
    SOURCE_ROWS_SPARE,
    FormData,
    claim_form_values,
    expected_version,
    form_data,
    incident_form_values,
    parse_claim_form,
    parse_incident_form,
    row_count,
)
from app.services import editing
from app.services.actors import suggest_actors
from app.services.history import history_views
from app.services.lookup import place_suggestions
from app.services.snapshots import snapshot_incident
from app.web.auth import Admin, Editor
from app.web.deps import DatabaseDep, TemplatesDep
from app.web.htmx import is_fragment_request
from app.web.pages import parse_id

router = APIRouter()

# (value, label) pairs for the forms' selects.
CHOICES = {
    "event_types": EVENT_TYPES,
    "role_options": [(r.value, ROLE_LABELS[r.value]) for r in ActorRole],
    "kind_options": [(k.value, k.value.capitalize()) for k in ClaimKind],
    "status_options": [(s.value, s.value.capitalize()) for s in ClaimStatus],
    "party_options": [(p.value, p.value.capitalize()) for p in LossParty],
    "outcome_options": [(o.value, o.value.capitalize()) for o in Outcome],
    "reliability_options": [
        (r.value, f"{r.value}: {RELIABILITY_LABELS[r.value]}") for r in Reliability
    ],
    "credibility_options": [(str(n), f"{n}: {label}") for n, label in CREDIBILITY_LABELS.items()],
}


def _id(text: str) -> int:
    number = parse_id(text)
    if number is None:
        raise HTTPException(status_code=404, detail=gettext("There is nothing at this address."))
    return number


def _incident_url(incident: Incident) -> str:
    return incident_path(incident.id, incident.title)


def _done(request: Request, url: str) -> Response:
    """After a successful write: htmx navigates, a plain form follows a 303."""
    if is_fragment_request(request):
        return Response(status_code=204, headers={"HX-Location": url})
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> FormData:
    submitted = await request.form()
    return form_data(list(submitted.multi_items()))


def _refused(
    request: Request,
    templates: TemplatesDep,
    status: int,
    title: str,
    message: str,
    back: str,
    fix: tuple[str, str] | None = None,
) -> Response:
    """A page that says why a write was refused, with the way to put it right when there is one
    (`fix`: what to do, and where). Every text is in the reader's language already."""
    context = {"status": status, "title": title, "message": message, "back": back, "fix": fix}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


ACTOR_ROWS_ADDED = 3

STALE = N_("Someone changed this incident after you opened it. Reload it and try again.")


def _act(
    request: Request,
    templates: TemplatesDep,
    database: DatabaseDep,
    write: Callable[[Session], str],
    *,
    title: str,
    back: str,
    missing: str,
    refused_status: int = 409,
    fix: tuple[str, str] | None = None,
) -> Response:
    """One write from a button (publish, archive, purge, delete a claim, restore): done, or a
    page that says why not. `write` returns where to go next; `title`, `missing` and `fix` are
    in the reader's language."""
    try:
        with database.write() as session:
            url = write(session)
        return _done(request, url)
    except editing.NotFound:
        raise HTTPException(status_code=404, detail=missing) from None
    except editing.PublishRefused as refused:
        return _refused(request, templates, refused_status, title, str(refused), back, fix)
    except editing.EditConflict:
        return _refused(request, templates, 409, title, gettext(STALE), back)


def _load(session: Session, incident_id: int) -> Incident:
    try:
        return editing.load_for_edit(session, incident_id)
    except editing.NotFound:
        raise HTTPException(
            status_code=404, detail=gettext("There is no incident at this address.")
        ) from None


# ---- incidents ---------------------------------------------------------------------------------


def _incident_form_page(
    request: Request,
    templates: TemplatesDep,
    session: Session,
    form: FormData,
    *,
    incident: Incident | None,
    status: int = 200,
    conflict: dict[str, Any] | None = None,
) -> Response:
    # "Add more actor rows" without a script: the same form again, with more blank rows.
    spare = ACTOR_ROWS_SPARE + (ACTOR_ROWS_ADDED if form.get("more_actor_rows") else 0)
    context = {
        "form": form,
        "incident": incident,
        "actor_rows": row_count(form.raw, "actor", "", spare),
        "actor_options": suggest_actors(session, "", limit=500),
        "place_options": place_suggestions(session),
        "sector_options": [
            (s.slug, s.name) for s in session.scalars(select(Sector).order_by(Sector.position))
        ],
        "conflict": conflict,
        **CHOICES,
    }
    return templates.TemplateResponse(
        request, "editing/incident_form.html", context, status_code=status
    )


@router.get("/incidents/new", response_class=HTMLResponse)
def new_incident(
    request: Request, database: DatabaseDep, templates: TemplatesDep, _user: Editor
) -> Response:
    with database.read() as session:
        form = FormData({"date_precision": "day", "geo_precision": "1"})
        return _incident_form_page(request, templates, session, form, incident=None)


@router.post("/incidents", response_class=HTMLResponse)
async def create_incident(
    request: Request, database: DatabaseDep, templates: TemplatesDep, user: Editor
) -> Response:
    form = await _form(request)
    if form.get("more_actor_rows"):
        with database.read() as session:
            return _incident_form_page(request, templates, session, form, incident=None)
    data = parse_incident_form(form)
    if form.ok:
        try:
            with database.write() as session:
                incident = editing.create_incident(session, data, user=user)
                url = _incident_url(incident)
            return _done(request, url)
        except editing.EditRejected as rejected:
            form.errors.update(rejected.errors)
    with database.read() as session:
        return _incident_form_page(request, templates, session, form, incident=None, status=422)


@router.get("/incidents/{incident_id}/edit", response_class=HTMLResponse)
def edit_incident(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    incident_id: str,
) -> Response:
    with database.read() as session:
        incident = _load(session, _id(incident_id))
        form = FormData(incident_form_values(incident))
        return _incident_form_page(request, templates, session, form, incident=incident)


def _conflict_context(
    session: Session, incident: Incident, started_from: int | None
) -> dict[str, Any]:
    """What was saved since the editor's version, as readable differences."""
    since = [
        view
        for view in history_views(editing.incident_history(session, incident.id))
        if started_from is None or (view.change.after or {}).get("version", 0) > started_from
    ]
    return {"started_from": started_from, "current_version": incident.version, "since": since}


@router.post("/incidents/{incident_id}", response_class=HTMLResponse)
async def update_incident(
    request: Request, database: DatabaseDep, templates: TemplatesDep, user: Editor, incident_id: str
) -> Response:
    number = _id(incident_id)
    form = await _form(request)
    if form.get("more_actor_rows"):
        with database.read() as session:
            incident = _load(session, number)
            return _incident_form_page(request, templates, session, form, incident=incident)
    data = parse_incident_form(form)
    version = expected_version(form)
    status = 422
    if form.ok:
        try:
            with database.write() as session:
                incident = editing.update_incident(
                    session, number, data, expected_version=version, user=user
                )
                url = _incident_url(incident)
            return _done(request, url)
        except editing.NotFound:
            raise HTTPException(
                status_code=404, detail=gettext("There is no incident at this address.")
            ) from None
        except editing.EditRejected as rejected:
            form.errors.update(rejected.errors)
        except editing.EditConflict:
            status = 409
    with database.read() as session:
        incident = _load(session, number)
        conflict = None
        if status == 409:
            conflict = _conflict_context(session, incident, version)
            # Saving again from here applies this editor's values over the newer version.
            form.raw["version"] = str(incident.version)
        return _incident_form_page(
            request, templates, session, form, incident=incident, status=status, conflict=conflict
        )


def _review(state: ReviewState) -> Any:
    async def change_state(
        request: Request,
        database: DatabaseDep,
        templates: TemplatesDep,
        user: Editor,
        incident_id: str,
    ) -> Response:
        number = _id(incident_id)
        version = expected_version(await _form(request))

        def write(session: Session) -> str:
            incident = editing.set_review_state(
                session, number, state, expected_version=version, user=user
            )
            return _incident_url(incident)

        # A refused publication is the editor's to fix (422); a stale button is a conflict.
        publishing = state == ReviewState.PUBLISHED
        return _act(
            request,
            templates,
            database,
            write,
            title=gettext("Not published") if publishing else gettext("Not changed"),
            back=f"/incidents/{number}",
            missing=gettext("There is no incident at this address."),
            refused_status=422,
            fix=(gettext("Add a claim with its source"), f"/incidents/{number}/claims/new")
            if publishing
            else None,
        )

    return change_state


router.add_api_route(
    "/incidents/{incident_id}/publish", _review(ReviewState.PUBLISHED), methods=["POST"]
)
router.add_api_route(
    "/incidents/{incident_id}/archive", _review(ReviewState.ARCHIVED), methods=["POST"]
)
router.add_api_route("/incidents/{incident_id}/draft", _review(ReviewState.DRAFT), methods=["POST"])


@router.post("/incidents/{incident_id}/purge")
def purge_incident(
    request: Request, database: DatabaseDep, templates: TemplatesDep, user: Admin, incident_id: str
) -> Response:
    number = _id(incident_id)

    def write(session: Session) -> str:
        editing.purge_incident(session, number, user=user)
        return "/incidents?state=archived"

    return _act(
        request,
        templates,
        database,
        write,
        title=gettext("Not purged"),
        back=f"/incidents/{number}",
        missing=gettext("There is no incident at this address."),
    )


# ---- claims ------------------------------------------------------------------------------------


def _claim_form_page(
    request: Request,
    templates: TemplatesDep,
    session: Session,
    form: FormData,
    *,
    incident: Incident,
    claim_id: int | None,
    status: int = 200,
    conflict: dict[str, Any] | None = None,
) -> Response:
    context = {
        "form": form,
        "incident": incident,
        "claim_id": claim_id,
        "other_claims": [c for c in incident.claims if c.id != claim_id],
        "figure_rows": row_count(form.raw, "figure_low", "", FIGURE_ROWS_SPARE),
        "source_rows": row_count(form.raw, "source", "_url", SOURCE_ROWS_SPARE),
        "actor_options": suggest_actors(session, "", limit=500),
        "conflict": conflict,
        **CHOICES,
    }
    template = (
        "editing/_claim_form.html" if is_fragment_request(request) else "editing/claim_form.html"
    )
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/incidents/{incident_id}/claims/new", response_class=HTMLResponse)
def new_claim(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    incident_id: str,
) -> Response:
    with database.read() as session:
        incident = _load(session, _id(incident_id))
        form = FormData(
            {"version": str(incident.version), "status": "unverified", "statement_language": "en"}
        )
        return _claim_form_page(request, templates, session, form, incident=incident, claim_id=None)


@router.get("/incidents/{incident_id}/claims/{claim_id}/edit", response_class=HTMLResponse)
def edit_claim(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    incident_id: str,
    claim_id: str,
) -> Response:
    with database.read() as session:
        incident = _load(session, _id(incident_id))
        claim = next((c for c in incident.claims if c.id == _id(claim_id)), None)
        if claim is None:
            raise HTTPException(
                status_code=404, detail=gettext("There is no such claim in this incident.")
            )
        form = FormData({**claim_form_values(claim), "version": str(incident.version)})
        return _claim_form_page(
            request, templates, session, form, incident=incident, claim_id=claim.id
        )


async def _save_claim(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Any,
    number: int,
    claim_id: int | None,
) -> Response:
    form = await _form(request)
    data = parse_claim_form(form)
    version = expected_version(form)
    status = 422
    if form.ok:
        try:
            with database.write() as session:
                claim = editing.save_claim(
                    session, number, claim_id, data, expected_version=version, user=user
                )
                url = f"{_incident_url(claim.incident)}#claim-{claim.id}"
            return _done(request, url)
        except editing.NotFound:
            raise HTTPException(
                status_code=404, detail=gettext("There is no such claim in this incident.")
            ) from None
        except editing.EditRejected as rejected:
            form.errors.update(rejected.errors)
        except editing.PublishRefused as refused:
            form.errors["status"] = str(refused)
        except editing.EditConflict:
            status = 409
    with database.read() as session:
        incident = _load(session, number)
        conflict = None
        if status == 409:
            conflict = _conflict_context(session, incident, version)
            form.raw["version"] = str(incident.version)
            if claim_id is not None and all(c.id != claim_id for c in incident.claims):
                # The claim went meanwhile: saving again adds it back as a new claim.
                claim_id = None
        return _claim_form_page(
            request,
            templates,
            session,
            form,
            incident=incident,
            claim_id=claim_id,
            status=status,
            conflict=conflict,
        )


@router.post("/incidents/{incident_id}/claims", response_class=HTMLResponse)
async def create_claim(
    request: Request, database: DatabaseDep, templates: TemplatesDep, user: Editor, incident_id: str
) -> Response:
    return await _save_claim(request, database, templates, user, _id(incident_id), None)


@router.post("/incidents/{incident_id}/claims/{claim_id}", response_class=HTMLResponse)
async def update_claim(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    incident_id: str,
    claim_id: str,
) -> Response:
    return await _save_claim(request, database, templates, user, _id(incident_id), _id(claim_id))


@router.post("/incidents/{incident_id}/claims/{claim_id}/delete", response_class=HTMLResponse)
async def delete_claim(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    incident_id: str,
    claim_id: str,
) -> Response:
    number, claim = _id(incident_id), _id(claim_id)
    version = expected_version(await _form(request))

    def write(session: Session) -> str:
        incident = editing.delete_claim(session, number, claim, expected_version=version, user=user)
        return _incident_url(incident)

    return _act(
        request,
        templates,
        database,
        write,
        title=gettext("Not deleted"),
        back=f"/incidents/{number}",
        missing=gettext("There is no such claim in this incident."),
    )


# ---- history -----------------------------------------------------------------------------------


@router.get("/incidents/{incident_id}/history", response_class=HTMLResponse)
def incident_history(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    incident_id: str,
) -> Response:
    with database.read() as session:
        incident = _load(session, _id(incident_id))
        views = history_views(editing.incident_history(session, incident.id))
        context = {"incident": incident, "views": views, "current": snapshot_incident(incident)}
        return templates.TemplateResponse(request, "editing/history.html", context)


@router.post("/incidents/{incident_id}/history/{change_id}/restore", response_class=HTMLResponse)
async def restore_version(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    incident_id: str,
    change_id: str,
) -> Response:
    number, change = _id(incident_id), _id(change_id)
    version = expected_version(await _form(request))

    def write(session: Session) -> str:
        incident = editing.restore_incident(
            session, number, change, expected_version=version, user=user
        )
        return _incident_url(incident)

    return _act(
        request,
        templates,
        database,
        write,
        title=gettext("Not restored"),
        back=f"/incidents/{number}/history",
        missing=gettext("There is no such version of this incident."),
    )
