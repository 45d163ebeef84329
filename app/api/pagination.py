"""One shape for every list the API gives: a page of items, the total, and the next page's link."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.schemas.filters import Problem

Item = TypeVar("Item")


class Notice(BaseModel):
    parameter: str
    detail: str


class Paginated(BaseModel, Generic[Item]):
    items: list[Item]
    page: int
    per_page: int
    total: int
    next: str | None = Field(description="the next page's address, or null on the last page")
    notices: list[Notice] = Field(
        default_factory=list,
        description="filter values that were ignored, and why (an unknown actor, say)",
    )


def paginated(
    request: Request,
    items: Sequence[Any],
    *,
    page: int,
    per_page: int,
    total: int,
    notices: Sequence[Problem] = (),
) -> dict[str, Any]:
    more = page * per_page < total
    next_url = str(request.url.include_query_params(page=page + 1)) if more else None
    return {
        "items": list(items),
        "page": page,
        "per_page": per_page,
        "total": total,
        "next": next_url,
        "notices": [{"parameter": n.parameter, "detail": n.message} for n in notices],
    }


def paginate(
    request: Request,
    session: Session,
    query: Select[Any],
    render: Callable[[Any], Any],
    *,
    page: int,
    per_page: int,
) -> dict[str, Any]:
    """One page of an ordered query's objects, each rendered, in the list envelope."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.offset((page - 1) * per_page).limit(per_page))
    items = [render(row) for row in rows]
    return paginated(request, items, page=page, per_page=per_page, total=total)
