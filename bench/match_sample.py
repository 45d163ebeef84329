"""A sample of match proposals to read: both records of each, side by side, without the answer.

Builds the bench corpus (bench/match_corpus.py), imports it, proposes matches at the default
settings, and writes a random sample of the proposals (seeded) to OUT.md for a reader to mark
each "same event" or "not"; the corpus's answer key for the sample goes to OUT_key.json, to be
compared with the reading afterwards (docs/matching.md gives the result).

    python bench/match_sample.py OUT [SAMPLE] [N]    # 60 proposals from 10,000 events a side
    DATABASE_URL=... python bench/match_sample.py --here OUT [SAMPLE]
                     # the same from a database with real files imported (no answer key then)
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
from pathlib import Path

from app.services.visibility import EDITOR

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.match import answer_key, build


def describe(incident) -> str:  # type: ignore[no-untyped-def]
    refs = ", ".join(f"{e.dataset.upper()} {e.external_id}" for e in incident.external_ids)
    actors = "; ".join(f"{link.actor.name} ({link.role})" for link in incident.actor_links)
    figures = "; ".join(
        f"{f.outcome} {f.low}-{f.high} best {f.best}"
        for c in incident.claims
        for f in c.figures
        if not f.part_of_total
    )
    where = f"{incident.latitude:.4f}, {incident.longitude:.4f}" if incident.latitude else "-"
    return (
        f"- {refs}: {incident.title}\n"
        f"  - dates {incident.date_start} to {incident.date_end} ({incident.date_precision})\n"
        f"  - place {incident.location or '-'}, district "
        f"{incident.district.name if incident.district else '-'}, at {where}"
        f" (precision {incident.geo_precision})\n"
        f"  - type {incident.event_type} / {incident.sub_event_type}\n"
        f"  - actors {actors or '-'}\n  - figures {figures or '-'}\n"
        f"  - text: {incident.summary.replace(chr(10), ' ')}\n"
    )


def write_sample(
    database_url: str, out: Path, size: int, truth: set[tuple[int, int]] | None
) -> None:
    from app.db import Database
    from app.services.incidents import get_incident
    from app.services.matching import MatchSettings
    from app.services.proposals import propose_matches

    database = Database(database_url)
    with database.write() as session:
        run = propose_matches(session, MatchSettings())
    sample = random.Random(11).sample(run.candidates, min(size, len(run.candidates)))
    lines = ["# Match proposals to read\n"]
    with database.read() as session:
        for n, candidate in enumerate(sample, start=1):
            lines.append(f"\n## {n}. score {candidate.score:.2f}\n")
            for incident_id in (candidate.low_id, candidate.high_id):
                incident = get_incident(session, incident_id, viewer=EDITOR)
                assert incident is not None
                lines.append(describe(incident))
    database.dispose()
    out.with_suffix(".md").write_text("".join(lines), encoding="utf-8")
    if truth is not None:
        key = {n: (c.low_id, c.high_id) in truth for n, c in enumerate(sample, start=1)}
        scores = {n: c.score for n, c in enumerate(sample, start=1)}
        out.with_name(out.name + "_key.json").write_text(
            json.dumps({"same_event": key, "score": scores}, indent=1), encoding="utf-8"
        )


def main(out: Path, size: int, events: int) -> None:
    from sqlalchemy import select

    from app.db import Database
    from app.models import ExternalId

    with tempfile.TemporaryDirectory() as tmp:
        url, _ = build(tmp, events)
        database = Database(url)
        with database.read() as session:
            rows = session.execute(select(ExternalId.external_id, ExternalId.incident_id))
            truth = answer_key(tmp, {e: i for e, i in rows})
        database.dispose()
        write_sample(url, out, size, truth)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--here":
        write_sample(
            os.environ["DATABASE_URL"], Path(args[1]), int(args[2]) if len(args) > 2 else 60, None
        )
    else:
        main(
            Path(args[0]),
            int(args[1]) if len(args) > 1 else 60,
            int(args[2]) if len(args) > 2 else 10_000,
        )
