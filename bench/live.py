"""A throwaway server with the demo data, for the scripts in bench/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def demo_server(acled_events: int = 0) -> Iterator[str]:
    """The demo data served; with `acled_events`, that many generated ACLED events imported
    too (bench/import_acled.py's file: each event at a point of its own, the hardest case
    for the map)."""
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/bench.sqlite3"
        env = {**os.environ, "DATABASE_URL": database, "LOG_LEVEL": "warning"}
        command = [sys.executable, "-m", "app.cli"]
        subprocess.run([*command, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        if acled_events:
            from bench.import_acled import write_export

            export = Path(tmp) / "acled.csv"
            write_export(export, acled_events)
            subprocess.run(
                [*command, "import", "acled", str(export)],
                env=env, cwd=ROOT, check=True, capture_output=True,
            )  # fmt: skip
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)
