"""Editors' queue of match proposals, and merging and unmerging incidents from the web."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.importers import DATASET_LABELS
from app.models import Merge, Sector, User
from app.models.vocab import ProposalState
from app.services.editing import NotFound
from app.services.merging import MergeRefused, merge_incidents, unmerge
from app.services.proposals import accept_above, decide
from app.services.proposals_view import LETTERS, ReviewQuery, review_groups, sketch
from app.web.auth import Editor
from app.web.deps import DatabaseDep, TemplatesDep
from app.web.pages import parse_id

router = APIRouter()
QUEUE = "/review/matches"
DECISIONS = {"reject": ProposalState.REJECTED, "later": ProposalState.LATER}
DECIDED = {"reject": "rejected: never proposed again", "later": "left for later"}


def _score(text: str, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{field}: “{text[:20]}” is not a number between 0 and 1") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{field}: a score is between 0 and 1, not {value:g}")
    return value


def _query(request: Request) -> tuple[ReviewQuery, list[str]]:
    """The queue's filters from its query string; what cannot be used is said, not fatal."""
    params = request.query_params
    problems: list[str] = []
    min_score = 0.0
    if params.get("min_score"):
        try:
            min_score = _score(params["min_score"], "Lowest score")
        except ValueError as error:
            problems.append(str(error))
    dataset = params.get("dataset", "")
    if dataset not in ("", *DATASET_LABELS, "editors"):
        problems.append(f"Dataset: “{dataset[:20]}” is not acled, ucdp or editors")
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


@router.get(QUEUE, response_class=HTMLResponse)
def match_queue(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    _user: Editor,
    done: str = "",
) -> Response:
    return _queue_page(request, database, templates, done=done[:300])


def _queue_page(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    *,
    done: str = "",
    problem: str = "",
    status: int = 200,
) -> Response:
    query, problems = _query(request)
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
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        }
        return templates.TemplateResponse(
            request, "review/matches.html", context, status_code=status
        )


def _back(to: str, message: str) -> RedirectResponse:
    """To the queue as the editor left it (filters kept), saying what was done."""
    path, _, query = to.partition("?")
    if path != QUEUE:
        path, query = QUEUE, ""
    kept = [p for p in query.split("&") if p and not p.startswith("done=")]
    return RedirectResponse(
        f"{path}?{'&'.join([*kept, urlencode({'done': message})])}", status_code=303
    )


def _ids(values: list[str]) -> list[int]:
    return [n for n in (parse_id(v) for v in values[:200]) if n is not None]


@router.post(QUEUE + "/merge", response_class=HTMLResponse)
def merge_group(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    keep: Annotated[str, Form(max_length=12)] = "",
    other: Annotated[list[str] | None, Form()] = None,
    back: Annotated[str, Form(max_length=2000)] = QUEUE,
) -> Response:
    survivor, others = parse_id(keep), [i for i in _ids(other or []) if i != parse_id(keep)]
    if survivor is None or not others:
        return _queue_page(
            request,
            database,
            templates,
            problem="Choose the record to keep and at least one to merge into it.",
            status=422,
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
            problem=f"Nothing was merged: {error}",
            status=422,
        )
    names = ", ".join(f"#{i}" for i in others)
    return _back(back, f"Merged {names} into #{survivor}.")


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
            request, database, templates, problem="Choose reject or later.", status=422
        )
    with database.write() as session:
        changed = decide(session, ids, DECISIONS[decision], user=session.get(User, user.id))
    return _back(back, f"{changed} proposal{'' if changed == 1 else 's'} {DECIDED[decision]}.")


@router.post(QUEUE + "/accept-above", response_class=HTMLResponse)
def accept_proposals_above(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    user: Editor,
    score: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(max_length=2000)] = QUEUE,
) -> Response:
    try:
        threshold = _score(score.strip(), "Score")
    except ValueError as error:
        return _queue_page(request, database, templates, problem=str(error), status=422)
    with database.write() as session:
        plan = accept_above(
            session,
            threshold,
            user=session.get(User, user.id),
            origin=f"review queue: accepted at {threshold:g} or above",
        )
    merged = sum(len(p.others) for p in plan)
    return _back(
        back, f"Merged {merged} incidents into {len(plan)} at score {threshold:g} or above."
    )


@router.post("/incidents/{incident_id}/merge", response_class=HTMLResponse)
def merge_into_incident(
    incident_id: str,
    database: DatabaseDep,
    user: Editor,
    other: Annotated[str, Form(max_length=30)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """The incident page's "merge another incident into this one"."""
    keep = parse_id(incident_id)
    if keep is None:
        raise HTTPException(status_code=404, detail="There is no incident at this address.")
    merged = parse_id(other.strip().lstrip("#"))
    problem = "" if merged is not None else "Give the number of the incident to merge in."
    if merged is not None:
        try:
            with database.write() as session:
                merge_incidents(
                    session,
                    keep,
                    merged,
                    user=session.get(User, user.id),
                    origin="incident page",
                    expected_version=int(version) if version.isdigit() else None,
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
            raise HTTPException(status_code=404, detail="There is no such merge.")
        try:
            restored = unmerge(session, merge, user=session.get(User, user.id), origin="web")
        except MergeRefused as error:
            return RedirectResponse(
                f"/incidents/{merge.survivor_id}?{urlencode({'merge_problem': str(error)})}",
                status_code=303,
            )
    return RedirectResponse(f"/incidents/{restored}?unmerged=1", status_code=303)
