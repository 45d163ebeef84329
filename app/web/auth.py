"""Who is asking: the signed-in user, role checks, and the sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.i18n import N_, gettext
from app.models import User
from app.models.vocab import UserRole
from app.services.auth import (
    LoginRefused,
    SignedIn,
    SignInBusy,
    check_password,
    complete_sign_in,
    reserve_attempt,
    sign_out,
    user_for_token,
)
from app.services.visibility import Viewer
from app.web.csrf import SESSION_COOKIE, cookie_flags
from app.web.deps import DatabaseDep, TemplatesDep, get_database

router = APIRouter()
BUSY = N_("Many sign-ins are being checked just now. Try again in a few seconds.")


class SignInRequired(Exception):
    """Raised for an anonymous visitor on an editors' page; answered with the sign-in page."""


def current_user(request: Request) -> User | None:
    """Looked up once per request, from the session cookie."""
    if not hasattr(request.state, "user"):
        token = request.cookies.get(SESSION_COOKIE)
        user = None
        if token:
            with get_database(request).read() as session:
                user = user_for_token(session, token)
        request.state.user = user
    found: User | None = request.state.user
    return found


def require_editor(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise SignInRequired
    return user


def require_admin(user: Annotated[User, Depends(require_editor)]) -> User:
    if user.role != UserRole.ADMIN:
        raise HTTPException(status_code=403, detail=gettext("Only an administrator can do this."))
    return user


CurrentUser = Annotated[User | None, Depends(current_user)]


def current_viewer(user: CurrentUser) -> Viewer:
    return Viewer.of(user)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
Editor = Annotated[User, Depends(require_editor)]
Admin = Annotated[User, Depends(require_admin)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never //other.example or https://other.example."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/incidents"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/incidents"
    return target


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in ("GET", "HEAD"):
        # A form posted after its session ended: back to the page the form was on (a post's
        # own address may answer nothing else), when the browser says which page of ours it was.
        referer = urlsplit(request.headers.get("referer", ""))
        page = referer.path + (f"?{referer.query}" if referer.query else "")
        target = safe_next(page) if referer.netloc == request.url.netloc else "/incidents"
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, templates: TemplatesDep, next: str = "/incidents") -> Response:
    context = {"next": safe_next(next), "email": "", "error": None}
    return templates.TemplateResponse(request, "auth/login.html", context)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    database: DatabaseDep,
    templates: TemplatesDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/incidents",
) -> Response:
    client = client_address(request)
    with database.write(content=False) as session:
        reservation = reserve_attempt(session, email=email, client=client)
    signed_in: SignedIn | LoginRefused
    if isinstance(reservation, LoginRefused):
        signed_in = reservation
    else:
        try:
            with database.read() as session:
                user_id = check_password(session, email=email, password=password)
        except SignInBusy:
            # The attempt stays counted: a flood must not get free guesses by being refused.
            context = {"next": safe_next(next), "email": email, "error": gettext(BUSY)}
            busy = templates.TemplateResponse(request, "auth/login.html", context, status_code=503)
            busy.headers["Retry-After"] = "5"
            return busy
        with database.write(content=False) as session:
            signed_in = complete_sign_in(
                session, reservation, user_id, user_agent=request.headers.get("user-agent", "")
            )
    if isinstance(signed_in, LoginRefused):
        context = {"next": safe_next(next), "email": email, "error": str(signed_in)}
        status = 429 if signed_in.rate_limited else 400
        return templates.TemplateResponse(request, "auth/login.html", context, status_code=status)
    response = RedirectResponse(safe_next(next), status_code=303)
    # A new session token at every sign-in: a token planted before sign-in is worthless.
    response.headers.append(
        "set-cookie", f"{SESSION_COOKIE}={signed_in.token}{cookie_flags(request.scope)}"
    )
    return response


@router.post("/logout")
def logout(request: Request, database: DatabaseDep) -> Response:
    with database.write(content=False) as session:
        sign_out(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/incidents", status_code=303)
    response.headers.append(
        "set-cookie", f"{SESSION_COOKIE}=; Max-Age=0{cookie_flags(request.scope)}"
    )
    return response
