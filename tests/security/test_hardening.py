"""What the second outside security review broke, each as the request an attacker sent.

The slow export readers are in test_slow_readers.py; the map's place names and the Back button
in tests/e2e/test_visuals.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database
from app.importers import READERS
from app.models import Incident, LoginAttempt, User
from app.services import auth, users
from app.services.auth import (
    ACCOUNT_BACKOFF_AFTER,
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_CLIENT,
    PASSWORD_CHECKS_AT_ONCE,
    LoginRefused,
    SignedIn,
    sign_in,
)
from app.services.imports import import_events
from app.services.tokens import create_token
from app.web.security import API_BODY_BYTES, FORM_BODY_BYTES
from tests import factories as f
from tests.web.signin import PASSWORD, csrf_from, make_user, page_token
from tests.web.signin import sign_in as web_sign_in

MB = 1024 * 1024


# ---- 2. guesses sent at once -------------------------------------------------------------------


@pytest.fixture
def counted_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Every argon2 check, counted, with the peak number running at once. Each takes 50 ms so
    that guesses sent together really overlap."""
    real = auth._password_matches
    seen = {"checks": 0, "running": 0, "peak": 0}
    lock = threading.Lock()

    def counting(stored: str | None, password: str) -> bool:
        with lock:
            seen["checks"] += 1
            seen["running"] += 1
            seen["peak"] = max(seen["peak"], seen["running"])
        try:
            time.sleep(0.05)
            return real(stored, password)
        finally:
            with lock:
                seen["running"] -= 1

    monkeypatch.setattr(auth, "_password_matches", counting)
    yield seen


def _at_once(count: int, send: Callable[[int], int]) -> list[int]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(send, range(count)))


def test_thirty_guesses_at_once_for_one_account_check_five(
    client: TestClient, database: Database, counted_checks: dict[str, int]
) -> None:
    make_user(database, "ed@example.org")
    token = page_token(client)

    def guess(n: int) -> int:
        data = {"email": "ed@example.org", "password": f"wrong {n}", "csrf_token": token}
        return client.post("/login", data=data).status_code

    statuses = _at_once(30, guess)
    assert counted_checks["checks"] == MAX_FAILURES_PER_ACCOUNT
    assert sorted(statuses) == [400] * MAX_FAILURES_PER_ACCOUNT + [429] * (
        30 - MAX_FAILURES_PER_ACCOUNT
    )
    assert counted_checks["peak"] <= PASSWORD_CHECKS_AT_ONCE
    # The right password, after the burst, from the same address: refused too.
    right = {"email": "ed@example.org", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=right).status_code == 429


def test_guesses_at_many_accounts_at_once_stop_at_the_address_limit(
    client: TestClient, database: Database, counted_checks: dict[str, int]
) -> None:
    token = page_token(client)

    def guess(n: int) -> int:
        data = {"email": f"guess{n}@example.org", "password": "x", "csrf_token": token}
        return client.post("/login", data=data).status_code

    statuses = _at_once(34, guess)
    assert counted_checks["checks"] == MAX_FAILURES_PER_CLIENT
    assert statuses.count(429) == 34 - MAX_FAILURES_PER_CLIENT
    assert counted_checks["peak"] <= PASSWORD_CHECKS_AT_ONCE
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(LoginAttempt)) == MAX_FAILURES_PER_CLIENT


# ---- 12. nobody can lock the owner out ---------------------------------------------------------


def _attempt(database: Database, email: str, password: str, client: str) -> Any:
    with database.write(content=False) as s:
        return sign_in(s, email=email, password=password, client=client)


def test_a_stranger_cannot_lock_the_owner_out(database: Database) -> None:
    make_user(database, "admin@example.org", "admin")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        _attempt(database, "admin@example.org", "guess", "203.0.113.9")
    stranger = _attempt(database, "admin@example.org", PASSWORD, "203.0.113.9")
    assert isinstance(stranger, LoginRefused) and stranger.rate_limited
    # The owner, from their own address, is not affected.
    assert isinstance(_attempt(database, "admin@example.org", PASSWORD, "198.51.100.7"), SignedIn)


def test_guesses_from_many_addresses_slow_unfamiliar_addresses_not_the_owner(
    database: Database,
) -> None:
    make_user(database, "admin@example.org", "admin")
    owner = "198.51.100.7"
    assert isinstance(_attempt(database, "admin@example.org", PASSWORD, owner), SignedIn)
    for n in range(ACCOUNT_BACKOFF_AFTER + 3):
        _attempt(database, "admin@example.org", "guess", f"203.0.113.{n}")
    waiting = _attempt(database, "admin@example.org", PASSWORD, "192.0.2.44")
    assert isinstance(waiting, LoginRefused) and waiting.rate_limited
    assert "Try again in" in str(waiting)
    assert isinstance(_attempt(database, "admin@example.org", PASSWORD, owner), SignedIn)


def test_hsts_is_sent_over_https_only(settings: Any, database: Database) -> None:
    from app.main import create_app

    app = create_app(settings, database)
    with TestClient(app, base_url="https://testserver") as secure:
        assert secure.get("/healthz").headers["strict-transport-security"] == "max-age=63072000"
    with TestClient(app) as plain:
        assert "strict-transport-security" not in plain.get("/healthz").headers


# ---- 3. bodies bounded before permission -------------------------------------------------------


def _stream_body(
    client: TestClient, path: str, headers: dict[str, str], total: int
) -> tuple[int, int]:
    """POST `total` bytes to the app, 1 MB a message, as a socket would deliver them; the
    status and how many bytes the app took before it answered."""
    taken = 0

    async def receive() -> dict[str, Any]:
        nonlocal taken
        if taken >= total:
            return {"type": "http.disconnect"}
        taken += MB
        return {"type": "http.request", "body": b"a" * MB, "more_body": taken < total}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("203.0.113.5", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    # In a thread of its own: another test's event loop may still be set in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, client.app, scope, receive, send).result()  # type: ignore[arg-type]
    return sent[0]["status"], taken


def test_api_writes_without_a_token_are_refused_before_the_body_is_read(
    client: TestClient,
) -> None:
    status, taken = _stream_body(
        client, "/api/v1/incidents", {"Content-Type": "application/json"}, 150 * MB
    )
    assert status == 401 and taken == 0


def test_api_bodies_stop_at_one_megabyte(client: TestClient) -> None:
    headers = {"Content-Type": "application/json", "Authorization": "Bearer bit_not-a-token"}
    status, taken = _stream_body(client, "/api/v1/incidents", headers, 150 * MB)
    assert status == 413 and taken <= API_BODY_BYTES + MB
    declared = {**headers, "Content-Length": str(150 * MB)}
    status, taken = _stream_body(client, "/api/v1/incidents", declared, 150 * MB)
    assert status == 413 and taken == 0


def test_uploads_from_anyone_but_an_admin_stop_at_the_form_limit(
    client: TestClient, database: Database
) -> None:
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    status, taken = _stream_body(client, "/admin/import", multipart, 100 * MB)
    assert status == 413 and taken <= FORM_BODY_BYTES + MB
    make_user(database, "ed@example.org")
    web_sign_in(client, "ed@example.org")
    session = {"Cookie": f"session={client.cookies['session']}", **multipart}
    status, taken = _stream_body(client, "/admin/import", session, 100 * MB)
    assert status == 413 and taken <= FORM_BODY_BYTES + MB


def test_an_admin_uploads_a_file_larger_than_any_form(
    client: TestClient, database: Database, reference: None
) -> None:
    make_user(database, "admin@example.org", "admin")
    web_sign_in(client, "admin@example.org")
    header = (
        "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,country,"
        "admin1,location,latitude,longitude,notes,fatalities\n"
    )
    row = (
        "PAK{n},2025-10-0{d},2025,1,Battles,Armed clash,Taliban,Pakistan,Balochistan,Chaman,"
        '30.92,66.44,"{notes}",1\n'
    )
    notes = "Clashes near the crossing. " * 120
    rows = "".join(row.format(n=n, d=1 + n % 9, notes=notes) for n in range(1200))
    content = (header + rows).encode()
    assert len(content) > 3 * MB
    token = csrf_from(client.get("/admin/import").text)
    response = client.post(
        "/admin/import",
        data={"csrf_token": token, "dataset": "acled", "country": "PAK"},
        files={"file": ("big.csv", content, "text/csv")},
    )
    assert response.status_code == 200, response.text[:500]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1200


# ---- 9. NUL characters anywhere in input -------------------------------------------------------


def test_a_nul_in_a_form_is_a_400(client: TestClient) -> None:
    token = page_token(client)
    response = client.post(
        "/login", data={"email": "a\x00b@example.org", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "NUL" in response.text


def test_a_nul_in_json_is_a_400(client: TestClient, database: Database) -> None:
    with database.write() as s:
        user = users.create_user(s, email="ed@example.org", role="editor", password=PASSWORD)
        _, secret = create_token(s, user=user, name="t")
    response = client.post(
        "/api/v1/incidents",
        json={"title": "Shelling\u0000", "date_start": "2025-10-15", "event_type": "battles"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


# ---- 4. drafts' sources and places -------------------------------------------------------------


@pytest.fixture
def draft_with_a_new_place_and_source(database: Database) -> dict[str, Any]:
    with database.write() as s:
        sector = f.make_sector(s, slug="khyber-test")
        place = f.make_place(s, slug="secret-camp", name="Secret camp", sector=sector)
        source = f.make_source(s, url="https://leak.example/unpublished-scoop", title="Scoop")
        draft = f.make_incident(s, review_state="draft", place=place, sector=sector)
        f.make_claim(s, incident=draft, sources=[source])
        return {"incident": draft.id, "sector": sector.slug}


def test_readers_do_not_see_places_and_sources_only_drafts_use(
    client: TestClient, database: Database, draft_with_a_new_place_and_source: dict[str, Any]
) -> None:
    assert "leak.example" not in client.get("/api/v1/sources").text
    assert "secret-camp" not in client.get("/api/v1/places").text
    assert "secret-camp" not in client.get("/places.geojson").text
    assert client.get("/places/secret-camp").status_code == 404
    sector = draft_with_a_new_place_and_source["sector"]
    assert "Secret camp" not in client.get(f"/sectors/{sector}").text
    # Published, they are the record's.
    with database.write() as s:
        incident = s.get_one(Incident, draft_with_a_new_place_and_source["incident"])
        incident.review_state = "published"
    assert "leak.example" in client.get("/api/v1/sources").text
    assert "secret-camp" in client.get("/api/v1/places").text
    assert "secret-camp" in client.get("/places.geojson").text
    assert client.get("/places/secret-camp").status_code == 200


def test_editors_see_what_their_drafts_use(
    client: TestClient, database: Database, draft_with_a_new_place_and_source: dict[str, Any]
) -> None:
    with database.write() as s:
        user = users.create_user(s, email="ed@example.org", role="editor", password=PASSWORD)
        _, secret = create_token(s, user=user, name="t")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert "leak.example" in client.get("/api/v1/sources", headers=bearer).text
    assert "secret-camp" in client.get("/api/v1/places", headers=bearer).text
    make_user(database, "web@example.org")
    web_sign_in(client, "web@example.org")
    assert client.get("/places/secret-camp").status_code == 200


def test_reference_places_are_public_without_incidents(client: TestClient, reference: None) -> None:
    assert "spin-boldak" in client.get("/places.geojson").text
    assert client.get("/places/spin-boldak").status_code == 200


# ---- 6. dates far outside the record -----------------------------------------------------------


def test_forms_and_the_api_refuse_dates_far_outside_the_record(
    client: TestClient, database: Database, reference: None
) -> None:
    make_user(database, "ed@example.org")
    web_sign_in(client, "ed@example.org")
    token = csrf_from(client.get("/incidents/new").text)
    for day, message in (("9999-12-31", "in the future"), ("0001-01-01", "before 1893")):
        data = {"csrf_token": token, "title": "x", "date_start": day, "event_type": "battles"}
        response = client.post("/incidents", data=data)
        assert response.status_code == 422 and message in response.text
    with database.write() as s:
        user = s.scalars(select(User)).one()
        _, secret = create_token(s, user=user, name="t")
    response = client.post(
        "/api/v1/incidents",
        json={"title": "x", "date_start": "9999-12-31", "event_type": "battles"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422 and "in the future" in response.text


def test_one_incident_dated_9999_does_not_break_the_pages(
    client: TestClient, database: Database
) -> None:
    """Written straight to the database, as an older version or a bad import might have."""
    with database.write() as s:
        f.make_incident(s, date_start=date(2025, 10, 15))
        f.make_incident(s, date_start=date(9999, 12, 31))
    for path in ("/", "/incidents", "/incidents/timeline.json", "/incidents.csv"):
        assert client.get(path).status_code == 200, path
    timeline = client.get("/incidents/timeline.json").json()
    assert len(timeline["starts"]) <= 500


# ---- 7. page numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/incidents",
        "/incidents.csv",
        "/incidents.json",
        "/incidents/map.geojson",
        "/incidents/timeline.json",
    ],
)
@pytest.mark.parametrize("page", ["²", "٣", "9" * 5000, "-1", "1e3"])
def test_a_page_that_is_not_a_page_number_is_a_422(
    client: TestClient, path: str, page: str
) -> None:
    response = client.get(path, params={"page": page})
    assert response.status_code == 422
    assert "page" in response.text


def test_the_api_refuses_huge_page_numbers(client: TestClient) -> None:
    assert client.get("/api/v1/incidents", params={"page": "9" * 5000}).status_code == 422


# ---- 8. import files with hostile cells --------------------------------------------------------

ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,country,"
    "admin1,location,latitude,longitude,notes,fatalities\n"
)


def _acled_row(n: int, *, notes: str = "Clash.", fatalities: str = "1", day: str = "") -> str:
    return (
        f"PAK{n},{day or '2025-10-15'},2025,1,Battles,Armed clash,Taliban,Pakistan,"
        f'Balochistan,Chaman,30.92,66.44,"{notes}",{fatalities}\n'
    )


def test_hostile_cells_are_row_errors_and_the_rest_imports(
    database: Database, reference: None, tmp_path: Path
) -> None:
    path = tmp_path / "acled.csv"
    path.write_text(
        ACLED_HEADER
        + _acled_row(1)
        + _acled_row(2, notes="x" * 131_073)
        + _acled_row(3, fatalities="inf")
        + _acled_row(4, fatalities="1e30")
        + _acled_row(5, fatalities="nan")
        + _acled_row(6, fatalities="99999999999")
        + _acled_row(7, day="9999-12-31")
        + _acled_row(8, notes="a\x00b")
        + _acled_row(9),
        encoding="utf-8",
    )
    with database.write() as s:
        report = import_events(s, READERS["acled"](path, ","), countries=None, origin="test")
    errors = dict(report.errors)
    assert report.created == 2
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "131,073 characters" in errors[3]
    assert "not a whole number" in errors[4] and "not a whole number" in errors[5]
    assert "not a whole number" in errors[6]
    assert "more than" in errors[7]
    assert "in the future" in errors[8]
    assert "NUL" in errors[9]


def test_a_field_beyond_what_csv_can_read_rejects_the_file(
    database: Database, tmp_path: Path
) -> None:
    from app.importers.common import FileRejected

    path = tmp_path / "acled.csv"
    path.write_text(ACLED_HEADER + _acled_row(1, notes="x" * (17 * MB)), encoding="utf-8")
    with pytest.raises(FileRejected, match="line 2"), database.write() as s:
        import_events(s, READERS["acled"](path, ","), countries=None, origin="test")


# ---- 11. tokens end with the account's access --------------------------------------------------


def _token_works(client: TestClient, secret: str) -> bool:
    response = client.post(
        "/api/v1/sources",
        json={"url": f"https://news.example/{time.monotonic_ns()}", "outlet": "Dawn"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    return response.status_code == 201


def test_deactivation_revokes_tokens_for_good(client: TestClient, database: Database) -> None:
    with database.write() as s:
        user = users.create_user(s, email="ed@example.org", role="editor", password=PASSWORD)
        _, secret = create_token(s, user=user, name="t")
        user_id = user.id
    assert _token_works(client, secret)
    with database.write() as s:
        users.deactivate(s, s.get_one(User, user_id), acting_admin=None)
    assert not _token_works(client, secret)
    with database.write() as s:
        users.reactivate(s, s.get_one(User, user_id), acting_admin=None)
    assert not _token_works(client, secret)


def test_a_new_password_revokes_tokens(client: TestClient, database: Database) -> None:
    with database.write() as s:
        user = users.create_user(s, email="ed@example.org", role="editor", password=PASSWORD)
        _, secret = create_token(s, user=user, name="t")
        user_id = user.id
    with database.write() as s:
        users.set_password(s, s.get_one(User, user_id), "another long enough password")
    assert not _token_works(client, secret)


# ---- 14. the last admin ------------------------------------------------------------------------


def test_two_admins_removing_each_other_at_once_leave_one(database: Database) -> None:
    with database.write() as s:
        first = users.create_user(s, email="a@example.org", role="admin", password=PASSWORD).id
        second = users.create_user(s, email="b@example.org", role="admin", password=PASSWORD).id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(target: int, acting: int) -> None:
        barrier.wait()
        try:
            with database.write(content=False) as s:
                users.deactivate(s, s.get_one(User, target), acting_admin=s.get(User, acting))
            outcomes.append("done")
        except users.UserError:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=remove, args=(second, first)),
        threading.Thread(target=remove, args=(first, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    with database.read() as s:
        active = s.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True)))
    assert active == 1


def test_the_command_line_cannot_remove_the_last_admin(database: Database) -> None:
    with database.write() as s:
        admin = users.create_user(s, email="a@example.org", role="admin", password=PASSWORD).id
    with pytest.raises(users.UserError, match="last active admin"), database.write() as s:
        users.deactivate(s, s.get_one(User, admin), acting_admin=None)
    with database.read() as s:
        assert s.get_one(User, admin).is_active


# ---- found on a second pass ---------------------------------------------------------------------


def test_a_csrf_token_with_non_ascii_characters_is_refused_not_a_server_error(
    client: TestClient,
) -> None:
    page_token(client)
    response = client.post("/login", data={"csrf_token": "é", "email": "a", "password": "b"})
    assert response.status_code == 403


def test_a_nul_in_a_multipart_form_or_any_json_type_is_a_400(
    client: TestClient, database: Database
) -> None:
    make_user(database, "ed@example.org")
    web_sign_in(client, "ed@example.org")
    token = csrf_from(client.get("/incidents/new").text)
    response = client.post(
        "/incidents",
        data={"csrf_token": token, "title": "NUL\x00title", "date_start": "2025-10-15"},
        files={"unused": ("a.txt", b"x", "text/plain")},
    )
    assert response.status_code == 400
    with database.write() as s:
        user = s.scalars(select(User)).one()
        _, secret = create_token(s, user=user, name="t")
    response = client.post(
        "/api/v1/sources",
        content=b'{"url": "https://news.example/a\\u0000", "outlet": "Dawn"}',
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/vnd.api+json"},
    )
    assert response.status_code == 400


def test_short_rows_one_coordinate_and_long_ids_are_row_errors(
    database: Database, reference: None, tmp_path: Path
) -> None:
    path = tmp_path / "acled.csv"
    path.write_text(
        ACLED_HEADER
        + _acled_row(1)
        + "PAKS2\n"
        + _acled_row(3).replace(",30.92,", ",,")
        + _acled_row(4).replace("PAK4,", "P" * 101 + ",")
        + _acled_row(5),
        encoding="utf-8",
    )
    with database.write() as s:
        report = import_events(s, READERS["acled"](path, ","), countries=None, origin="test")
    errors = dict(report.errors)
    assert report.created == 2 and sorted(errors) == [3, 4, 5]
    assert "not a date" in errors[3]
    assert "come together" in errors[4]
    assert "at most 100" in errors[5]
