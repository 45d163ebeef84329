"""`make bench`: the app under load at 100,000 and 1,000,000 incidents, beside Datasette.

For each database (SQLite, PostgreSQL) and size it fills a database with `incidents synth`,
serves it with uvicorn (two workers) and drives it with wrk on loopback at 1 and 8 concurrent
clients: the list page with three filters, facets and total, the same as an htmx partial, an
incident page and a text search, with the page cache on (a reader repeating a view) and off
(every request rendered). It also times a 100,000-row CSV export with the server's memory,
counts SQL queries per request, replays the list's SQL straight through the driver (the floor),
and, on SQLite, serves the same incidents with Datasette. Results go to bench/results/bench.json
and docs/performance.md.

    python bench/run.py [--sizes 100000,1000000] [--engines sqlite,postgresql] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
RESULTS = ROOT / "bench" / "results" / "bench.json"
DOC = ROOT / "docs" / "performance.md"
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
DISTINCT_SCRIPT = ROOT / "bench" / "wrk_distinct.lua"
DATASETTE_REQUIREMENTS = ROOT / "bench" / "requirements-datasette.txt"
DATASETTE_VENV = DATA / "datasette-venv"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432")
SEED = 1
WORKERS = 2

LIST = "/incidents?sector=chaman-spin-boldak&from=2024-01-01&to=2024-12-31&actor=afghan-taliban"
SEARCH = "/incidents?q=mortar+chaman"
# The same question for Datasette: the incident CSV loaded as a table, actors as a JSON array.
DATASETTE_LIST = (
    "/incidents/incidents?sector=chaman-spin-boldak&date_end__gte=2024-01-01"
    "&date_start__lte=2024-12-31&actor_slugs__arraycontains=afghan-taliban"
    "&_facet_array=actor_slugs&_facet=sector&_facet=event_type&_facet=country&_facet=contested"
)
CLIENTS = (1, 8)
EXPORT_ROWS = 100_000


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "warning"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def sql(url: str, statement: str, **params: Any) -> list[Any]:
    """The rows of one statement, on a connection opened for it alone."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(statement), params))
    finally:
        engine.dispose()


# --- databases -----------------------------------------------------------------------------


def database_url(engine: str, size: int) -> str:
    if engine == "sqlite":
        return f"sqlite:///{DATA / f'incidents-{size}.sqlite3'}"
    return f"{POSTGRES}/incidents_bench_{size}"


def _incident_count(url: str) -> int | None:
    try:
        return int(sql(url, "SELECT count(*) FROM incidents")[0][0])
    except Exception:
        return None


def analyse(url: str) -> None:
    """Planner statistics after a bulk load (PostgreSQL's autovacuum would get there later)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def _recreate_postgres(size: int) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS incidents_bench_{size}"))
        connection.execute(text(f"CREATE DATABASE incidents_bench_{size}"))
    admin.dispose()


def prepare(engine: str, size: int) -> dict[str, Any]:
    """A database holding `size` synthetic incidents (reused when a run already made it)."""
    url = database_url(engine, size)
    built = DATA / f"{engine}-{size}.json"
    if _incident_count(url) == size:
        log(f"{engine} {size}: reusing the database")
        how = json.loads(built.read_text()) if built.exists() else {}
        return {**how, "reused": True}
    log(f"{engine} {size}: synthesising")
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        _recreate_postgres(size)
    cli("migrate", url=url)
    started = time.perf_counter()
    out = cli("synth", "--incidents", str(size), "--seed", str(SEED), url=url).stdout
    seconds = time.perf_counter() - started
    log(f"{engine} {size}: {out.strip()}")
    analyse(url)
    how = {"synth_seconds": round(seconds, 1), "synth_output": out.strip()}
    built.write_text(json.dumps(how))
    return {**how, "reused": False}


# --- the app under load --------------------------------------------------------------------


@contextmanager
def app_server(url: str, *, page_cache: bool) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "warning",
        "PAGE_CACHE": "on" if page_cache else "off",
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(WORKERS)], env=env, cwd=ROOT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz")
        yield base, server
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Ask the server and its workers to stop; a worker still busy with a slow page after
    30 s is killed, since the measurement is over."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wrk(
    url: str, clients: int, seconds: int, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", str(WRK_SCRIPT)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(out[out.index("{") :])
    seconds_run = report["duration_us"] / 1e6
    requests = report["requests"]
    errors = sum(report["errors"].values())
    return {
        "clients": clients,
        "seconds": round(seconds_run, 1),
        "requests": requests,
        "errors": errors,
        "rps": round(requests / seconds_run, 1),
        "p50_ms": round(report["latency_us"]["p50"] / 1000, 2),
        "p95_ms": round(report["latency_us"]["p95"] / 1000, 2),
        "p99_ms": round(report["latency_us"]["p99"] / 1000, 2),
        "wire_bytes_per_response": round(report["bytes"] / requests) if requests else None,
    }


def body_bytes(url: str, headers: dict[str, str] | None = None) -> int:
    """The answer's size. An error answer counts too (Datasette's 400 when a query outlasts its
    time limit, as at a million rows on a slow hour): wrk then reports it among the errors."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return len(response.read())
    except urllib.error.HTTPError as error:
        return len(error.read())


def load(
    base: str, path: str, seconds: int, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    url = base + path
    started = time.perf_counter()
    body_bytes(url, headers)  # the first render, and the cache filled when it is on
    first = time.perf_counter() - started
    # Warm up every worker: each keeps its own page cache and renders its first copy, which
    # at a million incidents takes seconds, so the warm-up outlasts a few renders.
    wrk(url, 4, min(60, max(2, round(3 * first))), headers)
    return {
        "bytes": body_bytes(url, headers),
        "first_ms": round(first * 1000, 1),
        "runs": [wrk(url, clients, seconds, headers) for clients in CLIENTS],
    }


def _descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [pid] + [d for child in found for d in _descendants(child)]


def _rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        # Anonymous memory only: SQLite's memory-mapped file pages count in VmRSS but are the
        # page cache, shared and given back under pressure, not memory the export holds.
        match = re.search(r"RssAnon:\s+(\d+)", status)
        total += int(match.group(1)) if match else 0
    return total


def export_range(url: str) -> tuple[str, int]:
    """A date range whose published incidents number about EXPORT_ROWS (all, if fewer)."""
    days = sql(
        url,
        "SELECT date_start, count(*) FROM incidents WHERE review_state = 'published'"
        " GROUP BY date_start ORDER BY date_start DESC",
    )
    rows = 0
    first = days[-1][0]
    for day, count in days:
        rows += count
        if rows >= EXPORT_ROWS:
            first = day
            break
    return f"/incidents.csv?from={first}", rows


def export(base: str, server: subprocess.Popen[bytes], path: str, rows: int) -> dict[str, Any]:
    pids = _descendants(server.pid)
    baseline = _rss_kib(pids)
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_kib(pids))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    with urllib.request.urlopen(base + path, timeout=600) as response:
        size = 0
        lines = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {
        "path": path,
        "rows": rows,
        "seconds": round(seconds, 2),
        "bytes": size,
        "server_anon_before_mib": round(baseline / 1024, 1),
        "server_anon_peak_mib": round(peak / 1024, 1),
    }


# --- what the app does per request, and the floor --------------------------------------------


QUERY_COUNTER = r"""
import json, sys, time
from sqlalchemy import event
from fastapi.testclient import TestClient
from app.config import load_settings
from app.main import create_app

app = create_app(load_settings())
engine = app.state.database.engine
statements = []
event.listen(engine, "before_cursor_execute",
             lambda c, cur, s, p, ctx, many: statements.append((s, p)))
client = TestClient(app)
counts = {}
for name, path, headers in json.loads(sys.argv[1]):
    statements.clear()
    client.get(path, headers=headers)
    rendered = [s for s in statements if not s[0].startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    statements.clear()
    client.get(path, headers=headers)
    cached = [s for s in statements if not s[0].startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    counts[name] = {"queries_rendered": len(rendered), "queries_cached": len(cached)}
    if name == "list":
        floor_sql = rendered

# The floor: the list page's own SQL through the driver's connection, nothing else.
connection = engine.raw_connection()
timings = []
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline or len(timings) < 3:
    started = time.perf_counter()
    cursor = connection.cursor()
    for statement, params in floor_sql:
        cursor.execute(statement, params)
        cursor.fetchall()
    cursor.close()
    connection.rollback()
    timings.append(time.perf_counter() - started)
timings.sort()
floor = {"statements": len(floor_sql), "runs": len(timings),
         "p50_ms": round(timings[len(timings) // 2] * 1000, 2),
         "p95_ms": round(timings[int(len(timings) * 0.95)] * 1000, 2)}
print(json.dumps({"queries": counts, "floor": floor}))
"""


def queries_and_floor(
    url: str, paths: dict[str, tuple[str, dict[str, str]]], seconds: int
) -> dict[str, Any]:
    """SQL queries per request, rendered and cached, and the floor: the list page's own SQL
    replayed through the driver, what the database alone needs for an uncached list page."""
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "warning"}
    argument = json.dumps([[name, path, headers] for name, (path, headers) in paths.items()])
    out = subprocess.run(
        [sys.executable, "-c", QUERY_COUNTER, argument, str(seconds)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


# --- Datasette -------------------------------------------------------------------------------


def datasette_python() -> Path:
    python = DATASETTE_VENV / "bin" / "python"
    if not python.exists():
        log("installing Datasette (benchmark only) into bench/.data/datasette-venv")
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(DATASETTE_REQUIREMENTS)],
            check=True,
        )
    return python


def datasette_database(base: str, size: int) -> Path:
    """The published incidents, through the app's own CSV export, loaded into SQLite."""
    path = DATA / f"datasette-{size}" / "incidents.db"
    if path.exists():
        with sqlite3.connect(path) as connection:
            if connection.execute("SELECT count(*) FROM incidents").fetchone()[0] > 0:
                return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    csv_path = path.with_suffix(".csv")
    log(f"datasette {size}: exporting the incidents as CSV")
    with (
        urllib.request.urlopen(base + "/incidents.csv", timeout=3600) as response,
        csv_path.open("wb") as handle,
    ):
        shutil.copyfileobj(response, handle)
    log(f"datasette {size}: loading the CSV into SQLite")
    python = datasette_python()
    subprocess.run(
        [str(python), "-m", "sqlite_utils", "insert", str(path), "incidents", str(csv_path),
         "--csv", "--pk", "id"],
        check=True,
    )  # fmt: skip
    with sqlite3.connect(path) as connection:
        # Datasette's array facet and filter want a JSON array of strings.
        connection.execute("ALTER TABLE incidents ADD COLUMN actor_slugs TEXT")
        connection.execute(
            "UPDATE incidents SET actor_slugs ="
            " (SELECT json_group_array(json_extract(value, '$.actor')) FROM json_each(actors))"
        )
        # The same help the app has: an index for the sector and dates.
        connection.execute("CREATE INDEX ix_sector_date ON incidents (sector, date_start)")
        connection.execute("CREATE INDEX ix_date ON incidents (date_start)")
        connection.execute("ANALYZE")
    csv_path.unlink()
    return path


@contextmanager
def datasette_server(database: Path) -> Iterator[str]:
    port = free_port()
    python = datasette_python()
    server = subprocess.Popen(
        [str(python), "-m", "datasette", "serve", str(database), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/versions.json")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- one database and size -------------------------------------------------------------------


def published_incident(url: str) -> int:
    middle = sql(
        url,
        "SELECT id FROM incidents WHERE review_state = 'published'"
        " ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM incidents)",
    )
    return int(middle[0][0])


PARTS = ("queries", "cached", "export", "datasette", "rendered", "distinct")


def machine_speed_ms() -> float:
    """How long a fixed piece of pure Python takes here now, best of five. This shared
    machine's speed drifts by half or more from one hour to the next, so each run records it:
    figures measured at different speeds compare only through it."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        times.append(time.perf_counter() - started)
    return round(min(times) * 1000, 1)


def measure(
    engine: str, size: int, seconds: int, parts: set[str], result: dict[str, Any]
) -> dict[str, Any]:
    """Measure the chosen parts into `result` (the previous run's, when only some are redone)."""
    result.update({"engine": engine, "incidents": size})
    # A run may keep another engine's or size's figures from an earlier one: each says when.
    result["measured"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["machine_speed_ms"] = machine_speed_ms()
    result["database"] = prepare(engine, size)
    url = database_url(engine, size)
    incident = f"/incidents/{published_incident(url)}"
    partial = {"HX-Request": "true"}
    pages = {
        "list": (LIST, {}),
        "list_partial": (LIST, partial),
        "incident": (incident, {}),
        "search": (SEARCH, {}),
    }
    if "queries" in parts:
        log(f"{engine} {size}: counting queries and measuring the floor")
        result.update(queries_and_floor(url, pages, seconds))

    with app_server(url, page_cache=True) as (base, server):
        if "cached" in parts:
            result["cached"] = {}
            for name, (path, headers) in pages.items():
                log(f"{engine} {size}: {name}, page cache on")
                result["cached"][name] = load(base, path, seconds, headers)
        if "export" in parts:
            path, rows = export_range(url)
            log(f"{engine} {size}: CSV export of {rows} incidents")
            result["export"] = export(base, server, path, rows)
        if "datasette" in parts and engine == "sqlite":
            result["datasette"] = measure_datasette(base, size, seconds)

    if "distinct" in parts:
        result["distinct"] = measure_distinct(engine, size, url, seconds)

    if "rendered" in parts:
        with app_server(url, page_cache=False) as (base, _server):
            result["rendered"] = {}
            for name, (path, headers) in pages.items():
                log(f"{engine} {size}: {name}, page cache off")
                result["rendered"][name] = load(base, path, seconds, headers)
    return result


def wrk_distinct(base: str, clients: int, seconds: int, *args: str) -> dict[str, Any]:
    """A run of bench/wrk_distinct.lua: a new filter every request (and writes, given a token)."""
    command = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", str(DISTINCT_SCRIPT), base, "--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {"clients": clients, **json.loads(out[out.index("{") :])}


def api_token(url: str) -> str:
    """A bearer token for the write mix's writes (the account is made once per database)."""
    email = "bench@example.org"
    if not sql(url, "SELECT id FROM users WHERE email = :e", e=email):
        subprocess.run(
            [sys.executable, "-m", "app.cli", "user", "create", "--email", email, "--role",
             "editor", "--password-stdin"],
            input="a long enough password\n", text=True, check=True, capture_output=True,
            env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "warning"}, cwd=ROOT,
        )  # fmt: skip
    out = cli("token", "create", "--email", email, "--name", "bench", url=url).stdout
    return out.strip().rsplit(" ", 1)[-1]


def measure_distinct(engine: str, size: int, url: str, seconds: int) -> dict[str, Any]:
    """Readers exploring the data, each request a filter nobody asked for before, with the page
    cache on as served: at 1 and 8 clients; then 8 and 64 clients with one request in ten a
    write; and Datasette on the same kind of filters."""
    runs = max(seconds, 30)
    result: dict[str, Any] = {}
    token = api_token(url)
    with app_server(url, page_cache=True) as (base, _server):
        # Datasette's copy is made from the app's export before anything is written.
        datasette_copy = datasette_database(base, size) if engine == "sqlite" else None
        log(f"{engine} {size}: distinct filters, warming up")
        wrk_distinct(base, 2, 10)
        result["reads"] = []
        for clients in CLIENTS:
            log(f"{engine} {size}: distinct filters, {clients} clients")
            result["reads"].append(wrk_distinct(base, clients, runs))
        result["write_mix"] = []
        for clients in (8, 64):
            log(f"{engine} {size}: distinct filters and writes, {clients} clients")
            result["write_mix"].append(wrk_distinct(base, clients, runs, "app", token))
    # The written incidents go, so the next run finds the database it expects.
    from sqlalchemy import text

    from app.db import create_db_engine

    writer = create_db_engine(url)  # SQLite's foreign keys on: the search rows go with them
    with writer.begin() as connection:
        connection.execute(text("DELETE FROM incidents WHERE title LIKE 'Written under load%'"))
    writer.dispose()
    if datasette_copy is not None:
        with datasette_server(datasette_copy) as datasette:
            result["datasette"] = []
            for clients in CLIENTS:
                log(f"datasette {size}: distinct filters, {clients} clients")
                result["datasette"].append(wrk_distinct(datasette, clients, runs, "datasette"))
    return result


def measure_datasette(app_base: str, size: int, seconds: int) -> dict[str, Any]:
    database = datasette_database(app_base, size)
    result: dict[str, Any] = {}
    with datasette_server(database) as base:
        for name, suffix in (("default", ""), ("nosuggest", "&_nosuggest=1")):
            log(f"datasette {size}: {name}")
            # Longer runs: its slowest pages take seconds, and a short run would finish none.
            result[name] = load(base, DATASETTE_LIST + suffix, max(seconds, 30))
    return result


# --- the report --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory = Path("/proc/meminfo").read_text().split()[1]
    versions = {
        name: metadata.version(name)
        for name in ("fastapi", "starlette", "sqlalchemy", "uvicorn", "jinja2", "psycopg")
    }
    versions["python"] = platform.python_version()
    versions["sqlite"] = sqlite3.sqlite_version
    versions["wrk"] = subprocess.run(
        ["wrk", "--version"],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.split()[1]
    try:
        versions["postgresql"] = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "test", "-tAc", "SHOW server_version"],  # noqa: S607
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        versions["postgresql"] = "unknown"
    datasette = DATASETTE_VENV / "bin" / "python"
    if datasette.exists():
        versions["datasette"] = subprocess.run(
            [str(datasette), "-c", "import datasette.version as v; print(v.__version__)"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory) / 1024 / 1024, 1),
        "os": platform.platform(),
        "versions": versions,
        "workers": WORKERS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=10, help="per wrk run")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="redo only these, keeping the rest of the last run"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install -y wrk", file=sys.stderr)
        return 1
    DATA.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    runs = {(r["engine"], r["incidents"]): r for r in previous.get("runs", [])}
    for size in (int(s) for s in args.sizes.split(",")):
        for engine in args.engines.split(","):
            parts = set(args.parts.split(","))
            runs[(engine, size)] = measure(
                engine, size, args.seconds, parts, runs.get((engine, size), {})
            )
            report = {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine(),
                "seconds_per_run": args.seconds,
                "runs": sorted(runs.values(), key=lambda r: (r["engine"], r["incidents"])),
            }
            RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    from bench.performance_doc import write_doc

    write_doc(report, DOC)
    log(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
