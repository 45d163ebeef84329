"""`make soak`: kill the app mid-write, restart PostgreSQL under load, and load it with 64 clients.

Each trial ends with the same questions: does the database pass its integrity checks, is every
write the app acknowledged still there, and is nothing half done?

1. SIGKILL `incidents import` part-way through an import (it is one transaction): afterwards the
   database holds the whole import or none of it.
2. SIGKILL the server while clients save incidents through the API: every acknowledged save is
   there after a restart, and every incident is whole (its search text and history written).
3. Restart PostgreSQL while clients read and write: the app answers errors during the outage,
   then recovers by itself, with no restart, and loses no acknowledged write.
4. Two workers, 64 clients for 60 seconds, mixed reading (list, partials, incident pages,
   search) and writing (new incidents through the API): no errors, and the count of incidents
   afterwards equals the count before plus the writes acknowledged.

Results go to bench/results/soak.json and docs/reliability.md.

    python bench/soak.py [--engines sqlite,postgresql] [--seconds 60] [--clients 64]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_acled import write_export
from bench.run import DATA, analyse, free_port, log, sql, wait_until_up

RESULTS = ROOT / "bench" / "results" / "soak.json"
DOC = ROOT / "docs" / "reliability.md"
MIXED_SCRIPT = ROOT / "bench" / "wrk_mixed.lua"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432")
START, END = "<!-- results:start -->", "<!-- results:end -->"
IMPORT_ROWS = 20_000
LOAD_INCIDENTS = 100_000


def _env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "warning", **extra}


def cli(url: str, *args: str, input_text: str | None = None) -> str:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=_env(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        input=input_text,
    ).stdout


def fresh_database(engine: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    if engine == "sqlite":
        path = DATA / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        admin = create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = f"{POSTGRES}/{name}"
    cli(url, "migrate")
    return url


def api_token(url: str) -> str:
    cli(url, "user", "create", "--email", "soak@example.org", "--role", "editor",
        "--password-stdin", input_text="a long enough password\n")  # fmt: skip
    out = cli(url, "token", "create", "--email", "soak@example.org", "--name", "soak")
    return out.strip().rsplit(" ", 1)[-1]


def checks(url: str, since_id: int = 0) -> dict[str, Any]:
    """Integrity, and wholeness: every incident has its search text, and every incident saved
    after `since_id` its history (synthetic incidents have none)."""
    result: dict[str, Any] = {}
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            result["integrity_check"] = connection.execute("PRAGMA integrity_check").fetchone()[0]
            result["foreign_key_problems"] = len(
                connection.execute("PRAGMA foreign_key_check").fetchall()
            )
    result["incidents"] = sql(url, "SELECT count(*) FROM incidents")[0][0]
    result["last_id"] = sql(url, "SELECT max(id) FROM incidents")[0][0]
    result["without_search_text"] = sql(
        url,
        "SELECT count(*) FROM incidents i LEFT JOIN incident_search s"
        " ON s.incident_id = i.id WHERE s.incident_id IS NULL",
    )[0][0]
    result["without_history"] = sql(
        url,
        "SELECT count(*) FROM incidents i WHERE i.id > :since AND NOT EXISTS"
        " (SELECT 1 FROM changes c WHERE c.entity_type = 'incident' AND c.entity_id = i.id)",
        since=since_id,
    )[0][0]
    result["orphan_claims"] = sql(
        url,
        "SELECT count(*) FROM claims c LEFT JOIN incidents i ON i.id = c.incident_id"
        " WHERE i.id IS NULL",
    )[0][0]
    return result


def whole(check: dict[str, Any]) -> bool:
    return (
        check.get("integrity_check", "ok") == "ok"
        and check.get("foreign_key_problems", 0) == 0
        and check["without_search_text"] == 0
        and check["without_history"] == 0
        and check["orphan_claims"] == 0
    )


@contextmanager
def server(url: str, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--port", str(port),
         "--workers", str(workers)],
        env=_env(url),
        cwd=ROOT,
        start_new_session=True,  # its own process group, so one signal reaches every worker
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz")
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def create_incident(base: str, token: str, title: str) -> int | None:
    """POST a new incident; its id when the app acknowledged it, else None."""
    body = json.dumps(
        {"title": title, "date_start": "2025-10-15", "event_type": "battles",
         "summary": "Saved under load.", "place": "chaman"}
    ).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{base}/api/v1/incidents",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            if response.status == 201:
                return int(json.loads(response.read())["id"])
    except (OSError, http.client.HTTPException, ValueError):
        return None  # refused, cut off mid-answer, or not JSON: not acknowledged
    return None


def ids_present(url: str, ids: list[int]) -> int:
    present = 0
    for start in range(0, len(ids), 500):
        chunk = ",".join(str(i) for i in ids[start : start + 500])
        statement = f"SELECT count(*) FROM incidents WHERE id IN ({chunk})"  # noqa: S608
        present += sql(url, statement)[0][0]
    return present


# --- 1. kill an import ----------------------------------------------------------------------------


def kill_during_import(engine: str, trials: int = 5) -> dict[str, Any]:
    url = fresh_database(engine, "incidents_soak_import")
    cli(url, "demo")
    export = DATA / "soak-acled.csv"
    write_export(export, IMPORT_ROWS)
    before = checks(url)["incidents"]
    results = []
    for trial in range(trials):
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "import", "acled", str(export)],
            env=_env(url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        delay = 1.0 + 1.2 * trial  # spread over the import: 1.0, 2.2, 3.4, 4.6, 5.8 s
        time.sleep(delay)
        killed = process.poll() is None
        process.kill()
        process.wait()
        check = checks(url)
        results.append(
            {"after_seconds": round(delay, 1), "killed_mid_import": killed,
             "incidents_after": check["incidents"], "whole": whole(check),
             "nothing_half_done": check["incidents"] == before}
        )  # fmt: skip
        log(f"{engine} import killed after {delay:.1f} s: {results[-1]}")
    out = cli(url, "import", "acled", str(export))
    final = checks(url)
    return {
        "rows": IMPORT_ROWS,
        "incidents_before": before,
        "trials": results,
        "then_completed": out.strip().splitlines()[-1] if out.strip() else "",
        "incidents_after_completed_import": final["incidents"],
        "whole_at_end": whole(final),
    }


# --- 2. kill the server mid-save ------------------------------------------------------------------


def _saves_killed(url: str, token: str, trial: int, writers: int) -> tuple[int, list[int]]:
    """Clients save incidents until every server process gets SIGKILL; returns the attempts and
    the ids the app acknowledged."""
    acknowledged: list[int] = []
    attempts = 0
    lock = threading.Lock()
    stop = threading.Event()
    with server(url) as (base, process):

        def write(writer: int) -> None:
            nonlocal attempts
            n = 0
            while not stop.is_set():
                n += 1
                with lock:
                    attempts += 1
                saved = create_incident(base, token, f"trial {trial} writer {writer} #{n}")
                if saved is not None:
                    with lock:
                        acknowledged.append(saved)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        time.sleep(random.Random(trial).uniform(2.0, 5.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in threads:
            thread.join()
    return attempts, acknowledged


def kill_during_saves(engine: str, trials: int = 3, writers: int = 8) -> dict[str, Any]:
    url = fresh_database(engine, "incidents_soak_saves")
    cli(url, "demo")
    token = api_token(url)
    results = []
    acknowledged: list[int] = []
    for trial in range(trials):
        attempts, saved = _saves_killed(url, token, trial, writers)
        acknowledged += saved
        check = checks(url)
        present = ids_present(url, acknowledged)
        results.append(
            {"attempted": attempts, "acknowledged_so_far": len(acknowledged),
             "acknowledged_present": present, "whole": whole(check)}
        )  # fmt: skip
        log(f"{engine} server killed during saves: {results[-1]}")
    return {"writers": writers, "trials": results}


# --- 3. restart PostgreSQL under load -------------------------------------------------------------


def restart_postgres_under_load(seconds: int = 40) -> dict[str, Any]:
    url = fresh_database("postgresql", "incidents_soak_restart")
    cli(url, "demo")
    token = api_token(url)
    timeline: list[tuple[float, bool]] = []
    acknowledged: list[int] = []
    lock = threading.Lock()
    with server(url) as (base, _process):
        stop = threading.Event()
        started = time.monotonic()

        def client(number: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                if n % 4 == 0:
                    saved = create_incident(base, token, f"restart client {number} #{n}")
                    ok = saved is not None
                    if saved is not None:
                        with lock:
                            acknowledged.append(saved)
                else:
                    try:
                        with urllib.request.urlopen(f"{base}/incidents?page={n % 3 + 1}",
                                                    timeout=30) as response:  # fmt: skip
                            ok = response.status == 200
                    except OSError:
                        ok = False
                with lock:
                    timeline.append((time.monotonic() - started, ok))
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(10)
        restart_at = time.monotonic() - started
        subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True)  # noqa: S607
        back_at = time.monotonic() - started
        time.sleep(max(0, seconds - back_at))
        stop.set()
        for thread in threads:
            thread.join()
    failures = [t for t, ok in timeline if not ok]
    after_restart = [(t, ok) for t, ok in timeline if t > back_at]
    first_success = next((t for t, ok in after_restart if ok), None)
    settled = [(t, ok) for t, ok in after_restart if first_success and t > first_success + 2]
    return {
        "requests": len(timeline),
        "failed": len(failures),
        "failed_before_restart": len([t for t in failures if t < restart_at]),
        "restart_seconds": round(back_at - restart_at, 2),
        "first_success_after_restart_s": round(first_success - back_at, 2)
        if first_success
        else None,
        "failed_from_2s_after_recovery": len([1 for _, ok in settled if not ok]),
        "acknowledged_writes": len(acknowledged),
        "acknowledged_present": ids_present(url, acknowledged),
        "whole": whole(checks(url)),
    }


# --- 4. 64 clients, mixed reading and writing -----------------------------------------------------


def load(engine: str, seconds: int, clients: int, incidents: int) -> dict[str, Any]:
    url = fresh_database(engine, "incidents_soak_load")
    cli(url, "synth", "--incidents", str(incidents), "--seed", "2")
    analyse(url)  # planner statistics for the bulk load, as bench/run.py has them
    token = api_token(url)
    start = checks(url)
    before = start["incidents"]
    with server(url) as (base, _process):
        command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s",
                   "-s", str(MIXED_SCRIPT), base, "--", token]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    report = json.loads(out[out.index("{") :])
    after = checks(url, since_id=start["last_id"] or 0)
    requests = report["requests"]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": requests,
        "requests_per_second": round(requests / (report["duration_us"] / 1e6), 1),
        "writes_acknowledged": report["created"],
        "errors": sum(report["errors"].values()) + report["failed"],
        "error_detail": {**report["errors"], "http_4xx_5xx": report["failed"]},
        "p50_ms": round(report["latency_us"]["p50"] / 1000, 1),
        "p99_ms": round(report["latency_us"]["p99"] / 1000, 1),
        "max_ms": round(report["latency_us"]["max"] / 1000, 1),
        "incidents_before": before,
        "incidents_after": after["incidents"],
        # Writes wrk did not count (cut off by the end of the run) may still have been saved:
        # more rows than acknowledged is not a loss, fewer is.
        "rows_lost": max(0, before + report["created"] - after["incidents"]),
        "saved_unacknowledged": max(0, after["incidents"] - before - report["created"]),
        "whole": whole(after),
    }


# --- report ---------------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    lines = [f"Last run {report['when']}; raw figures in `bench/results/soak.json`.", ""]
    for engine, parts in report["engines"].items():
        name = "SQLite" if engine == "sqlite" else "PostgreSQL"
        lines += [f"### {name}", ""]
        imports = parts.get("kill_during_import")
        if imports:
            killed = [t for t in imports["trials"] if t["killed_mid_import"]]
            half = [t for t in imports["trials"] if not t["nothing_half_done"]]
            broken = [t for t in imports["trials"] if not t["whole"]]
            lines.append(
                f"- **Import killed (SIGKILL)** {len(killed)} times part-way through"
                f" {imports['rows']:,} ACLED rows: half-done imports {len(half)}, failed integrity"
                f" checks {len(broken)}. Run to the end afterwards: {imports['then_completed']}"
            )
        saves = parts.get("kill_during_saves")
        if saves:
            last = saves["trials"][-1]
            lost = last["acknowledged_so_far"] - last["acknowledged_present"]
            broken = [t for t in saves["trials"] if not t["whole"]]
            lines.append(
                f"- **Server killed (SIGKILL, every worker)** {len(saves['trials'])} times while"
                f" {saves['writers']} clients saved incidents: {last['acknowledged_so_far']:,}"
                f" saves acknowledged, {lost} lost; incidents missing search text or history, or"
                f" failed integrity checks: {len(broken)} trials."
            )
        restart = parts.get("restart_postgres")
        if restart:
            lines.append(
                f"- **PostgreSQL restarted under load** (8 clients reading and writing):"
                f" {restart['requests']:,} requests, {restart['failed']} failed:"
                f" {restart['failed_before_restart']} before the"
                f" {restart['restart_seconds']} s restart, the rest during it or just after; the"
                f" first success came {restart['first_success_after_restart_s']} s after it, with"
                " no app restart, and from 2 s later"
                f" {restart['failed_from_2s_after_recovery']} failed. Writes acknowledged"
                f" {restart['acknowledged_writes']}, present {restart['acknowledged_present']}."
            )
        load_run = parts.get("load")
        if load_run:
            lines.append(
                f"- **Load:** {load_run['clients']} clients for {load_run['seconds']} s, 2 workers,"
                f" {load_run['incidents_before']:,} incidents:"
                f" {load_run['requests']:,} requests ({load_run['requests_per_second']}/s),"
                f" {load_run['writes_acknowledged']:,} writes acknowledged, errors"
                f" {load_run['errors']}, rows lost {max(0, load_run['rows_lost'])}"
                f" ({load_run.get('saved_unacknowledged', max(0, -load_run['rows_lost']))} more"
                " saved as the run ended, unacknowledged); p50"
                f" {load_run['p50_ms']} ms, p99"
                f" {load_run['p99_ms']} ms, slowest {load_run['max_ms']} ms."
            )
        lines.append("")
    return "\n".join(lines)


def write_doc(report: dict[str, Any]) -> None:
    text = DOC.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{markdown(report)}\n{END}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--only", default="import,saves,restart,load")
    parser.add_argument("--load-incidents", type=int, default=LOAD_INCIDENTS)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"engines": {}}
    engines: dict[str, dict[str, Any]] = previous.get("engines", {})
    only = set(args.only.split(","))
    for engine in args.engines.split(","):
        parts = engines.setdefault(engine, {})
        if "import" in only:
            parts["kill_during_import"] = kill_during_import(engine)
        if "saves" in only:
            parts["kill_during_saves"] = kill_during_saves(engine)
        if "restart" in only and engine == "postgresql":
            parts["restart_postgres"] = restart_postgres_under_load()
        if "load" in only:
            log(f"{engine}: {args.clients} clients for {args.seconds} s")
            parts["load"] = load(engine, args.seconds, args.clients, args.load_incidents)
            log(f"{engine}: {parts['load']}")
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "engines": engines}
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    write_doc(report)
    log(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
