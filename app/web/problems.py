"""RFC 9457 problem details: the one place their JSON is built, for the API, the exports and
feeds, and the error pages a script asks for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import JSONResponse

from app.i18n import gettext
from app.schemas.filters import Problem

MEDIA_TYPE = "application/problem+json"


class ProblemError(Exception):
    """Raised anywhere under the API; answered as problem details. `fields` name bad input in a
    request's body, `parameters` bad query parameters. Titles and details are as the reader
    sees them: a message shared with the pages is given through gettext (the API is served
    without a language prefix, so it answers in English)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        fields: Mapping[str, str] | None = None,
        parameters: Iterable[Problem] = (),
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.fields = dict(fields or {})
        self.parameters = list(parameters)


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    fields: Mapping[str, str] | None = None,
    parameters: Iterable[Problem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    errors = [{"field": name, "detail": message} for name, message in (fields or {}).items()]
    errors += [{"parameter": p.parameter, "detail": p.message} for p in parameters]
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status, headers=headers, media_type=MEDIA_TYPE)


def response_for(error: ProblemError) -> JSONResponse:
    return problem_response(
        error.status,
        error.title,
        error.detail,
        fields=error.fields,
        parameters=error.parameters,
    )


def invalid_filter(problems: Iterable[Problem]) -> JSONResponse:
    """A filter that cannot be applied, naming each bad parameter."""
    return problem_response(422, gettext("Invalid filter"), parameters=problems)
