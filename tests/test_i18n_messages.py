"""The messages the app's Python code writes (a refused form's errors, a filter's problems and
notices, error pages, sign-in refusals) come out in the reader's language: through gettext, in
the language of the page's address, while English pages and the API keep their English.

The catalogues may not be translated yet, so a stand-in catalogue "translates" every message by
wrapping it in «»: a message that does not pass through gettext comes out bare.
"""

from __future__ import annotations

import re

import httpx
import pytest
from babel.support import NullTranslations
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

import app.i18n
from app.db import Database
from app.i18n import ENGLISH, Language
from app.schemas.filters import parse_incident_filter
from app.schemas.forms import FormData, parse_incident_form
from tests.dom import first
from tests.web.signin import csrf_from, make_user, sign_in


class Wrapped(NullTranslations):
    """Every message, "translated" as «message»."""

    def ugettext(self, message: str) -> str:
        return f"«{message}»"

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"

    def upgettext(self, context: str, message: str) -> str:
        return f"«{message}»"


@pytest.fixture(autouse=True)
def wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    def translations(language: Language) -> NullTranslations:
        return NullTranslations() if language is ENGLISH else Wrapped()

    monkeypatch.setattr(app.i18n, "translations", translations)


@pytest.fixture
def editor(client: TestClient, database: Database, reference: None) -> TestClient:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    return client


INCIDENT = {
    "title": "Clash at the crossing",
    "date_start": "2025-10-15",
    "date_precision": "day",
    "geo_precision": "1",
    "event_type": "battles",
    "sub_event_type": "armed-clash",
}


def _post(client: TestClient, prefix: str, path: str, form: str, data: dict[str, str]) -> str:
    token = csrf_from(client.get(prefix + form).text)
    response = client.post(prefix + path, data={"csrf_token": token, **data})
    assert response.status_code == 422, response.text[:500]
    return response.text


def _text(html: str, selector: str) -> str:
    return first(HTMLParser(html), selector).text(strip=True)


def test_a_refused_form_says_why_in_the_language_of_its_address(editor: TestClient) -> None:
    refused = {**INCIDENT, "title": "", "date_start": "yesterday", "assessed_killed_low": "x"}
    urdu = _post(editor, "/ur", "/incidents", "/incidents/new", refused)
    assert _text(urdu, "#title-error") == "«A title is required.»"
    assert _text(urdu, "#date_start-error") == "«Not a date: use YYYY-MM-DD.»"
    # A message with a value in it: the sentence is translated, the value put in after.
    assert _text(urdu, "#assessed_killed_low-error") == "«A whole number from 0 to 10000000.»"
    english = _post(editor, "", "/incidents", "/incidents/new", refused)
    assert _text(english, "#title-error") == "A title is required."
    assert _text(english, "#date_start-error") == "Not a date: use YYYY-MM-DD."
    assert "«" not in english


def test_what_the_services_refuse_is_said_in_the_readers_language(editor: TestClient) -> None:
    unknown = {**INCIDENT, "place": "Atlantis"}
    urdu = _post(editor, "/ps", "/incidents", "/incidents/new", unknown)
    assert _text(urdu, "#place-error") == (
        "«No place is called “Atlantis”. Pick one from the list, or add it below.»"
    )
    source = {"url": "ftp://example.org/x", "outlet": "", "language": "english"}
    urdu = _post(editor, "/fa-AF", "/sources", "/sources/new", source)
    assert _text(urdu, "#url-error") == "«A web address starting with https:// or http://.»"
    assert _text(urdu, "#outlet-error") == "«The outlet is required.»"
    assert _text(urdu, "#language-error") == "«A language code such as en, ps, ur, fa or ar.»"


def _problems(response: httpx.Response) -> list[str]:
    return [li.text(strip=True) for li in HTMLParser(response.text).css(".problems li")]


def test_a_bad_filter_is_explained_in_the_language_of_its_address(client: TestClient) -> None:
    urdu = client.get("/ur/incidents?from=yesterday&sort=sideways")
    assert urdu.status_code == 422
    assert _problems(urdu) == [
        "from: «“yesterday” is not a date; use YYYY-MM-DD»",
        "sort: «“sideways” is not a sort order (-date, date, -killed, -updated)»",
    ]
    english = client.get("/incidents?from=yesterday&sort=sideways")
    assert english.status_code == 422
    assert _problems(english) == [
        "from: “yesterday” is not a date; use YYYY-MM-DD",
        "sort: “sideways” is not a sort order (-date, date, -killed, -updated)",
    ]
    # A value that is only ignored is a notice, in the reader's language too.
    notices = HTMLParser(client.get("/ur/incidents?sector=nowhere").text).css(".notices li")
    assert [li.text(strip=True) for li in notices] == [
        "sector: «no sector is called “nowhere”; ignored»"
    ]


def test_the_api_and_the_parsers_outside_a_page_stay_english(client: TestClient) -> None:
    problem = client.get("/api/v1/incidents?from=yesterday").json()
    assert problem["title"] == "Invalid filter"
    assert problem["errors"][0]["detail"] == "“yesterday” is not a date; use YYYY-MM-DD"
    # With no page's language (the command line, a script), messages are English.
    assert parse_incident_filter([("page", "0")]).error_for("page") == (
        "“0” is not a page number (1 or more)"
    )
    form = FormData({"title": ""})
    parse_incident_form(form)
    assert form.error("title") == "A title is required."


def test_error_pages_and_sign_in_refusals_are_in_the_readers_language(
    client: TestClient, database: Database
) -> None:
    missing = client.get("/ur/incidents/999999")
    assert missing.status_code == 404
    assert _text(missing.text, "h1") == "«Not found»"
    assert _text(missing.text, ".lead") == "«There is no incident at this address.»"
    assert _text(client.get("/incidents/999999").text, "h1") == "Not found"

    make_user(database, "ed@example.org")
    token = csrf_from(client.get("/ur/login").text)
    refused = client.post(
        "/ur/login",
        data={"email": "ed@example.org", "password": "not the password", "csrf_token": token},
    )
    assert refused.status_code == 400
    assert _text(refused.text, "#login-error") == (
        "«The email address or the password is not right, or the account is inactive.»"
    )


def test_counted_messages_choose_their_plural_form(client: TestClient) -> None:
    # Page 5 of no incidents: "there are only 1 page" would be wrong in any language.
    page = client.get("/ur/incidents?page=5")
    notices = [li.text(strip=True) for li in HTMLParser(page.text).css(".notices li")]
    assert notices == ["page: «there is only 1 page; showing none»"]
    assert re.search(r"there is only 1 page; showing none", client.get("/incidents?page=5").text)


@pytest.fixture
def admin(client: TestClient, database: Database, reference: None) -> TestClient:
    make_user(database, "admin@example.org", "admin")
    sign_in(client, "admin@example.org")
    return client


def test_an_admins_notices_and_refusals_are_in_the_readers_language(admin: TestClient) -> None:
    token = csrf_from(admin.get("/ur/admin/users").text)
    created = admin.post(
        "/ur/admin/users",
        data={"email": "new@example.org", "role": "editor", "password": "x" * 20}
        | {"csrf_token": token},
    )
    assert created.url.path == "/ur/admin/users"
    assert _text(created.text, ".notices") == "«The user was created.»"
    # A file refused in the import's worker thread is still told in the page's language (the
    # file is read as a copy, upload.csv).
    token = csrf_from(admin.get("/ur/admin/import").text)
    refused = admin.post(
        "/ur/admin/import",
        data={"csrf_token": token, "dataset": "ucdp"},
        files={"file": ("events.csv", b"event_id_cnty,event_date\n1,2025-10-15\n", "text/csv")},
    )
    assert refused.status_code == 422
    problem = _text(refused.text, ".problems")
    assert problem.startswith("««upload.csv is not a UCDP GED export: no ")
    assert problem.endswith("column»; nothing was imported.»")


def test_numbers_typed_in_pashto_or_dari_digits_are_read() -> None:
    """A reader of Pashto or Dari types ۱۲ for 12; Arabic-Indic digits (١٢) read too."""
    base = {"title": "T", "date_start": "2025-10-15", "event_type": "battles"}
    typed = FormData({**base, "assessed_killed_low": "۱۲", "assessed_killed_high": "١٥"})
    parsed = parse_incident_form(typed)
    assert typed.errors == {}
    assert (parsed.assessed["killed_low"], parsed.assessed["killed_high"]) == (12, 15)
    latin = FormData({**base, "assessed_killed_low": "12x"})
    parse_incident_form(latin)
    assert "assessed_killed_low" in latin.errors
