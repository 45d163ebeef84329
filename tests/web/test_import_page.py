"""The admin import page: the same import as the command, from an upload, with the same report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, select

from app.db import Database
from app.models import Incident
from tests.web.signin import csrf_from, make_user, sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def admin(client: TestClient, database: Database, reference: None) -> TestClient:
    make_user(database, "admin@example.org", "admin")
    sign_in(client, "admin@example.org")
    return client


def upload(client: TestClient, name: str, data: dict[str, str], content: bytes | None = None):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/import").text)
    body = content if content is not None else (FIXTURES / name).read_bytes()
    return client.post(
        "/admin/import",
        data={"csrf_token": token, **data},
        files={"file": (name, body, "text/csv")},
    )


def _count(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(Incident)) or 0


def test_upload_reports_like_the_command(admin: TestClient, database: Database) -> None:
    response = upload(admin, "acled_current.csv", {"dataset": "acled", "country": "PAK,AFG"})
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    numbers = [n.text() for n in tree.css(".import-report .big-numbers strong")]
    # created, updated, unchanged, other countries, repaired, errors
    assert numbers == ["4", "0", "0", "1", "0", "3"]
    lines = [r.css("td")[0].text() for r in tree.css(".import-report tbody tr")]
    assert lines == ["6", "7", "9"]
    assert _count(database) == 4


def test_dry_run_saves_nothing(admin: TestClient, database: Database) -> None:
    response = upload(admin, "ucdp_hdx.csv", {"dataset": "ucdp", "dry_run": "1"})
    assert "nothing saved" in response.text
    assert _count(database) == 0


def test_a_wrong_file_is_refused_and_changes_nothing(admin: TestClient, database: Database) -> None:
    response = upload(admin, "acled_current.csv", {"dataset": "ucdp"})
    assert response.status_code == 422
    assert "not a UCDP GED export" in response.text and _count(database) == 0
    binary = upload(admin, "x.csv", {"dataset": "acled"}, content=b"\xff\xfe\x89PNG")
    assert binary.status_code == 422 and "UTF-8" in binary.text
    # A NUL anywhere in a body is refused before the form is read.
    with_nul = upload(admin, "x.csv", {"dataset": "acled"}, content=b"\x00\xff\xfe\x89PNG")
    assert with_nul.status_code == 400


def test_editors_cannot_import(client: TestClient, database: Database, reference: None) -> None:
    make_user(database, "editor@example.org")
    sign_in(client, "editor@example.org")
    assert client.get("/admin/import").status_code == 403


@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        ({"dataset": "native"}, "dataset is one of acled, ucdp"),
        ({"dataset": "gdelt"}, "dataset is one of acled, ucdp"),
        ({"dataset": "acled", "delimiter": ":"}, "separated by one of: comma, semicolon"),
    ],
)
def test_the_page_refuses_what_the_command_refuses_in_the_same_words(
    admin: TestClient,
    database: Database,
    options: dict[str, str],
    refusal: str,
) -> None:
    """Both read their options through import_options: the page names the problem (the
    command also takes the app's own CSV, which the page does not)."""
    from app.services.imports import OptionRefused, import_options

    response = upload(admin, "acled_current.csv", options)
    assert response.status_code == 422 and refusal in response.text
    assert _count(database) == 0
    if options["dataset"] != "native":
        with pytest.raises(OptionRefused, match=refusal.split(" (")[0]):
            import_options(dataset=options["dataset"], delimiter=options.get("delimiter", ","))
    chosen = import_options(dataset="acled", delimiter="tab", country=" pak, afg,")
    assert chosen.countries == frozenset({"PAK", "AFG"})
    assert import_options(dataset="acled", delimiter="tab").delimiter == "\t"
