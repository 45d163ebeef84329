"""Readable differences between two snapshots of an incident, for its history and for the
conflict page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models import Change
from app.services.snapshots import is_incident_snapshot

FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "date_start": "Start date",
    "date_end": "End date",
    "date_precision": "Date precision",
    "location": "Location as reported",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "geo_precision": "Location precision",
    "country": "Country side",
    "event_type": "Event type",
    "sub_event_type": "Sub-type",
    "assessed_killed_low": "Assessed killed, low",
    "assessed_killed_best": "Assessed killed, best",
    "assessed_killed_high": "Assessed killed, high",
    "assessed_wounded_low": "Assessed wounded, low",
    "assessed_wounded_high": "Assessed wounded, high",
    "assessment_note": "Assessment note",
    "notes": "Editors' notes",
    "review_state": "Review state",
    "place": "Place",
    "sector": "Sector",
}
CLAIM_LABELS = {
    "claimant": "claimant",
    "spokesperson": "spokesperson",
    "spokesperson_role": "office",
    "claimed_on": "date",
    "kind": "kind",
    "statement": "statement",
    "statement_language": "language",
    "translation": "translation",
    "status": "status",
    "credibility": "credibility",
    "responds_to_id": "responds to claim",
    "note": "note",
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeView:
    change: Change
    differences: list[FieldChange]
    # A full version of the incident, which can be restored (not a deletion, nor a row logged in
    # another shape before every origin recorded the snapshot).
    restorable: bool


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def _actors(snapshot: dict[str, Any]) -> str:
    return ", ".join(f"{a['actor']} ({a['role']})" for a in snapshot.get("actors", [])) or "—"


def _figures(claim: dict[str, Any]) -> str:
    parts = []
    for f in claim.get("figures", []):
        span = f"{f['low']}" if f["high"] == f["low"] else f"{f['low']}–{f['high'] or ''}"
        parts.append(f"{span} {f['outcome']} ({f['actor'] or f['party']})")
    return "; ".join(parts) or "—"


def claim_summary(claim: dict[str, Any]) -> str:
    who = claim.get("claimant") or claim.get("spokesperson_role") or claim.get("spokesperson")
    statement = (claim.get("statement") or "")[:90]
    return f"{who}: {claim['kind']}, {claim['status']}. “{statement}”"


def diff_snapshots(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[FieldChange]:
    before, after = before or {}, after or {}
    changes = [
        FieldChange(label, _show(before.get(name)), _show(after.get(name)))
        for name, label in FIELD_LABELS.items()
        if before.get(name) != after.get(name)
    ]
    if _actors(before) != _actors(after):
        changes.append(FieldChange("Actors", _actors(before), _actors(after)))
    old = {c["id"]: c for c in before.get("claims", [])}
    new = {c["id"]: c for c in after.get("claims", [])}
    for claim_id in sorted(old.keys() - new.keys()):
        changes.append(FieldChange(f"Claim {claim_id} removed", claim_summary(old[claim_id]), "—"))
    for claim_id in sorted(new.keys() - old.keys()):
        changes.append(FieldChange(f"Claim {claim_id} added", "—", claim_summary(new[claim_id])))
    for claim_id in sorted(old.keys() & new.keys()):
        a, b = old[claim_id], new[claim_id]
        for name, label in CLAIM_LABELS.items():
            if a.get(name) != b.get(name):
                changes.append(
                    FieldChange(
                        f"Claim {claim_id}: {label}", _show(a.get(name)), _show(b.get(name))
                    )
                )
        if _figures(a) != _figures(b):
            changes.append(FieldChange(f"Claim {claim_id}: figures", _figures(a), _figures(b)))
        if a.get("sources") != b.get("sources"):
            changes.append(
                FieldChange(
                    f"Claim {claim_id}: sources",
                    ", ".join(a.get("sources", [])) or "—",
                    ", ".join(b.get("sources", [])) or "—",
                )
            )
    return changes


def history_views(changes: list[Change]) -> list[ChangeView]:
    return [
        ChangeView(c, diff_snapshots(c.before, c.after), is_incident_snapshot(c.after))
        for c in changes
    ]
