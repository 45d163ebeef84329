"""Export memory: the server's peak memory while streaming /incidents.csv?rows=claims for a small
and a large database. Flat means the large export needs about what the small one does.

    python bench/export_memory.py [SMALL] [LARGE]    # default 10,000 and 100,000 incidents
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_acled import write_export

ROOT = Path(__file__).resolve().parent.parent


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "LOG_LEVEL": "warning",
        }
        command = [sys.executable, "-m", "app.cli"]
        export = Path(tmp) / "acled.csv"
        write_export(export, count)
        subprocess.run(
            [*command, "import", "acled", str(export)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port), "--no-migrate"], env=env, cwd=ROOT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            urllib.request.urlopen(f"{base}/incidents", timeout=60).read()  # warm up
            before = _peak_kib(server.pid)
            started = time.perf_counter()
            size = 0
            with urllib.request.urlopen(
                f"{base}/incidents.csv?rows=claims", timeout=600
            ) as response:
                while chunk := response.read(1 << 16):
                    size += len(chunk)
            seconds = time.perf_counter() - started
            return {
                "incidents": count,
                "bytes": size,
                "seconds": round(seconds, 2),
                "peak_rss_mib_before": round(before / 1024, 1),
                "peak_rss_mib_after": round(_peak_kib(server.pid) / 1024, 1),
            }
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> int:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    large = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    results = [measure(small), measure(large)]
    growth = results[1]["peak_rss_mib_after"] - results[0]["peak_rss_mib_after"]  # type: ignore[operator]
    report = {"runs": results, "peak_growth_mib": round(growth, 1)}
    print(json.dumps(report, indent=2))
    (ROOT / "bench" / "results" / "export_memory.json").write_text(
        json.dumps(report, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
