"""The web application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.api import v1 as api_v1
from app.config import Settings, load_settings
from app.db import Database
from app.i18n import LanguagePrefix, gettext
from app.models.vocab import UserRole
from app.resources import resource
from app.services import facet_index
from app.services.auth import ensure_secret_key, user_for_token
from app.services.page_cache import PageCache
from app.web import (
    admin,
    auth,
    catalogue,
    editing,
    exports,
    filters,
    languages,
    matches,
    pages,
    review,
    sources,
    visuals,
)
from app.web.auth import SignInRequired, current_user, sign_in_redirect
from app.web.caching import Turns
from app.web.csrf import CSRFProtection
from app.web.deps import site_base
from app.web.htmx import VaryOnHtmx, is_fragment_request
from app.web.languages import language_context
from app.web.merged import redirect_if_merged
from app.web.problems import ProblemError, problem_response, response_for
from app.web.security import (
    BodyLimits,
    RejectNulBytes,
    SecurityHeaders,
    ServerErrorPage,
    tile_origins,
)
from app.web.streaming import ExportSlots


class SecretKey:
    """The CSRF signing key, read from the database once (migrate creates it)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.value: str | None = None

    def __call__(self) -> str:
        if self.value is None:
            with self.database.write(content=False) as session:
                self.value = ensure_secret_key(session)
        return self.value


def _wants_html(request: Request) -> bool:
    """The API answers errors as problem details (RFC 9457); pages as pages."""
    return not request.url.path.startswith("/api/")


class _TokenWhenShown:
    """The CSRF token, made only if the page prints it: a page without a form then sets no
    cookie and stays the same for every anonymous reader, so it can be cached."""

    def __init__(self, token_of: Callable[[], str] | None) -> None:
        self.token_of = token_of

    def __str__(self) -> str:
        return self.token_of() if self.token_of else ""


def _page_context(request: Request) -> dict[str, object]:
    """What every page needs: the CSRF token for its forms and who is signed in."""
    try:
        token: object = _TokenWhenShown(getattr(request.state, "csrf_token", None))
        user = current_user(request)
    except SQLAlchemyError:
        # The error page for a database outage must still render.
        token, user = "", None
    # The site's address for canonical links and previews (BASE_URL, or the request's).
    site = site_base(request)
    return {
        "csrf_token": token,
        "current_user": user,
        "site": site,
        **language_context(request, site),
    }


def _read_facet_index(database: Database) -> None:
    with suppress(SQLAlchemyError):  # an unmigrated database: the pages say so
        facet_index.prune_changes(database)
    index = facet_index.enable(database.engine)
    with index.current():
        pass


def served_app() -> FastAPI:
    """The app as `incidents serve` runs it, once in each worker process."""
    return create_app(set_aside_heap=True)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    set_aside_heap: bool = False,
) -> FastAPI:
    """`set_aside_heap`: once started, this process serves this app until it ends (see
    lifespan); tests make many apps in one process and leave it false."""
    settings = settings or load_settings()
    database = database or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.facet_index:
            # Read before the first reader arrives rather than during its request.
            await run_in_threadpool(_read_facet_index, database)
        if set_aside_heap:
            # What the worker holds now (modules, templates, compiled statements) lives as
            # long as it does: set it aside from the cyclic collector, whose full passes over
            # it paused a request for some 40 ms now and then. Incident pages at a million
            # incidents, 8 clients, page cache off: p99 135 ms before, 42 to 64 ms after,
            # and 280-310 pages a second became 380-400.
            gc.collect()
            gc.freeze()
        yield
        facet_index.disable(database.engine)
        database.dispose()

    # OpenAPI is served as JSON; FastAPI's own docs pages would load scripts from a CDN.
    app = FastAPI(
        title=settings.site_name,
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    templates = Jinja2Templates(directory=resource("templates"), context_processors=[_page_context])
    filters.install(templates.env)
    languages.install(templates.env)
    templates.env.globals["site_name"] = settings.site_name
    templates.env.globals["tile_url"] = settings.tile_url
    templates.env.globals["tile_attribution"] = settings.tile_attribution
    app.state.settings = settings
    app.state.database = database
    app.state.templates = templates
    app.state.page_cache = PageCache() if settings.page_cache else None
    if settings.facet_index:
        facet_index.enable(database.engine)
    app.state.export_slots = ExportSlots()
    app.state.rendering = Turns(settings.renders_at_once)

    secret_key = SecretKey(database)

    async def is_admin_session(token: str) -> bool:
        def look_up() -> bool:
            with database.read() as session:
                user = user_for_token(session, token)
            return user is not None and user.role == UserRole.ADMIN

        return await run_in_threadpool(look_up)

    def error_page(request: Request, status: int, title: str, message: str) -> Response:
        if not _wants_html(request):
            return problem_response(status, title, message)
        context = {"status": status, "title": title, "message": message}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    def server_error_page(request: Request) -> Response:
        return error_page(
            request, 500, gettext("Server error"), gettext("Something went wrong on our side.")
        )

    app.add_middleware(CSRFProtection, secret_key=secret_key)
    app.add_middleware(BodyLimits, is_admin_session=is_admin_session)
    app.add_middleware(RejectNulBytes)
    # Level 6, not Starlette's 9: a list page compresses 2.5 times faster for 2% more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=6)
    app.add_middleware(VaryOnHtmx)
    app.add_middleware(ServerErrorPage, page=server_error_page)
    app.add_middleware(SecurityHeaders, image_origins=tile_origins(settings.tile_url))
    # Outermost: every other layer and route sees the path without the language's prefix.
    app.add_middleware(LanguagePrefix)
    app.mount("/static", StaticFiles(directory=resource("static")), name="static")
    app.include_router(api_v1.router)
    # Editing first: /incidents/new and /incidents/{id}/edit must win over /incidents/{id}/{slug}.
    app.include_router(editing.router, include_in_schema=False)
    app.include_router(matches.router, include_in_schema=False)
    app.include_router(sources.router, include_in_schema=False)
    app.include_router(visuals.router, include_in_schema=False)
    app.include_router(exports.router, include_in_schema=False)
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(catalogue.router, include_in_schema=False)
    app.include_router(auth.router, include_in_schema=False)
    app.include_router(admin.router, include_in_schema=False)
    app.include_router(review.router, include_in_schema=False)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, _error: SignInRequired) -> Response:
        if is_fragment_request(request):
            # htmx follows this header with a full page load of the sign-in page.
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return sign_in_redirect(request)

    @app.exception_handler(ProblemError)
    async def api_problem(request: Request, error: ProblemError) -> Response:
        if error.status == 404 and (moved := await redirect_if_merged(request, database)):
            return moved
        return response_for(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404 and (moved := await redirect_if_merged(request, database)):
            return moved
        # A detail the app raises is given in the reader's language where it is raised.
        if error.status_code == 404:
            message = (
                error.detail if error.detail != "Not Found" else gettext("There is no page here.")
            )
            return error_page(request, 404, gettext("Not found"), str(message))
        return error_page(request, error.status_code, gettext("Error"), str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in error.errors()
        )
        return error_page(request, 422, gettext("Invalid request"), problems)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_unavailable(request: Request, _error: Exception) -> Response:
        # The database is down or restarting: say so, and when to try again. The pool checks
        # connections before use (pool_pre_ping), so the next request after it is back works.
        response = error_page(
            request,
            503,
            gettext("Database unavailable"),
            gettext(
                "The database cannot be reached just now. Try again in a few seconds. If you were"
                " saving, check whether your change is there before sending it again."
            ),
        )
        # A pool with no free connection for its whole wait is the same to a reader: busy now,
        # try again soon; never a server error.
        response.headers["Retry-After"] = "5"
        return response

    # The last resort, outside every middleware, for an error in the few layers outside
    # ServerErrorPage; everything inside gets the page from ServerErrorPage.
    @app.exception_handler(Exception)
    async def server_error(request: Request, _error: Exception) -> Response:
        return server_error_page(request)

    return app
