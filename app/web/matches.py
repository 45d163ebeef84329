"""Editors' queue of match proposals, and merging and unmerging incidents from the web.

Every merge from a form is shown before it is made (what survives, what folds in, how far apart
the records are) and made only on a second, confirming post.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.db import Database
from app.i18n import gettext, ngettext
from app.importers import DATASET_LABELS
from app.models import Merge, Sector, User
from app.models.vocab import ProposalState
from app.services.editing import NotFound
from app.services.gazetteer import distance_km
from app.services.incidents import get_incident
from app.services.matching import parse_score
from app.services.merging import MergeRefused, merge_incidents, unmerge
from app.services.proposals import PlannedMerge, accept_above, decide
from app.services.proposals_view import (
    LETTERS,
    ReviewQuery,
    incidents_in_view,
    review_groups,
    sketch,
)
from app.services.visibility import EDITOR
from app.web.auth import Editor
from app.web.deps import DatabaseDep, TemplatesDep
from app.web.pages import parse_id

router = APIRouter()
QUEUE = "/review/matches"
DECISIONS = {"reject": ProposalState.REJECTED, "later": ProposalState.LATER}
# Below this, groups are merged one at a time, after a look.
LOWEST_BULK_SCORE = 0.5
VERSION = re.compile(r"[0-9]{1,9}")
DATASET_NAMES = {**{k: v.split()[0] for k, v in DATASET_LABELS.items()}, "editors": "Editors"}


def _score(text: str, field: str) -> float:
    """The score typed in `field` (its label, in the reader's language)."""
    try:
        return parse_score(text)
    except ValueError as error:
        message = gettext("%(field)s: %(problem)s")
        raise ValueError(message % {"field": field, "problem": error}) from None


def _queue_address(back: str) -> str:
    """The queue as the editor left it; anything else (another site, another page) is the
    queue itself."""
    path, _, query = back.partition("?")
    if path != QUEUE:
        return QUEUE
    kept = [p for p in query.split("&") if p and not p.startswith(("done=", "problem="))]
    return f"{QUEUE}?{'&'.join(kept)}" if kept else QUEUE


def _query(params: dict[str, str]) -> tuple[ReviewQuery, list[str]]:
    """The queue's filters from its query string; what cannot be used is said, not fatal."""
    problems: list[str] = []
    min_score = 0.0
    if params.get("min_score"):
        try:
            min_score = _score(params["min_score"], gettext("Lowest score"))
        except ValueError as error:
            problems.append(str(error))
    dataset = params.get("dataset", "")
    if dataset not in ("", *DATASET_LABELS, "editors"):
        # Translators: acled, ucdp and editors are the values the address takes, as typed.
        message = gettext("Dataset: “%(value)s” is not acled, ucdp or editors")
        problems.append(message % {"value": dataset[:20]})
        dataset = ""
    page = parse_id(params.get("page", "1")) or 1
    query = ReviewQuery(
        min_score=min_score,
        dataset=dataset,
        sector=params.get("sector", "")[:120],
        later=params.get("later") == "1",
        page=min(page, 10_000),
    )
    return query, problems


def _params_of(address: str) -> dict[str, str]:
    return dict(parse_qsl(address.partition("?")[2]))


@router.get(QUEUE, response_class=HTMLResponse)
def match_queue(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    done: str = "",
) -> Response:
    here = QUEUE + (f"?{request.url.query}" if request.url.query else "")
    return _queue_page(request, database, templates, here=here, done=done[:300])


def _queue_page(
    request: Request,
    database: Database,
    templates: TemplatesDep,
    *,
    here: str,
    done: str = "",
    problem: str = "",
    status: int = 200,
) -> Response:
    here = _queue_address(here)
    query, problems = _query(_params_of(here))
    with database.read() as session:
        groups, total = review_groups(session, query)
        context = {
            "groups": groups,
            "total": total,
            "query": query,
            "problems": [*problems, *([problem] if problem else [])],
            "done": done,
            "letters": LETTERS,
            "sketches": [sketch(g.members) for g in groups],
            "sectors": [
                (slug, name)
                for slug, name in session.execute(
                    select(Sector.slug, Sector.name).order_by(Sector.position)
                )
            ],
            "datasets": {
                **{k: v.split()[0] for k, v in DATASET_LABELS.items()},
                "editors": "Editors",
            },
            "here": here,
            "queue": QUEUE,
        }
        return templates.TemplateResponse(
            request, "review/matches.html", context, status_code=status
        )


def _back(to: str, message: str) -> RedirectResponse:
    """To the queue as the editor left it (filters kept), saying what was done."""
    address = _queue_address(to)
    joiner = "&" if "?" in address else "?"
    return RedirectResponse(f"{address}{joiner}{urlencode({'done': message})}", status_code=303)


def _ids(values: list[str]) -> list[int]:
    return [n for n in (parse_id(v) for v in values[:200]) if n is not None]


def _confirm_page(
    request: Request,
    templates: TemplatesDep,
    database: Database,
    *,
    plan: list[PlannedMerge],
    action: str,
    fields: dict[str, Any],
    cancel: str,
    title: str,
) -> Response:
    """What a merge would do, with a button that does it."""
    with database.read() as session:
        rows = []
        for planned in plan:
            keep = get_incident(session, planned.keep, viewer=EDITOR)
            others = [get_incident(session, i, viewer=EDITOR) for i in planned.others]
            if keep is None or any(o is None for o in others):
                continue
            rows.append((keep, [(o, _apart(keep, o)) for o in others if o is not None]))
        context = {
            "rows": rows,
            "action": action,
            "fields": fields,
            "cancel": cancel,
            "title": title,
        }
        return templates.TemplateResponse(request, "review/merge_confirm.html", context)


def _apart(a: Any, b: Any) -> str:
    if a.latitude is None or b.latitude is None:
        return gettext("no coordinates on one side")
    km = distance_km((a.latitude, a.longitude), (b.latitude, b.longitude))
    return gettext("%(km)s km apart") % {"km": f"{km:.1f}"}


@router.post(QUEUE + "/merge", response_class=HTMLResponse)
def merge_group(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    keep: Annotated[str, Form(max_length=12)] = "",
    default_keep: Annotated[str, Form(max_length=12)] = "",
    other: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form(max_length=2000)] = QUEUE,
    confirm: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    survivor = parse_id(keep)
    ticked = _ids(other or [])
    proposed = parse_id(default_keep)
    if survivor is not None and survivor in ticked and proposed not in (None, survivor):
        # Another survivor was chosen with the boxes as they were (no script to update them):
        # the proposed survivor folds in, in its place.
        ticked = [proposed if i == survivor else i for i in ticked]
    others = [i for i in dict.fromkeys(ticked) if i != survivor]
    if survivor is None or not others:
        return _queue_page(
            request,
            database,
            templates,
            here=back,
            problem=gettext("Choose the record to keep and at least one to merge into it."),
            status=422,
        )
    if confirm != "1":
        return _confirm_page(
            request,
            templates,
            database,
            plan=[PlannedMerge(survivor, tuple(others))],
            action=QUEUE + "/merge",
            fields={"keep": survivor, "other": others, "back": back, "confirm": "1"},
            cancel=_queue_address(back),
            title=gettext("Merge these records?"),
        )
    try:
        with database.write() as session:
            editor = session.get(User, user.id)
            for merged in others:
                merge_incidents(session, survivor, merged, user=editor, origin="review queue")
    except (NotFound, MergeRefused) as error:
        return _queue_page(
            request,
            database,
            templates,
            here=back,
            problem=gettext("Nothing was merged: %(problem)s") % {"problem": error},
            status=422,
        )
    names = ", ".join(f"#{i}" for i in others)
    message = gettext("Merged %(merged)s into #%(kept)s.")
    return _back(back, message % {"merged": names, "kept": survivor})


@router.post(QUEUE + "/decide", response_class=HTMLResponse)
def decide_proposals(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    decision: Annotated[str, Form(max_length=10)] = "",
    proposal: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form(max_length=2000)] = QUEUE,
) -> Response:
    ids = _ids(proposal or [])
    if decision not in DECISIONS or not ids:
        return _queue_page(
            request,
            database,
            templates,
            here=back,
            problem=gettext("Choose reject or later."),
            status=422,
        )
    with database.write() as session:
        changed = decide(session, ids, DECISIONS[decision], user=session.get(User, user.id))
    if decision == "reject":
        said = ngettext(
            "%(num)s proposal rejected: never proposed again.",
            "%(num)s proposals rejected: never proposed again.",
            changed,
        )
    else:
        said = ngettext(
            "%(num)s proposal left for later.", "%(num)s proposals left for later.", changed
        )
    return _back(back, said % {"num": changed})


@router.post(QUEUE + "/accept-above", response_class=HTMLResponse)
def accept_proposals_above(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    score: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=2000)] = QUEUE,
    confirm: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    try:
        threshold = _score(score.strip(), gettext("Score"))
        if threshold < LOWEST_BULK_SCORE:
            raise ValueError(
                gettext(
                    "Score: merging everything below %(score)s at once is not offered;"
                    " merge those groups one at a time"
                )
                % {"score": f"{LOWEST_BULK_SCORE:g}"}
            )
    except ValueError as error:
        return _queue_page(request, database, templates, here=back, problem=str(error), status=422)
    # The groups the queue shows with its filters (dataset, sector), above the score.
    query, _ = _query(_params_of(_queue_address(back)))
    with database.read() as session:
        within = incidents_in_view(session, query)
        plan = accept_above(session, threshold, within=within, dry_run=True)
    if not plan:
        message = gettext("No waiting group here scores %(score)s or above.")
        return _back(back, message % {"score": f"{threshold:g}"})
    if confirm != "1":
        return _confirm_page(
            request,
            templates,
            database,
            plan=plan,
            action=QUEUE + "/accept-above",
            fields={"score": f"{threshold:g}", "back": back, "confirm": "1"},
            cancel=_queue_address(back),
            title=gettext("Merge every group shown scoring %(score)s or above?")
            % {"score": f"{threshold:g}"},
        )
    with database.write() as session:
        done = accept_above(
            session,
            threshold,
            user=session.get(User, user.id),
            origin=f"review queue: accepted at {threshold:g} or above",
            within=within,
        )
    merged = sum(len(p.others) for p in done)
    message = gettext("Merged %(merged)s incidents into %(kept)s at score %(score)s or above.")
    return _back(back, message % {"merged": merged, "kept": len(done), "score": f"{threshold:g}"})


@router.post("/incidents/{incident_id}/merge", response_class=HTMLResponse)
def merge_into_incident(
    request: Request,
    incident_id: str,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    other: Annotated[str, Form(max_length=30)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """The incident page's "merge another incident into this one", shown before it is done."""
    keep = parse_id(incident_id)
    if keep is None:
        raise HTTPException(
            status_code=404, detail=gettext("There is no incident at this address.")
        )
    merged = parse_id(other.strip().lstrip("#"))
    expected = int(version) if VERSION.fullmatch(version) else None
    problem = "" if merged is not None else gettext("Give the number of the incident to merge in.")
    if merged is not None and confirm != "1":
        with database.read() as session:
            present = [get_incident(session, i, viewer=EDITOR) is not None for i in (keep, merged)]
        if all(present) and keep != merged:
            return _confirm_page(
                request,
                templates,
                database,
                plan=[PlannedMerge(keep, (merged,))],
                action=f"/incidents/{keep}/merge",
                fields={"other": merged, "version": version, "confirm": "1"},
                cancel=f"/incidents/{keep}",
                title=gettext("Merge this incident in?"),
            )
    if merged is not None and not problem:
        try:
            with database.write() as session:
                merge_incidents(
                    session,
                    keep,
                    merged,
                    user=session.get(User, user.id),
                    origin="incident page",
                    expected_version=expected,
                )
        except (NotFound, MergeRefused) as error:
            problem = str(error)
    message = {"merge_problem": problem} if problem else {"merged": str(merged)}
    return RedirectResponse(f"/incidents/{keep}?{urlencode(message)}", status_code=303)


@router.post("/merges/{merge_id}/undo", response_class=HTMLResponse)
def undo_merge(merge_id: str, database: DatabaseDep, user: Editor) -> Response:
    number = parse_id(merge_id)
    with database.write() as session:
        merge = session.get(Merge, number) if number is not None else None
        if merge is None:
            raise HTTPException(status_code=404, detail=gettext("There is no such merge."))
        try:
            restored = unmerge(session, merge, user=session.get(User, user.id), origin="web")
        except MergeRefused as error:
            return RedirectResponse(
                f"/incidents/{merge.survivor_id}?{urlencode({'merge_problem': str(error)})}",
                status_code=303,
            )
    return RedirectResponse(f"/incidents/{restored}?unmerged=1", status_code=303)
