"""Administration pages: accounts for editors and admins. Every route needs an admin."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.i18n import N_, gettext
from app.importers import READERS
from app.importers.common import DELIMITERS, FileRejected
from app.models import User
from app.models.vocab import UserRole
from app.services import users
from app.services.imports import ImportReport, OptionRefused, import_options, run_import
from app.services.users import UserError
from app.web.auth import Admin
from app.web.deps import DatabaseDep, TemplatesDep
from app.web.pages import parse_id

router = APIRouter()

USERS_PAGE = "/admin/users"

# What `?done=` may say. Only these fixed messages are shown; any other value shows nothing.
# Marked here, translated when the page is shown.
DONE_MESSAGES = {
    "created": N_("The user was created."),
    "role": N_("The role was changed."),
    "deactivated": N_("The user was deactivated and signed out everywhere."),
    "reactivated": N_("The user was reactivated and can sign in again."),
    "password": N_("The password was changed and the user was signed out everywhere."),
}

EmailField = Annotated[str, Form(max_length=320)]
RoleField = Annotated[str, Form(max_length=20)]
PasswordField = Annotated[str, Form(max_length=1000)]
ActiveField = Annotated[str, Form(max_length=10)]


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _done(key: str) -> RedirectResponse:
    return RedirectResponse(f"{USERS_PAGE}?done={key}", status_code=303)


def _target(session: Session, user_id: str) -> User:
    number = parse_id(user_id)
    user = users.get_user(session, number) if number is not None else None
    if user is None:
        raise HTTPException(status_code=404, detail=gettext("There is no user at this address."))
    return user


def _page(
    request: Request,
    templates: TemplatesDep,
    database: Database,
    *,
    admin: User,
    done: str | None = None,
    new_user: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with database.read() as session:
        listed = users.list_users(session)
    done_message = DONE_MESSAGES.get(done or "")
    context = {
        "users": listed,
        "roles": [role.value for role in UserRole],
        "me": admin,
        "done": gettext(done_message) if done_message else None,
        "new_user": new_user or {"email": "", "role": UserRole.EDITOR.value},
        "errors": errors or {},
        "min_password_length": users.MIN_PASSWORD_LENGTH,
    }
    return templates.TemplateResponse(request, "admin/users.html", context, status_code=status)


def _refused(
    request: Request,
    templates: TemplatesDep,
    database: Database,
    admin: User,
    control: str,
    user_id: str,
    error: UserError,
) -> Response:
    """The page again, with the message beside the control that was used on that user's row
    (keyed as the page names it: "role-7", even when the address said "007")."""
    key = f"{control}-{parse_id(user_id)}"
    return _page(
        request,
        templates,
        database,
        admin=admin,
        errors={key: _sentence(str(error))},
        status=422,
    )


@router.get(USERS_PAGE, response_class=HTMLResponse)
def user_list(
    request: Request,
    admin: Admin,
    database: DatabaseDep,
    templates: TemplatesDep,
    done: str | None = None,
) -> Response:
    return _page(request, templates, database, admin=admin, done=done)


@router.post(USERS_PAGE, response_class=HTMLResponse)
def user_create(
    request: Request,
    admin: Admin,
    database: DatabaseDep,
    templates: TemplatesDep,
    email: EmailField = "",
    role: RoleField = "",
    password: PasswordField = "",
) -> Response:
    try:
        with database.write(content=False) as session:
            users.create_user(session, email=email, role=role, password=password)
    except UserError as error:
        # The typed email and role are kept; the password never comes back.
        return _page(
            request,
            templates,
            database,
            admin=admin,
            new_user={"email": email, "role": role},
            errors={f"new-{error.field or 'email'}": _sentence(str(error))},
            status=422,
        )
    return _done("created")


@router.post(USERS_PAGE + "/{user_id}/role", response_class=HTMLResponse)
def user_role(
    request: Request,
    admin: Admin,
    database: DatabaseDep,
    templates: TemplatesDep,
    user_id: str,
    role: RoleField = "",
) -> Response:
    try:
        with database.write(content=False) as session:
            target = _target(session, user_id)
            users.set_role(session, target, role, acting_admin=admin)
    except UserError as error:
        return _refused(request, templates, database, admin, "role", user_id, error)
    return _done("role")


@router.post(USERS_PAGE + "/{user_id}/active", response_class=HTMLResponse)
def user_active(
    request: Request,
    admin: Admin,
    database: DatabaseDep,
    templates: TemplatesDep,
    user_id: str,
    active: ActiveField = "",
) -> Response:
    try:
        with database.write(content=False) as session:
            target = _target(session, user_id)
            if active == "1":
                users.reactivate(session, target, acting_admin=admin)
            elif active == "0":
                users.deactivate(session, target, acting_admin=admin)
            else:
                raise UserError(
                    gettext("choose whether the account is active or not"), field="active"
                )
    except UserError as error:
        return _refused(request, templates, database, admin, "active", user_id, error)
    return _done("reactivated" if active == "1" else "deactivated")


@router.post(USERS_PAGE + "/{user_id}/password", response_class=HTMLResponse)
def user_password(
    request: Request,
    admin: Admin,
    database: DatabaseDep,
    templates: TemplatesDep,
    user_id: str,
    password: PasswordField = "",
) -> Response:
    try:
        with database.write(content=False) as session:
            target = _target(session, user_id)
            users.set_password(session, target, password)
    except UserError as error:
        return _refused(request, templates, database, admin, "password", user_id, error)
    return _done("password")


# ---- dataset import ----------------------------------------------------------------------------

IMPORT_PAGE = "/admin/import"
COPY_CHUNK_BYTES = 1024 * 1024


@router.get(IMPORT_PAGE, response_class=HTMLResponse)
def import_page(request: Request, templates: TemplatesDep, _admin: Admin) -> Response:
    form = {"dataset": "acled", "country": "PAK,AFG", "delimiter": ",", "border_only": False}
    context = {"report": None, "problem": None, "form": form, "delimiters": DELIMITERS}
    return templates.TemplateResponse(request, "admin/import.html", context)


@router.post(IMPORT_PAGE, response_class=HTMLResponse)
async def import_upload(
    request: Request, database: DatabaseDep, templates: TemplatesDep, admin: Admin
) -> Response:
    """The same import as `incidents import`, from an uploaded file, with the same report."""
    submitted = await request.form()
    dataset = str(submitted.get("dataset", ""))
    country = str(submitted.get("country", ""))[:100]
    dry_run = submitted.get("dry_run") == "1"
    border_only = submitted.get("border_only") == "1"
    delimiter = str(submitted.get("delimiter", ","))
    upload = submitted.get("file")
    form = {
        "dataset": dataset,
        "country": country,
        "dry_run": dry_run,
        "border_only": border_only,
        "delimiter": delimiter,
    }
    problem = None
    report = None
    try:
        options = import_options(
            dataset=dataset,
            country=country,
            delimiter=delimiter,
            border_only=border_only,
            dry_run=dry_run,
            datasets=READERS,
        )
    except OptionRefused as refused:
        problem = _sentence(str(refused)) + "."
    if problem is None and (upload is None or isinstance(upload, str) or not upload.filename):
        problem = gettext("Choose a file to import.")
    if problem is None and not isinstance(upload, str) and upload is not None:
        received = upload

        def imported() -> tuple[ImportReport | None, str | None]:
            # In a worker thread: an import takes seconds, and the event loop serves everyone.
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "upload.csv"
                with path.open("wb") as copy:
                    shutil.copyfileobj(received.file, copy, COPY_CHUNK_BYTES)
                try:
                    done = run_import(
                        database,
                        options,
                        path,
                        file_name=received.filename or "upload.csv",
                        user_id=admin.id,
                        origin=f"import {dataset} by {admin.email}",
                    )
                except FileRejected as rejected:
                    message = gettext("%(problem)s; nothing was imported.")
                    return None, message % {"problem": rejected}
                return done, None

        report, problem = await run_in_threadpool(imported)
    context = {
        "report": report,
        "problem": problem,
        "form": form,
        "filename": getattr(upload, "filename", ""),
        "delimiters": DELIMITERS,
    }
    status = 422 if problem else 200
    return templates.TemplateResponse(request, "admin/import.html", context, status_code=status)
