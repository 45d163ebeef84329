"""Editors' review of what imports could not decide: dataset names no actor is known by."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.i18n import format_number, gettext, ngettext
from app.services import actor_names
from app.services.actors import suggest_actors
from app.services.lookup import find_actor
from app.web.auth import Editor
from app.web.deps import DatabaseDep, TemplatesDep
from app.web.pages import parse_id

router = APIRouter()
PAGE = "/review/actors"


def _page(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    *,
    problem: tuple[int, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    with database.read() as session:
        context = {
            "names": actor_names.unmapped_names(session),
            "actor_suggestions": suggest_actors(session, limit=500),
            "problem": problem,
            "done": done,
        }
        return templates.TemplateResponse(
            request, "review/actors.html", context, status_code=status
        )


@router.get(PAGE, response_class=HTMLResponse)
def unmapped_actor_names(
    request: Request, database: DatabaseDep, templates: TemplatesDep, _user: Editor, done: str = ""
) -> Response:
    return _page(request, database, templates, done=done[:300] or None)


@router.post(PAGE + "/{unmapped_id}", response_class=HTMLResponse)
def map_actor_name(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    unmapped_id: str,
    actor: Annotated[str, Form(max_length=200)] = "",
    keep: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    number = parse_id(unmapped_id)
    if number is None:
        raise HTTPException(status_code=404, detail=gettext("There is no such name to map."))
    try:
        with database.write() as session:
            if keep == "1":
                actor_names.keep_name(session, number)
                message = gettext("Kept as an actor of its own.")
            else:
                target = find_actor(session, actor.strip()) if actor.strip() else None
                if target is None:
                    raise actor_names.MappingError(
                        gettext("No actor is called “%(actor)s”: pick one from the list.")
                        % {"actor": actor.strip()[:60]}
                        if actor.strip()
                        else gettext("Choose the actor this name means.")
                    )
                changed = actor_names.map_name(session, number, target)
                message = ngettext(
                    "Mapped to %(actor)s: %(num)s incident changed.",
                    "Mapped to %(actor)s: %(num)s incidents changed.",
                    changed,
                ) % {"actor": target.name, "num": format_number(changed)}
    except actor_names.MappingError as error:
        return _page(request, database, templates, problem=(number, str(error)), status=422)
    return RedirectResponse(f"{PAGE}?done={message}", status_code=303)
