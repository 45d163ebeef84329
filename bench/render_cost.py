"""What rendering a list page costs in CPU, in each language, in one process: the page cache
off, the same addresses rendered again and again, the best of several rounds. Rendering is
where the languages add work (numbers, dates and names written as each language writes them),
so this is the figure to compare between versions; run each version in turn on the same
machine, since this shared machine's speed drifts by a third between minutes.

    python bench/render_cost.py DATABASE_URL [--rounds 5] [--pages 40]

The figures go to bench/results/render_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "render_cost.json"
ADDRESSES = [
    "/incidents?from=2023-01-01&to=2023-12-31",
    "/incidents?sector=chaman-spin-boldak&from=2024-01-01&to=2024-12-31&actor=afghan-taliban",
]
PREFIXES = ["", "/ur", "/ps", "/fa-AF"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=40, help="renders per round")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, PAGE_CACHE="off", LOG_LEVEL="warning")
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from app.config import load_settings
    from app.main import create_app

    results = []
    with TestClient(create_app(load_settings())) as client:
        for address in ADDRESSES:
            for prefix in PREFIXES:
                path = prefix + address
                for _ in range(10):  # warm: the facet index, the name book, compiled templates
                    assert client.get(path).status_code == 200, path
                rounds = []
                for _ in range(args.rounds):
                    started = time.process_time()
                    for _ in range(args.pages):
                        client.get(path)
                    rounds.append((time.process_time() - started) / args.pages * 1000)
                results.append({"path": path, "cpu_ms_per_page": round(min(rounds), 2)})
                print(f"{min(rounds):6.1f} ms  {path}", flush=True)
    RESULTS.write_text(json.dumps({"database": args.database_url, "pages": results}, indent=2))


if __name__ == "__main__":
    main()
