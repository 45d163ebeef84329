"""An error no handler expected: the reader gets the site's own error page, in their language,
with every security header, and the error goes to the log with its traceback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from app.config import Settings
from app.db import Database
from app.i18n import LANGUAGES, Language, translations
from app.web.security import SECURITY_HEADERS
from tests.dom import attr, first


class Broken(RuntimeError):
    pass


def _app_with_broken_routes(settings: Settings, database: Database) -> FastAPI:
    from app.main import create_app

    app = create_app(settings, database)

    def fails() -> None:
        raise Broken("a bug")

    def fails_half_way() -> StreamingResponse:
        def chunks() -> Iterator[str]:
            yield "id,title\n"
            raise Broken("a bug mid-download")

        return StreamingResponse(chunks(), media_type="text/csv")

    app.add_api_route("/broken", fails)
    app.add_api_route("/api/v1/broken", fails)
    app.add_api_route("/broken.csv", fails_half_way)
    return app


@pytest.fixture
def broken(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(_app_with_broken_routes(settings, database)) as client:
        yield client


def _has_security_headers(response: httpx.Response) -> None:
    for name in (*SECURITY_HEADERS, b"content-security-policy"):
        assert name.decode() in response.headers, name


def test_a_server_error_is_the_sites_page_with_security_headers(
    broken: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = broken.get("/broken")

    assert response.status_code == 500
    _has_security_headers(response)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = LexborHTMLParser(response.text)
    assert first(page, "h1").text(strip=True) == "Server error"
    # The error reaches the log, traceback and all; the page says nothing of it.
    assert any(r.exc_info and isinstance(r.exc_info[1], Broken) for r in caplog.records)
    assert "a bug" not in response.text


@pytest.mark.parametrize(
    "language", [lang for lang in LANGUAGES if lang.prefix], ids=lambda lang: lang.code
)
def test_a_server_error_is_in_the_readers_language(broken: TestClient, language: Language) -> None:
    response = broken.get(f"{language.prefix}/broken")

    assert response.status_code == 500
    _has_security_headers(response)
    page = LexborHTMLParser(response.text)
    assert attr(first(page, "html"), "lang") == language.code
    title = translations(language).gettext("Server error")
    assert title != "Server error"
    assert first(page, "h1").text(strip=True) == title


def test_an_api_server_error_is_a_problem_document_with_security_headers(
    broken: TestClient,
) -> None:
    response = broken.get("/api/v1/broken")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 500
    _has_security_headers(response)


def test_an_error_after_a_download_started_is_not_dressed_as_a_page(
    broken: TestClient,
) -> None:
    # The status line is sent: a page now would corrupt the file. The server sees the error
    # and cuts the connection, so the reader's download is visibly incomplete.
    with pytest.raises(Broken):
        broken.get("/broken.csv")
