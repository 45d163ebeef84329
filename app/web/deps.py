"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from app.db import Database


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def read_session(request: Request) -> Iterator[Session]:
    with get_database(request).read() as session:
        yield session


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(read_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
