"""Matching speed and quality: ACLED and UCDP files of at least 10,000 events each (from
bench/match_corpus.py), imported into a fresh SQLite database, then matched.

Times the import of the second file (which proposes matches for what it brings) and a full
`propose_matches` over everything (target: under 10 s for 10,000 against 10,000), and scores
the proposals against the corpus's answer key.

    python bench/match.py [N]     # writes bench/results/match.json
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match_corpus import write_corpus


def build(tmp: str, events: int) -> tuple[str, dict[str, object]]:
    """The corpus written and imported into a fresh SQLite database: its URL and the timings."""
    corpus = write_corpus(Path(tmp) / "corpus", events)
    url = f"sqlite:///{tmp}/match.db"
    env = {**os.environ, "DATABASE_URL": url}
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    timings: dict[str, object] = {"corpus": corpus}
    for dataset in ("acled", "ucdp"):
        started = time.perf_counter()
        done = subprocess.run(
            [*cli, "import", dataset, f"{tmp}/corpus/{dataset}.csv"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        timings[f"import_{dataset}_s"] = round(time.perf_counter() - started, 2)
        timings[f"import_{dataset}_summary"] = done.stdout.splitlines()[0]
    return url, timings


def answer_key(tmp: str, incident_of: dict[str, int]) -> set[tuple[int, int]]:
    """The corpus's same-event pairs, as pairs of incident ids."""
    truth = set()
    with open(f"{tmp}/corpus/truth.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            a, b = incident_of.get(row["ucdp"]), incident_of.get(row["acled"])
            if a and b:
                truth.add((min(a, b), max(a, b)))
    return truth


def main(events: int) -> dict[str, object]:
    from sqlalchemy import select

    from app.db import Database
    from app.models import ExternalId
    from app.services.matching import MatchSettings
    from app.services.proposals import propose_matches

    with tempfile.TemporaryDirectory() as tmp:
        url, timings = build(tmp, events)
        database = Database(url)
        runs = []
        for _ in range(3):
            with database.write() as session:
                started = time.perf_counter()
                run = propose_matches(session, MatchSettings())  # the default: 0.7
                runs.append(time.perf_counter() - started)
        with database.read() as session:
            rows = session.execute(select(ExternalId.external_id, ExternalId.incident_id))
            truth = answer_key(tmp, {e: i for e, i in rows})
        database.dispose()
    proposed = {(c.low_id, c.high_id): c.score for c in run.candidates}

    def quality(threshold: float) -> dict[str, float | int]:
        kept = {pair for pair, score in proposed.items() if score >= threshold}
        return {
            "proposals": len(kept),
            "precision": round(len(kept & truth) / len(kept), 3) if kept else 0,
            "recall": round(len(kept & truth) / len(truth), 3),
        }

    return {
        **timings,
        "match_all_s": {"best": round(min(runs), 2), "runs": [round(r, 2) for r in runs]},
        "same_event_pairs_imported": len(truth),
        "by_threshold": {f"{t:.2f}": quality(t) for t in (0.7, 0.75, 0.8, 0.85, 0.9)},
    }


if __name__ == "__main__":
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    out = ROOT / "bench/results/match.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
