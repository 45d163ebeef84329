"""A real server on a free port and the system Chromium, driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ScratchDatabases

EDITOR_EMAIL = "editor@example.org"
EDITOR_PASSWORD = "a long enough password"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def sign_in_as_editor(page: Any, base: str) -> None:
    """Sign the page's browser in as the seeded editor; it lands on the incident list."""
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(EDITOR_EMAIL)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/incidents")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


@pytest.fixture(scope="session")
def live_database_url(scratch: ScratchDatabases) -> str:
    """The live server's database, for a test that must put in what no form can."""
    return scratch.new_url()


@contextmanager
def serving(
    database_url: str, logs: Path, *, prepare: Sequence[Sequence[str]] = (("demo",),)
) -> Iterator[str]:
    """The app's own commands (`prepare`, then an editor account) on a database, then
    `incidents serve` on a free port, exactly as the README runs them: its address."""
    env = {**os.environ, "DATABASE_URL": database_url}
    incidents = [sys.executable, "-m", "app.cli"]
    cwd = Path(__file__).resolve().parents[2]
    for command in prepare:
        subprocess.run([*incidents, *command], env=env, cwd=cwd, check=True, capture_output=True)
    subprocess.run(
        [
            *incidents,
            "user",
            "create",
            "--email",
            EDITOR_EMAIL,
            "--role",
            "editor",
            "--password-stdin",
        ],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        input=f"{EDITOR_PASSWORD}\n".encode(),
    )
    port = _free_port()
    log = (logs / "server.log").open("wb")
    process = subprocess.Popen(
        [*incidents, "serve", "--port", str(port)], env=env, cwd=cwd, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_server(live_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo data and an editor, served."""
    with serving(live_database_url, tmp_path_factory.mktemp("server")) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
