"""Instructions per request, counted by valgrind's callgrind: the same for the same code and data
whatever else the machine is doing, where this shared machine's seconds drift by half from one
hour to the next. For comparing two versions of a page's code, not for how fast a page is.

    python bench/instructions.py DATABASE_URL URL [URL ...] [--requests 10]

Each address is asked for in process (the page cache off) a few times to warm up, then
--requests times with callgrind counting; the count covers the test client's side of each
request too, the same for every version. Needs valgrind (apt-get install -y valgrind); under
it a request runs about fifty times slower.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _count(database_url: str, url: str, requests: int) -> int:
    """Run this script under callgrind for one address and read the total it wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        valgrind = shutil.which("valgrind")
        if valgrind is None:
            sys.exit("valgrind is needed: apt-get install -y valgrind")
        subprocess.run(
            [
                valgrind, "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={out}", sys.executable, __file__, "--inner",
                database_url, url, "--requests", str(requests),
            ],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        totals = [
            int(line.split()[1])
            for written in Path(tmp).glob("callgrind.out*")
            for line in written.read_text().splitlines()
            if line.startswith(("summary:", "totals:"))
        ]
    return max(totals)


def _inner(database_url: str, url: str, requests: int) -> None:
    os.environ.update(DATABASE_URL=database_url, PAGE_CACHE="off", LOG_LEVEL="warning")
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from app.config import load_settings
    from app.main import create_app

    def counting(on: bool) -> None:
        switch = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
        subprocess.run(switch, check=True, capture_output=True)

    with TestClient(create_app(load_settings())) as client:
        for _ in range(3):  # warm: the facet index, the name book, compiled templates
            assert client.get(url).status_code == 200, url
        counting(True)
        for _ in range(requests):
            client.get(url)
        counting(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("database_url")
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    if args.inner:
        _inner(args.database_url, args.urls[0], args.requests)
        return
    for url in args.urls:
        per_request = _count(args.database_url, url, args.requests) / args.requests
        print(f"{per_request / 1e6:8.2f} M instructions  {url}", flush=True)


if __name__ == "__main__":
    main()
