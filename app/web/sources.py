"""Editors' pages for sources: list, add, edit."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.i18n import gettext
from app.models import Source
from app.models.vocab import RELIABILITY_LABELS, Reliability
from app.schemas.forms import FormData, form_data, parse_source_fields
from app.services import sources
from app.web.auth import Editor
from app.web.deps import DatabaseDep, TemplatesDep
from app.web.pages import parse_id

router = APIRouter()
RELIABILITY_OPTIONS = [(r.value, f"{r.value}: {RELIABILITY_LABELS[r.value]}") for r in Reliability]


def _values(source: Source) -> dict[str, str]:
    return {
        "url": source.url,
        "outlet": source.outlet,
        "title": source.title,
        "published_on": source.published_on.isoformat() if source.published_on else "",
        "language": source.language,
        "reliability": source.reliability,
        "last_seen": sources.version_stamp(source),
    }


def _page(
    request: Request,
    templates: TemplatesDep,
    form: FormData,
    source_id: int | None,
    status: int = 200,
) -> Response:
    context = {"form": form, "source_id": source_id, "reliability_options": RELIABILITY_OPTIONS}
    return templates.TemplateResponse(request, "sources/form.html", context, status_code=status)


@router.get("/sources", response_class=HTMLResponse)
def source_list(
    request: Request, database: DatabaseDep, templates: TemplatesDep, _user: Editor, q: str = ""
) -> Response:
    with database.read() as session:
        rows = sources.list_sources(session, q.strip()[:200])
        context = {"rows": rows, "q": q[:200]}
        return templates.TemplateResponse(request, "sources/list.html", context)


@router.get("/sources/new", response_class=HTMLResponse)
def new_source(request: Request, templates: TemplatesDep, _user: Editor) -> Response:
    return _page(request, templates, FormData({"language": "en", "reliability": "F"}), None)


@router.post("/sources", response_class=HTMLResponse)
async def create_source(
    request: Request, database: DatabaseDep, templates: TemplatesDep, user: Editor
) -> Response:
    form = form_data(list((await request.form()).multi_items()))
    data = parse_source_fields(form)
    if data is None:
        form.errors["url"] = gettext("The address is required.")
    elif form.ok:
        try:
            with database.write() as session:
                sources.create_source(session, data, user=user)
            return RedirectResponse(f"/sources?{urlencode({'q': data.outlet})}", status_code=303)
        except sources.DuplicateSource:
            form.errors["url"] = gettext("A source with this address is already on record.")
    return _page(request, templates, form, None, 422)


@router.get("/sources/{source_id}/edit", response_class=HTMLResponse)
def edit_source(
    request: Request, database: DatabaseDep, templates: TemplatesDep, _user: Editor, source_id: str
) -> Response:
    number = parse_id(source_id)
    with database.read() as session:
        source = session.get(Source, number) if number else None
        if source is None:
            raise HTTPException(
                status_code=404, detail=gettext("There is no source at this address.")
            )
        return _page(request, templates, FormData(_values(source)), source.id)


@router.post("/sources/{source_id}", response_class=HTMLResponse)
async def update_source(
    request: Request, database: DatabaseDep, templates: TemplatesDep, user: Editor, source_id: str
) -> Response:
    number = parse_id(source_id)
    if number is None:
        raise HTTPException(status_code=404, detail=gettext("There is no source at this address."))
    form = form_data(list((await request.form()).multi_items()))
    data = parse_source_fields(form)
    status = 422
    if data is None:
        form.errors["url"] = gettext("The address is required.")
    elif form.ok:
        try:
            with database.write() as session:
                sources.update_source(
                    session, number, data, last_seen=form.get("last_seen"), user=user
                )
            return RedirectResponse("/sources", status_code=303)
        except LookupError:
            raise HTTPException(
                status_code=404, detail=gettext("There is no source at this address.")
            ) from None
        except sources.DuplicateSource:
            form.errors["url"] = gettext("Another source already has this address.")
        except sources.SourceConflict:
            status = 409
            form.errors["last_seen"] = gettext(
                "Someone changed this source after you opened it. Your values are kept below; "
                "open the source again to see theirs before saving."
            )
    return _page(request, templates, form, number, status)
